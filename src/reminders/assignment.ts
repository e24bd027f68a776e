/**
 * Who a task is assigned to (issue 14): the rotation's next person when a task of an `assign: rotation` activity
 * is created, and Take it, Reassign and Hand over from the card; and the rotations themselves, as an admin shows,
 * sets and resets them from chat. Every change of assignee is an `assigned` event naming the person (`subject`)
 * and how (`note`), written in the same transaction as the change.
 */
import type { Catalog, Person, SocTeam } from '../catalog/catalog.types';
import { findTeam } from '../catalog/catalog-lookup';
import { ENTRA_OBJECT_ID } from '../catalog/catalog.schema';
import { findOccurrence, updateOpenOccurrence, type Db, type NewEvent } from '../storage/occurrence.repository';
import { findRotation, replaceRotation, takeRotationTurns } from '../storage/rotation.repository';
import type { OccurrenceUpdate } from '../storage/tables';
import type { ActionOrigin } from './action-places';
import { getOccurrenceForAction } from './card-actions';
import { AlreadyAssigned, AlreadyClosed, InvalidInput, UnknownTeam } from './errors';
import { SYSTEM_ACTOR, statusOf, type Actor, type Assignee, type Occurrence } from './occurrence.types';
import { personalEntries } from './personal';
import { cardUpdate, enqueueMessages, recordEvent, transact, type WriteDeps } from './transaction';

/** How a task came to its person: the `assigned` event's note. */
export type AssignHow = 'rotation' | 'take' | 'reassign' | 'handover';

/** True for a value that may be an Entra object id (a GUID, any case), as the catalog's rotations are checked. */
export function isEntraObjectId(value: string): boolean {
  return ENTRA_OBJECT_ID.test(value);
}

/** Longest handover note kept, in characters (as a Done note). */
export const MAX_HANDOVER_NOTE = 500;

/** Most people in a rotation set from chat (a mention per person; a SOC shift is far smaller). */
export const MAX_ROTATION_MEMBERS = 50;

// ── Rotations ────────────────────────────────────────────────────────────────────────────────────────────────

/** A team's rotation as it stands in a tenant: its members in order, where they come from, and whose turn is next. */
export interface RotationView {
  readonly team: SocTeam;
  readonly members: readonly Person[];
  /** `chat`: set by an admin (`rotation set`); `catalog`: the catalog's. */
  readonly source: 'chat' | 'catalog';
  /** Undefined for an empty rotation (its tasks are the team's). */
  readonly next?: Person;
  readonly updatedAt?: number;
  readonly updatedByName?: string;
}

/** The rotation in force for a team: the one set from chat, else the catalog's. */
export async function rotationOf(db: Db, catalog: Catalog, tenantId: string, teamRef: string): Promise<RotationView> {
  const team = findTeam(catalog, teamRef);
  if (!team) throw new UnknownTeam(teamRef);
  const stored = await findRotation(db, tenantId, team.id);
  const members = stored?.members ?? team.rotation;
  const position = stored?.nextPosition ?? 0;
  return {
    team,
    members,
    source: stored?.members ? 'chat' : 'catalog',
    ...(members.length > 0 && { next: members[position % members.length] }),
    ...(stored?.members && { updatedAt: stored.updatedAt, ...(stored.updatedByName !== undefined && { updatedByName: stored.updatedByName }) }),
  };
}

/**
 * Replaces a team's rotation from chat (`members` undefined: back to the catalog's), starting at its first person,
 * and records who changed it from what to what. Every member must be named by an Entra object id.
 */
export async function changeRotation(deps: WriteDeps & { readonly catalog: Catalog }, tenantId: string, teamRef: string, members: readonly Person[] | undefined, actor: Actor): Promise<{ before: RotationView; after: RotationView }> {
  const team = findTeam(deps.catalog, teamRef);
  if (!team) throw new UnknownTeam(teamRef);
  let clean: Person[] | undefined;
  if (members !== undefined) {
    if (members.length === 0) throw new InvalidInput('rotation-empty');
    if (members.length > MAX_ROTATION_MEMBERS) throw new InvalidInput('rotation-too-long', { max: MAX_ROTATION_MEMBERS });
    clean = [];
    for (const m of members) {
      if (!isEntraObjectId(m.id)) throw new InvalidInput('assignee-not-entra-id');
      const id = m.id.toLowerCase();
      // The same person mentioned twice is one turn, not two.
      if (!clean.some((p) => p.id === id)) clean.push({ id, name: m.name.trim().slice(0, 200) || id });
    }
  }
  const before = await rotationOf(deps.db, deps.catalog, tenantId, team.id);
  await transact(deps, (trx) => replaceRotation(trx, tenantId, team.id, clean, actor, deps.clock.now()));
  return { before, after: await rotationOf(deps.db, deps.catalog, tenantId, team.id) };
}

/**
 * Gives each task just created for an `assign: rotation` activity the next person of its team's rotation, in the
 * order given (a catch-up's tasks in fire-time order), in the creating transaction. Call it only with the rows the
 * INSERT returned: the turns advance once per created task, so a catch-up racing a tick, a restart or a second
 * replica never skips or repeats a person. An empty rotation leaves the task to the team. Returns the updated
 * occurrences by id and their `assigned` events (the caller appends them after the `created` ones).
 */
export async function assignByRotation(trx: Db, catalog: Pick<Catalog, 'teams'>, created: readonly Occurrence[], now: number): Promise<{ assigned: Map<string, Occurrence>; events: NewEvent[] }> {
  const assigned = new Map<string, Occurrence>();
  const events: NewEvent[] = [];
  const byTeam = new Map<string, Occurrence[]>();
  for (const o of created) {
    const key = `${o.tenantId}|${o.teamId}`;
    byTeam.set(key, [...(byTeam.get(key) ?? []), o]);
  }
  // Teams in one sorted order: two replicas locking the same teams' rotation rows cannot deadlock.
  for (const key of [...byTeam.keys()].sort()) {
    const tasks = byTeam.get(key)!;
    const { tenantId, teamId } = tasks[0]!;
    const catalogRotation = catalog.teams.find((t) => t.id === teamId)?.rotation ?? [];
    const { members = catalogRotation, first } = await takeRotationTurns(trx, tenantId, teamId, tasks.length, now);
    if (members.length === 0) continue;
    for (let i = 0; i < tasks.length; i++) {
      const person = members[(first + i) % members.length]!;
      const row = await updateOpenOccurrence(trx, tenantId, tasks[i]!.id, { assignee_aad_id: person.id, assignee_name: person.name, assigned_at: now });
      if (!row) continue;
      assigned.set(row.id, row);
      events.push({ tenantId, occurrenceId: row.id, type: 'assigned', fromStatus: statusOf(row, now), toStatus: statusOf(row, now), actor: SYSTEM_ACTOR, note: 'rotation', subject: { aadObjectId: person.id, name: person.name }, at: now });
    }
  }
  return { assigned, events };
}

// ── Take it, Reassign, Hand over ─────────────────────────────────────────────────────────────────────────────

export interface AssignRequest {
  /** The person the task goes to: for `take` the actor, else the one chosen in the people picker. */
  readonly assignee: Assignee;
  readonly how: Exclude<AssignHow, 'rotation'>;
  /** Hand over's optional note for the next person. */
  readonly note?: string;
  /**
   * Asked with the task as read before the change (the caller's rule of who may reassign: the person on it, an
   * owner, an admin); throws to refuse. The change then applies only while the assignee is still the one read.
   */
  readonly authorize?: (current: Occurrence) => Promise<void>;
}

/**
 * Gives the task to `request.assignee`: Take it (while nobody has it; it acknowledges too, when nobody had), Reassign or Hand over. One guarded UPDATE on
 * the assignee as read (a compare-and-set): of racing presses exactly one wins, and the other is told who has it
 * now (`AlreadyAssigned`). The acknowledgement of the person the task is taken from goes with them (they are no
 * longer on it), and so does the actor's own on Hand over. Giving it to whoever has it already changes nothing.
 */
export async function assignTask(deps: WriteDeps, tenantId: string, id: string, actor: Actor, request: AssignRequest, origin: ActionOrigin): Promise<Occurrence> {
  const { how } = request;
  const assignee = { aadObjectId: request.assignee.aadObjectId.toLowerCase(), name: request.assignee.name.slice(0, 200) };
  if (!isEntraObjectId(assignee.aadObjectId)) throw new InvalidInput('assignee-not-entra-id');
  const note = checkHandoverNote(how === 'handover' ? request.note : undefined);
  // The escalation card's Assign is Reassign; Take it and Hand over are the task's own card's.
  const current = await getOccurrenceForAction(deps.db, tenantId, id, origin, actor, how === 'reassign');
  if (current.state !== 'open') throw new AlreadyClosed(current.state, current.closedBy, current.closedAt, current.closeNote);
  await request.authorize?.(current);
  const previous = current.assignee;
  if (previous?.aadObjectId === assignee.aadObjectId) return current;
  if (how === 'take' && previous) throw new AlreadyAssigned(previous, current.assignedAt);
  const ack = current.acknowledgedBy;
  const ackLeaves = ack !== undefined && ((previous !== undefined && ack.aadObjectId?.toLowerCase() === previous.aadObjectId) || (how === 'handover' && ack.userId === actor.userId));
  const now = deps.clock.now();
  // Take it is also "I'm on it" when nobody is on it yet: the person taking it is.
  const takesAck = how === 'take' && ack === undefined;
  const patch: OccurrenceUpdate = {
    assignee_aad_id: assignee.aadObjectId,
    assignee_name: assignee.name,
    assigned_at: now,
    ...(ackLeaves && { ack_user_id: null, ack_aad_id: null, ack_name: null, acknowledged_at: null }),
    ...(takesAck && { ack_user_id: actor.userId, ack_aad_id: actor.aadObjectId ?? null, ack_name: actor.name, acknowledged_at: now, snoozed_until: null, snoozed_by_name: null }),
  };
  const updated = await transact(deps, async (trx) => {
    const row = await updateOpenOccurrence(trx, tenantId, id, patch, {
      assigneeIs: previous?.aadObjectId ?? null,
      ...(ackLeaves && { acknowledgedExactly: ack!.userId }),
      ...(takesAck && { acknowledgedBy: null }),
    });
    if (!row) return undefined;
    const from = statusOf(current, now);
    await recordEvent(trx, row, 'assigned', from, actor, now, note ? `${how}: ${note}` : how, undefined, { aadObjectId: assignee.aadObjectId, name: assignee.name });
    if (takesAck) await recordEvent(trx, row, 'acknowledged', from, actor, now);
    // The person it is passed to gets the card in their 1:1 chat, as an assignee at creation does (once per task and
    // person: personal_posts); who takes it pressed it themselves.
    const personal = how === 'take' ? [] : await personalEntries(trx, row, assignee, 'assigned', now);
    await enqueueMessages(trx, [...personal, cardUpdate(row, now)]);
    return row;
  });
  if (updated) return updated;
  // Lost the race: say who has it now, from the row as it is.
  const latest = await findOccurrence(deps.db, tenantId, id);
  if (!latest) throw new AlreadyClosed('done', undefined, undefined, undefined);
  if (latest.state !== 'open') throw new AlreadyClosed(latest.state, latest.closedBy, latest.closedAt, latest.closeNote);
  if (latest.assignee?.aadObjectId === assignee.aadObjectId) return latest;
  throw new AlreadyAssigned(latest.assignee, latest.assignedAt);
}

function checkHandoverNote(text: string | undefined): string | undefined {
  const clean = (text ?? '').replace(/\r\n?/g, '\n').trim();
  if (clean.length > MAX_HANDOVER_NOTE) throw new InvalidInput('note-too-long', { length: clean.length, max: MAX_HANDOVER_NOTE });
  return clean === '' ? undefined : clean;
}
