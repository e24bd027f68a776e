/** Occurrences and their append-only events. Every function takes the tenant: rows are always scoped by it. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { decodeEvidence, encodeEvidence } from '../reminders/evidence';
import { dialectOf } from './dialect';
import { reusableQuery, reusableQueryShapes } from './reusable-query';
import type { Actor, MissedRun, Occurrence, OccurrenceEvent, OccurrenceState } from '../reminders/occurrence.types';
import type { Database, EventRow, OccurrenceRow, OccurrenceUpdate } from './tables';

export type Db = Kysely<Database> | Transaction<Database>;

const n = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function actorFrom(userId: string | null, aadId: string | null, name: string | null): Actor | undefined {
  if (userId === null) return undefined;
  return { userId, name: name ?? userId, ...(aadId ? { aadObjectId: aadId } : {}) };
}

export function toOccurrence(r: OccurrenceRow): Occurrence {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    activityId: r.activity_id,
    teamId: r.team_id,
    scheduledAt: Number(r.scheduled_at),
    dueAt: Number(r.due_at),
    escalateAt: n(r.escalate_at) ?? undefined,
    trigger: r.trigger,
    state: r.state,
    createdAt: Number(r.created_at),
    postedAt: n(r.posted_at),
    acknowledgedAt: n(r.acknowledged_at),
    acknowledgedBy: actorFrom(r.ack_user_id, r.ack_aad_id, r.ack_name),
    snoozedUntil: n(r.snoozed_until),
    snoozedByName: n(r.snoozed_by_name),
    overdueAt: n(r.overdue_at),
    escalatedAt: n(r.escalated_at),
    closedAt: n(r.closed_at),
    closedBy: actorFrom(r.closed_user_id, r.closed_aad_id, r.closed_name),
    closeNote: n(r.close_note),
    closeEvidence: decodeEvidence(r.close_evidence),
    startedByName: n(r.started_by_name),
    ...(r.moved_from_at !== null && {
      movedFrom: { at: Number(r.moved_from_at), reason: r.moved_reason ?? '', reason_ko: r.moved_reason_ko ?? r.moved_reason ?? '' },
    }),
    // A missed row from before runs existed is a run of one: its own fire time.
    ...(r.state === 'missed' && { missedRun: missedRunOf(r.scheduled_at, r.missed_last_at, r.missed_count) }),
    postedConversationId: n(r.posted_conversation_id),
    postedActivityId: n(r.posted_activity_id),
    postedServiceUrl: n(r.posted_service_url),
    ...(r.assignee_aad_id !== null && { assignee: { aadObjectId: r.assignee_aad_id, name: r.assignee_name ?? r.assignee_aad_id } }),
    ...(r.assigned_at !== null && { assignedAt: Number(r.assigned_at) }),
    nudgesSent: Number(r.nudges_sent ?? 0),
    ...(r.next_nudge_at !== null && r.next_nudge_at !== undefined && { nextNudgeAt: Number(r.next_nudge_at) }),
    escalationStep: Number(r.escalation_step ?? 0),
  };
}

function missedRunOf(scheduledAt: number, lastAt: number | null, count: number | null): MissedRun {
  return { lastAt: Number(lastAt ?? scheduledAt), count: Number(count ?? 1) };
}

/** What creating an occurrence sets; everything else starts empty. */
export type NewOccurrence = Pick<
  Occurrence,
  'id' | 'tenantId' | 'activityId' | 'teamId' | 'scheduledAt' | 'dueAt' | 'escalateAt' | 'trigger' | 'state' | 'createdAt' | 'startedByName' | 'closedAt' | 'movedFrom' | 'missedRun'
>;

/**
 * Inserts the occurrence unless one exists for the same (tenant, activity, team, scheduled time).
 * Returns the new occurrence, or undefined when the slot was already taken (by a restart, a catch-up
 * racing a live tick, or another replica): the unique key decides, not a read-then-write.
 */
function occurrenceRow(o: NewOccurrence) {
  return {
    id: o.id,
    tenant_id: o.tenantId,
    activity_id: o.activityId,
    team_id: o.teamId,
    scheduled_at: o.scheduledAt,
    due_at: o.dueAt,
    escalate_at: o.escalateAt ?? null,
    trigger: o.trigger,
    state: o.state,
    created_at: o.createdAt,
    closed_at: o.closedAt ?? null,
    started_by_name: o.startedByName ?? null,
    moved_from_at: o.movedFrom?.at ?? null,
    moved_reason: o.movedFrom?.reason ?? null,
    moved_reason_ko: o.movedFrom?.reason_ko ?? null,
    missed_last_at: o.missedRun?.lastAt ?? null,
    missed_count: o.missedRun?.count ?? null,
  };
}

export async function insertOccurrenceIfAbsent(db: Db, o: NewOccurrence): Promise<Occurrence | undefined> {
  const [created] = await insertOccurrencesIfAbsent(db, [o]);
  return created;
}

/**
 * Inserts the occurrences whose slot (tenant, activity, team, scheduled time) is free, in one statement, and
 * returns the ones this call created (in no particular order; a taken slot is simply absent). Keep a call under
 * a few hundred rows: SQLite allows 32,766 bound values in one statement, PostgreSQL 65,535.
 */
export async function insertOccurrencesIfAbsent(db: Db, list: readonly NewOccurrence[]): Promise<Occurrence[]> {
  if (list.length === 0) return [];
  const rows = await db
    .insertInto('occurrences')
    .values(list.map(occurrenceRow))
    .onConflict((oc) => oc.columns(['tenant_id', 'activity_id', 'team_id', 'scheduled_at']).doNothing())
    .returningAll()
    .execute();
  return rows.map(toOccurrence);
}

// Each card action reads its occurrence, and the delivery worker each one it sends: compiled once (reusable-query.ts).
const selectOccurrence = reusableQuery((db, p: { tenantId: string; id: string }) => db.selectFrom('occurrences').selectAll().where('tenant_id', '=', p.tenantId).where('id', '=', p.id));
const selectOccurrenceById = reusableQuery((db, p: { id: string }) => db.selectFrom('occurrences').selectAll().where('id', '=', p.id));

export async function findOccurrence(db: Db, tenantId: string, id: string): Promise<Occurrence | undefined> {
  const [row] = (await selectOccurrence(db, { tenantId, id })).rows;
  return row ? toOccurrence(row) : undefined;
}

/** Occurrence by id whatever its tenant: for the delivery worker, which carries the tenant in the outbox row. */
export async function findOccurrenceById(db: Db, id: string): Promise<Occurrence | undefined> {
  const [row] = (await selectOccurrenceById(db, { id })).rows;
  return row ? toOccurrence(row) : undefined;
}

/**
 * Applies `patch` only while the occurrence is still open (and `guard` holds): one atomic UPDATE, so of two
 * people pressing Done at once exactly one gets a row back.
 */
export async function updateOpenOccurrence(db: Db, tenantId: string, id: string, patch: OccurrenceUpdate, guard: OpenGuard = {}): Promise<Occurrence | undefined> {
  // Each caller has a patch and guard of one shape (which columns, which conditions): each shape is compiled once.
  const shape: UpdateShape = {
    set: Object.keys(patch).filter((k) => patch[k as keyof OccurrenceUpdate] !== undefined),
    guard: Object.fromEntries(Object.entries(guard).filter(([, v]) => v !== undefined).map(([k, v]) => [k, isFixedGuard(v) ? v : BOUND])),
  };
  const params: Record<string, unknown> = { tenantId, id };
  for (const k of shape.set) params[`set.${k}`] = patch[k as keyof OccurrenceUpdate];
  for (const [k, v] of Object.entries(shape.guard)) if (v === BOUND) params[`guard.${k}`] = guard[k as keyof OpenGuard];
  const [row] = (await guardedUpdates(db, shape, params)).rows;
  return row ? toOccurrence(row) : undefined;
}

/**
 * The shape of a guarded update: the columns it sets, and each condition's fixed value (null or a boolean, which
 * change the SQL) or BOUND (a value of the call's).
 */
interface UpdateShape {
  readonly set: readonly string[];
  readonly guard: Readonly<Record<string, null | boolean | typeof BOUND>>;
}

const BOUND = 'bound';
const isFixedGuard = (v: unknown): v is null | boolean => v === null || typeof v === 'boolean';

const guardedUpdates = reusableQueryShapes(
  (s: UpdateShape) => `${s.set.join(',')}|${Object.entries(s.guard).map(([k, v]) => `${k}:${v}`).join(',')}`,
  (s) => (q, p: Record<string, unknown>) => {
    const patch = Object.fromEntries(s.set.map((k) => [k, p[`set.${k}`]])) as OccurrenceUpdate;
    const guard = Object.fromEntries(Object.entries(s.guard).map(([k, v]) => [k, v === BOUND ? p[`guard.${k}`] : v])) as OpenGuard;
    return guardedUpdate(q, p.tenantId as string, p.id as string, patch, guard);
  },
);

/** What must still hold for `updateOpenOccurrence` to apply its patch (besides the occurrence being open). */
export interface OpenGuard {
  acknowledgedBy?: string | null;
  overdueUnset?: boolean;
  escalatedUnset?: boolean;
  snoozedUntilAtMost?: number;
  /** Compare-and-set on the assignee: the Entra object id read before (null: nobody). */
  assigneeIs?: string | null;
  /** The acknowledgement is still this Teams user's (it is about to be cleared). */
  acknowledgedExactly?: string;
  /** Only while this many nudges are behind it: of replicas claiming nudge k, one matches. */
  nudgesSent?: number;
  /** Only while this many escalation steps were taken: of replicas claiming step k, one matches. */
  escalationStep?: number;
  notSnoozed?: boolean;
}

function guardedUpdate(db: Db, tenantId: string, id: string, patch: OccurrenceUpdate, guard: OpenGuard) {
  let q = db.updateTable('occurrences').set(patch).where('tenant_id', '=', tenantId).where('id', '=', id).where('state', '=', 'open');
  if (guard.acknowledgedBy === null) q = q.where('ack_user_id', 'is', null);
  else if (guard.acknowledgedBy !== undefined) q = q.where((eb) => eb.or([eb('ack_user_id', 'is', null), eb('ack_user_id', '=', guard.acknowledgedBy!)]));
  if (guard.overdueUnset) q = q.where('overdue_at', 'is', null);
  if (guard.escalatedUnset) q = q.where('escalated_at', 'is', null);
  if (guard.snoozedUntilAtMost !== undefined) q = q.where('snoozed_until', '<=', guard.snoozedUntilAtMost);
  if (guard.assigneeIs === null) q = q.where('assignee_aad_id', 'is', null);
  else if (guard.assigneeIs !== undefined) q = q.where('assignee_aad_id', '=', guard.assigneeIs);
  if (guard.acknowledgedExactly !== undefined) q = q.where('ack_user_id', '=', guard.acknowledgedExactly);
  if (guard.nudgesSent !== undefined) q = q.where('nudges_sent', '=', guard.nudgesSent);
  if (guard.escalationStep !== undefined) q = q.where('escalation_step', '=', guard.escalationStep);
  if (guard.notSnoozed) q = q.where('snoozed_until', 'is', null);
  return q.returningAll();
}

/** Records where the card went; only the first successful post counts. */
export async function recordPosted(db: Db, id: string, at: number, where: { conversationId: string; activityId: string; serviceUrl: string }): Promise<Occurrence | undefined> {
  const row = await db
    .updateTable('occurrences')
    .set({ posted_at: at, posted_conversation_id: where.conversationId, posted_activity_id: where.activityId, posted_service_url: where.serviceUrl })
    .where('id', '=', id)
    .where('posted_activity_id', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row ? toOccurrence(row) : undefined;
}

/** Open occurrences whose snooze has ended. */
export async function findSnoozesEnded(db: Db, now: number, limit = 500): Promise<Occurrence[]> {
  const rows = await db.selectFrom('occurrences').selectAll().where('state', '=', 'open').where('snoozed_until', '<=', now).orderBy('snoozed_until').limit(limit).execute();
  return rows.map(toOccurrence);
}

/** Open, not snoozed, past due and not yet marked overdue. */
export async function findNewlyOverdue(db: Db, now: number, limit = 500): Promise<Occurrence[]> {
  const rows = await db
    .selectFrom('occurrences')
    .selectAll()
    .where('state', '=', 'open')
    .where('overdue_at', 'is', null)
    .where('due_at', '<=', now)
    .where('snoozed_until', 'is', null)
    .orderBy('due_at')
    .limit(limit)
    .execute();
  return rows.map(toOccurrence);
}

/** Open, not snoozed, nobody acknowledged, and a repeat nudge is due (`next_nudge_at`). */
export async function findNudgesDue(db: Db, now: number, limit = 500): Promise<Occurrence[]> {
  const rows = await db
    .selectFrom('occurrences')
    .selectAll()
    .where('state', '=', 'open')
    .where('next_nudge_at', '<=', now)
    .where('ack_user_id', 'is', null)
    .where('snoozed_until', 'is', null)
    .orderBy('next_nudge_at')
    .limit(limit)
    .execute();
  return rows.map(toOccurrence);
}

/** Open, not snoozed, and the next step of its escalation chain is due (`escalate_at`, null once the chain is done). */
export async function findToEscalate(db: Db, now: number, limit = 500): Promise<Occurrence[]> {
  const rows = await db
    .selectFrom('occurrences')
    .selectAll()
    .where('state', '=', 'open')
    .where('escalate_at', '<=', now)
    .where('snoozed_until', 'is', null)
    .orderBy('escalate_at')
    .limit(limit)
    .execute();
  return rows.map(toOccurrence);
}

export async function listOpenOccurrences(
  db: Db,
  tenantId: string,
  filter: {
    teamId?: string;
    acknowledgedByUserId?: string;
    /** A person's tasks: assigned to their Entra object id, or acknowledged by them (Teams user id or Entra id). */
    person?: { readonly userId: string; readonly aadObjectId?: string };
    overdueOnly?: boolean;
  } = {},
): Promise<Occurrence[]> {
  let q = db.selectFrom('occurrences').selectAll().where('tenant_id', '=', tenantId).where('state', '=', 'open');
  if (filter.teamId) q = q.where('team_id', '=', filter.teamId);
  if (filter.acknowledgedByUserId) q = q.where('ack_user_id', '=', filter.acknowledgedByUserId);
  const person = filter.person;
  if (person) {
    const aad = person.aadObjectId?.toLowerCase();
    q = q.where((eb) => eb.or([eb('ack_user_id', '=', person.userId), ...(aad ? [eb('assignee_aad_id', '=', aad), eb(eb.fn('lower', ['ack_aad_id']), '=', aad)] : [])]));
  }
  if (filter.overdueOnly) q = q.where('overdue_at', 'is not', null);
  const rows = await q.orderBy('due_at').orderBy('id').execute();
  return rows.map(toOccurrence);
}

/**
 * Open occurrences in a tenant assigned to this Entra object id or acknowledged by it, each once, by due time. Two
 * queries, each on its own index (`occurrences_assignee`, `occurrences_ack_aad`), rather than one OR that a
 * planner may answer by scanning the tenant's open tasks.
 */
export async function listOpenOccurrencesOfPerson(db: Db, tenantId: string, aadObjectId: string): Promise<Occurrence[]> {
  const open = db.selectFrom('occurrences').selectAll().where('tenant_id', '=', tenantId).where('state', '=', 'open');
  const [assigned, acknowledged] = await Promise.all([open.where('assignee_aad_id', '=', aadObjectId).execute(), open.where('ack_aad_id', '=', aadObjectId).execute()]);
  const byId = new Map([...assigned, ...acknowledged].map((r) => [r.id, r]));
  return [...byId.values()].map(toOccurrence).sort((a, b) => a.dueAt - b.dueAt || a.id.localeCompare(b.id));
}

/** Occurrences of a team closed (done, skipped) or due within [from, to), for statistics. */
export async function listForStats(db: Db, tenantId: string, teamId: string | undefined, from: number, to: number): Promise<Occurrence[]> {
  let q = db
    .selectFrom('occurrences')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('due_at', '>=', from)
    .where('due_at', '<', to);
  if (teamId) q = q.where('team_id', '=', teamId);
  const rows = await q.execute();
  return rows.map(toOccurrence);
}

export async function countDoneSince(db: Db, tenantId: string, teamId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom('occurrences')
    .select((eb) => eb.fn.countAll<number | string>().as('c'))
    .where('tenant_id', '=', tenantId)
    .where('team_id', '=', teamId)
    .where('state', '=', 'done')
    .where('closed_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.c);
}

/** Open occurrences of a team that were never posted (no channel was bound when they fired). */
export async function listUnposted(db: Db, tenantId: string, teamId: string): Promise<Occurrence[]> {
  const rows = await db
    .selectFrom('occurrences')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('team_id', '=', teamId)
    .where('state', '=', 'open')
    .where('posted_activity_id', 'is', null)
    .orderBy('scheduled_at')
    .execute();
  return rows.map(toOccurrence);
}

/** Every team's occurrence of one run of an activity (one task, as its escalation card shows it), in team order. */
export async function listRunOccurrences(db: Db, tenantId: string, activityId: string, scheduledAt: number): Promise<Occurrence[]> {
  const rows = await db
    .selectFrom('occurrences')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('activity_id', '=', activityId)
    .where('scheduled_at', '=', scheduledAt)
    .orderBy('team_id')
    .execute();
  return rows.map(toOccurrence);
}

/** Existing occurrences scheduled in [from, to), e.g. to show on-demand runs among upcoming work. */
export async function listScheduledBetween(db: Db, tenantId: string, teamId: string, from: number, to: number): Promise<Occurrence[]> {
  const rows = await db
    .selectFrom('occurrences')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('team_id', '=', teamId)
    .where('scheduled_at', '>=', from)
    .where('scheduled_at', '<', to)
    .execute();
  return rows.map(toOccurrence);
}

export interface NewEvent {
  readonly tenantId: string;
  readonly occurrenceId: string;
  readonly type: OccurrenceEvent['type'];
  readonly fromStatus?: OccurrenceEvent['fromStatus'];
  readonly toStatus: OccurrenceEvent['toStatus'];
  readonly actor: Actor;
  readonly note?: string;
  readonly evidence?: OccurrenceEvent['evidence'];
  readonly subject?: OccurrenceEvent['subject'];
  readonly at: number;
}

function eventRow(e: NewEvent) {
  return {
    tenant_id: e.tenantId,
    occurrence_id: e.occurrenceId,
    type: e.type,
    from_status: e.fromStatus ?? null,
    to_status: e.toStatus,
    actor_user_id: e.actor.userId,
    actor_aad_id: e.actor.aadObjectId ?? null,
    actor_name: e.actor.name,
    note: e.note ?? null,
    evidence: encodeEvidence(e.evidence),
    subject_aad_id: e.subject?.aadObjectId ?? null,
    subject_name: e.subject?.name ?? null,
    at: e.at,
  };
}

type NewEventRow = ReturnType<typeof eventRow>;
// One event per card action: compiled once. Every column is named (Kysely's `values` reads the keys it is given),
// and the literal must have each of `eventRow`'s, so a column added there and not here fails to compile.
const insertEvent = reusableQuery((db, p: NewEventRow) => {
  const row: NewEventRow = {
    tenant_id: p.tenant_id,
    occurrence_id: p.occurrence_id,
    type: p.type,
    from_status: p.from_status,
    to_status: p.to_status,
    actor_user_id: p.actor_user_id,
    actor_aad_id: p.actor_aad_id,
    actor_name: p.actor_name,
    note: p.note,
    evidence: p.evidence,
    subject_aad_id: p.subject_aad_id,
    subject_name: p.subject_name,
    at: p.at,
  };
  return db.insertInto('occurrence_events').values(row);
});

export async function appendEvent(db: Db, e: NewEvent): Promise<void> {
  await insertEvent(db, eventRow(e));
}

/** Appends several events in one statement, in the order given (ids ascend in that order). */
export async function appendEvents(db: Db, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('occurrence_events').values(events.map(eventRow)).execute();
}

function toEvent(r: EventRow): OccurrenceEvent {
  return {
    id: Number(r.id),
    tenantId: r.tenant_id,
    occurrenceId: r.occurrence_id,
    type: r.type,
    fromStatus: r.from_status ?? undefined,
    toStatus: r.to_status,
    actor: actorFrom(r.actor_user_id, r.actor_aad_id, r.actor_name)!,
    note: r.note ?? undefined,
    evidence: decodeEvidence(r.evidence),
    ...(r.subject_name !== null && { subject: { name: r.subject_name, ...(r.subject_aad_id !== null && { aadObjectId: r.subject_aad_id }) } }),
    at: Number(r.at),
  };
}

/** Events in id order, optionally since a time and for one tenant or occurrence. */
export async function listEvents(db: Db, filter: { since?: number; tenantId?: string; occurrenceId?: string } = {}): Promise<OccurrenceEvent[]> {
  let q = db.selectFrom('occurrence_events').selectAll();
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
  if (filter.tenantId) q = q.where('tenant_id', '=', filter.tenantId);
  if (filter.occurrenceId) q = q.where('occurrence_id', '=', filter.occurrenceId);
  const rows = await q.orderBy('id').execute();
  return rows.map(toEvent);
}

/** An event with what its occurrence was about: the audit export's row before formatting. */
export interface AuditEvent extends OccurrenceEvent {
  /** Undefined only for an event whose occurrence row is gone (nothing deletes them today). */
  readonly occurrence?: {
    readonly activityId: string;
    readonly teamId: string;
    readonly scheduledAt: number;
    readonly dueAt: number;
    /** Set when the occurrence is a missed run (a row from before runs: a run of one). */
    readonly missedRun?: MissedRun;
  };
}

/** Events in [since, until) in id order, each with its occurrence's activity, team and times (same tenant). */
export async function listAuditEvents(db: Db, filter: { since?: number; until?: number } = {}): Promise<AuditEvent[]> {
  let q = db
    .selectFrom('occurrence_events as e')
    .leftJoin('occurrences as o', (join) => join.onRef('o.id', '=', 'e.occurrence_id').onRef('o.tenant_id', '=', 'e.tenant_id'))
    .selectAll('e')
    .select(['o.activity_id', 'o.team_id', 'o.scheduled_at', 'o.due_at', 'o.state', 'o.missed_last_at', 'o.missed_count']);
  if (filter.since !== undefined) q = q.where('e.at', '>=', filter.since);
  if (filter.until !== undefined) q = q.where('e.at', '<', filter.until);
  const rows = await q.orderBy('e.id').execute();
  return rows.map((r) => ({
    ...toEvent(r),
    ...(r.activity_id !== null && r.team_id !== null && r.scheduled_at !== null && r.due_at !== null
      ? {
          occurrence: {
            activityId: r.activity_id,
            teamId: r.team_id,
            scheduledAt: Number(r.scheduled_at),
            dueAt: Number(r.due_at),
            ...(r.state === 'missed' && { missedRun: missedRunOf(r.scheduled_at, r.missed_last_at, r.missed_count) }),
          },
        }
      : {}),
  }));
}

export async function countOccurrences(db: Db, filter: { state?: OccurrenceState } = {}): Promise<number> {
  let q = db.selectFrom('occurrences').select((eb) => eb.fn.countAll<number | string>().as('c'));
  if (filter.state) q = q.where('state', '=', filter.state);
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.c);
}

/**
 * The open on-demand occurrences of an activity for some teams (issue 13: one open `run` per activity and team
 * unless the person asks for another).
 */
export async function listOpenOnDemand(db: Db, tenantId: string, activityId: string, teamIds: readonly string[]): Promise<Occurrence[]> {
  if (teamIds.length === 0) return [];
  const rows = await db
    .selectFrom('occurrences')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('activity_id', '=', activityId)
    .where('team_id', 'in', [...teamIds])
    .where('trigger', '=', 'on-demand')
    .where('state', '=', 'open')
    .orderBy('created_at')
    .execute();
  return rows.map(toOccurrence);
}

/**
 * When a person started on-demand runs since `since`, newest first, at most `limit` (one entry per run: a run's
 * tasks share its time). Read from the event log, so every replica counts the same runs.
 */
export async function listOnDemandStarts(db: Db, tenantId: string, actor: Actor, since: number, limit: number): Promise<number[]> {
  let q = db
    .selectFrom('occurrence_events')
    .select('at')
    .distinct()
    .where('tenant_id', '=', tenantId)
    .where('type', '=', 'created')
    .where('note', '=', ON_DEMAND_NOTE)
    .where('at', '>', since);
  // The Entra object id names a person across Teams clients; the Teams user id is the fallback (local mode).
  q = actor.aadObjectId ? q.where('actor_aad_id', '=', actor.aadObjectId) : q.where('actor_user_id', '=', actor.userId);
  const rows = await q.orderBy('at', 'desc').limit(limit).execute();
  return rows.map((r) => Number(r.at));
}

/** The note of an on-demand run's `created` event. */
export const ON_DEMAND_NOTE = 'on demand';

/**
 * Serialises on-demand starts of the same activity and team, and of the same person, until the transaction ends:
 * "is one open?" and "how many runs lately?" are reads, and two replicas that both read "no" would both create
 * (claim, then act). PostgreSQL: transaction-scoped advisory locks, taken in one sorted order so two runs cannot
 * deadlock. SQLite has one writer at a time and the bot one connection: nothing to do.
 */
export async function lockOnDemandStarts(trx: Db, keys: readonly string[]): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  for (const key of [...new Set(keys)].sort()) await sql`select pg_advisory_xact_lock(hashtextextended(${`soc-run|${key}`}, 0))`.execute(trx);
}
