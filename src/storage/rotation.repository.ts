/**
 * Team rotations per tenant (issue 14): the members an admin set from chat (null: the catalog's) and the position
 * of whose turn is next, and the append-only log of rotation changes. Every function takes the tenant.
 */
import { sql } from 'kysely';
import type { Person } from '../catalog/catalog.types';
import type { Actor } from '../reminders/occurrence.types';
import { dialectOf } from './dialect';
import type { Db } from './occurrence.repository';

/** A team's rotation state as stored: `members` undefined means the catalog's. */
export interface StoredRotation {
  readonly members?: readonly Person[];
  readonly nextPosition: number;
  readonly updatedAt: number;
  readonly updatedByName?: string;
}

/** One change of a team's rotation: members before and after (undefined: the catalog's). */
export interface RotationChange {
  readonly id: number;
  readonly tenantId: string;
  readonly teamId: string;
  readonly from?: readonly Person[];
  readonly to?: readonly Person[];
  readonly actor: Actor;
  readonly at: number;
}

/** Members JSON as written by `encodeMembers`; anything else reads as the catalog's (undefined). */
function decodeMembers(text: string | null): Person[] | undefined {
  if (text === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return undefined;
    return parsed.filter((p): p is Person => typeof p === 'object' && p !== null && typeof p.id === 'string' && typeof p.name === 'string').map((p) => ({ id: p.id, name: p.name }));
  } catch {
    return undefined;
  }
}

function encodeMembers(members: readonly Person[] | undefined): string | null {
  return members === undefined ? null : JSON.stringify(members.map((p) => ({ id: p.id, name: p.name })));
}

export async function findRotation(db: Db, tenantId: string, teamId: string): Promise<StoredRotation | undefined> {
  const row = await db.selectFrom('team_rotations').selectAll().where('tenant_id', '=', tenantId).where('team_id', '=', teamId).executeTakeFirst();
  if (!row) return undefined;
  const members = decodeMembers(row.members);
  return { ...(members && { members }), nextPosition: Number(row.next_position), updatedAt: Number(row.updated_at), ...(row.updated_by_name !== null && { updatedByName: row.updated_by_name }) };
}

/**
 * Takes `count` turns of a team's rotation in one statement and returns the members to read them from (undefined:
 * the catalog's) and the position of the first turn taken; the turns are `first … first + count - 1`, modulo the
 * rotation's length. An upsert whose row lock holds until the transaction ends: of two replicas creating tasks for
 * the same team at once, the second waits and takes the turns after the first's, so nobody is skipped or repeated.
 */
export async function takeRotationTurns(trx: Db, tenantId: string, teamId: string, count: number, now: number): Promise<{ members?: readonly Person[]; first: number }> {
  const row = await trx
    .insertInto('team_rotations')
    .values({ tenant_id: tenantId, team_id: teamId, members: null, next_position: count, updated_at: now, updated_by_name: null })
    .onConflict((oc) => oc.columns(['tenant_id', 'team_id']).doUpdateSet({ next_position: sql<number>`team_rotations.next_position + ${count}` }))
    .returning(['members', 'next_position'])
    .executeTakeFirstOrThrow();
  const members = decodeMembers(row.members);
  return { ...(members && { members }), first: Number(row.next_position) - count };
}

/**
 * Replaces a team's rotation (`members` undefined: back to the catalog's), starting again at its first person, and
 * records the change, in the caller's transaction. Returns the members it had before (undefined: the catalog's).
 */
export async function replaceRotation(trx: Db, tenantId: string, teamId: string, members: readonly Person[] | undefined, actor: Actor, now: number): Promise<{ before?: readonly Person[] }> {
  // Read under the row's lock (PostgreSQL), so the change log's "from" is what this change replaced.
  let q = trx.selectFrom('team_rotations').select('members').where('tenant_id', '=', tenantId).where('team_id', '=', teamId);
  if (dialectOf(trx) === 'postgres') q = q.forUpdate();
  const before = decodeMembers((await q.executeTakeFirst())?.members ?? null);
  const encoded = encodeMembers(members);
  await trx
    .insertInto('team_rotations')
    .values({ tenant_id: tenantId, team_id: teamId, members: encoded, next_position: 0, updated_at: now, updated_by_name: actor.name })
    .onConflict((oc) => oc.columns(['tenant_id', 'team_id']).doUpdateSet({ members: encoded, next_position: 0, updated_at: now, updated_by_name: actor.name }))
    .execute();
  await trx
    .insertInto('rotation_changes')
    .values({ tenant_id: tenantId, team_id: teamId, from_members: encodeMembers(before), to_members: encoded, actor_user_id: actor.userId, actor_aad_id: actor.aadObjectId ?? null, actor_name: actor.name, at: now })
    .execute();
  return { ...(before && { before }) };
}

/** Rotation changes in [since, until), in order, every tenant (the audit export). */
export async function listRotationChanges(db: Db, filter: { since?: number; until?: number; tenantId?: string } = {}): Promise<RotationChange[]> {
  let q = db.selectFrom('rotation_changes').selectAll();
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('at', '<', filter.until);
  if (filter.tenantId) q = q.where('tenant_id', '=', filter.tenantId);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => {
    const from = decodeMembers(r.from_members);
    const to = decodeMembers(r.to_members);
    return {
      id: Number(r.id),
      tenantId: r.tenant_id,
      teamId: r.team_id,
      ...(from && { from }),
      ...(to && { to }),
      actor: { userId: r.actor_user_id, name: r.actor_name, ...(r.actor_aad_id !== null && { aadObjectId: r.actor_aad_id }) },
      at: Number(r.at),
    };
  });
}
