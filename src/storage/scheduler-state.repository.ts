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

/** Moves the checkpoint forward only: a replica with an older view never moves it back. */
export async function advanceCheckpoint(db: Db, name: string, at: number): Promise<void> {
  await db
    .insertInto('scheduler_state')
    .values({ name, checkpoint_at: at })
    .onConflict((oc) => oc.column('name').doUpdateSet({ checkpoint_at: at }).where('scheduler_state.checkpoint_at', '<', at))
    .execute();
}
