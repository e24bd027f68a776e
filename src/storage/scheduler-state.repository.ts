/** Known tenants and the scheduler's checkpoint. */
import type { Db } from './occurrence.repository';

/** Records a tenant the first time it is seen; scheduled work is created for every known tenant. */
export async function rememberTenant(db: Db, tenantId: string, at: number): Promise<void> {
  await db.insertInto('tenants').values({ tenant_id: tenantId, first_seen_at: at }).onConflict((oc) => oc.column('tenant_id').doNothing()).execute();
}

export async function listTenants(db: Db): Promise<{ tenantId: string; firstSeenAt: number }[]> {
  const rows = await db.selectFrom('tenants').selectAll().orderBy('tenant_id').execute();
  return rows.map((r) => ({ tenantId: r.tenant_id, firstSeenAt: Number(r.first_seen_at) }));
}

export async function readCheckpoint(db: Db, name: string): Promise<number | undefined> {
  const row = await db.selectFrom('scheduler_state').select('checkpoint_at').where('name', '=', name).executeTakeFirst();
  return row ? Number(row.checkpoint_at) : undefined;
}

/**
 * Moves the checkpoint forward only: a replica with an older view never moves it back. It says nothing about who
 * moved it, so it must never decide who acts (`claimCheckpoint` does that); it is for runs whose work is made
 * single by something else (the scheduler's unique occurrence key) or that found nothing to do.
 */
export async function advanceCheckpoint(db: Db, name: string, at: number): Promise<void> {
  await db
    .insertInto('scheduler_state')
    .values({ name, checkpoint_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ checkpoint_at: at }).where('scheduler_state.checkpoint_at', '<', at))
    .execute();
}

/**
 * Claims the time `slot` of the periodic job `name`: moves its checkpoint to `at` (>= `slot`) only while the
 * checkpoint is still before `slot`, in one conditional UPDATE, and says whether this call moved it. Of callers
 * racing for the same slot exactly one gets true: on PostgreSQL the losers' UPDATE waits for the winner's row lock
 * and then finds the condition false; SQLite runs writers one at a time. pg-boss's Timekeeper claims its cron
 * ticks the same way (`plans.trySetCronTime`, an `UPDATE … WHERE … RETURNING true`). Run it in the transaction
 * that writes the job's work, so that the claim and the work commit together or not at all. False also when the
 * job has no checkpoint yet (its first run starts one with `advanceCheckpoint`).
 */
export async function claimCheckpoint(db: Db, name: string, slot: number, at: number): Promise<boolean> {
  if (at < slot) throw new RangeError(`claimCheckpoint(${name}): at ${at} is before the slot ${slot}`);
  const row = await db
    .updateTable('scheduler_state')
    .set({ checkpoint_at: at })
    .where('name', '=', name)
    .where('checkpoint_at', '<', slot)
    .returning('name')
    .executeTakeFirst();
  return row !== undefined;
}
