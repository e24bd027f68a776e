/**
 * How occurrences come to be: a fire time of a schedule (on time or caught up after downtime), a run of fire times
 * missed while the bot was down (one row and one event for the whole run), and an on-demand run. The unique key
 * (tenant, activity, team, scheduled time) makes creation single: of racing callers (a restart, a catch-up meeting
 * a live tick, another replica) only the one whose INSERT returned the row records its event and enqueues its
 * post, in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Activity, Catalog } from '../catalog/catalog.types';
import { findActivity, findTeam } from '../catalog/catalog-lookup';
import { appendEvents, type Db, insertOccurrenceIfAbsent, insertOccurrencesIfAbsent, listOnDemandStarts, listOpenOnDemand, lockOnDemandStarts, ON_DEMAND_NOTE, type NewEvent, type NewOccurrence } from '../storage/occurrence.repository';
import { assignByRotation } from './assignment';
import type { ChannelTarget } from './delivery.port';
import { localDate, type PlannedRun } from './fire-times';
import { NotOnDemand, NotPermitted, TeamNotAssigned, TooManyRuns, UnknownActivity, UnknownTeam } from './errors';
import { SYSTEM_ACTOR, statusOf, type Actor, type Occurrence, type OccurrenceTrigger } from './occurrence.types';
import { personalEntries } from './personal';
import {
  enqueueMessages,
  enqueueReminderPost,
  findChannelTarget,
  recordEvent,
  reminderPost,
  ROWS_PER_STATEMENT,
  transact,
  type OutboxEntry,
  type WriteDeps,
} from './transaction';

export interface CreationDeps extends WriteDeps {
  readonly catalog: Catalog;
  /** Called for each occurrence this process created (metrics). */
  readonly onCreated?: (trigger: OccurrenceTrigger | 'missed') => void;
}

/** A fire time of an activity for one tenant and team, to create. */
export interface ScheduledSlot {
  readonly activity: Activity;
  readonly tenantId: string;
  readonly teamId: string;
  readonly scheduledAt: number;
  readonly trigger: 'schedule' | 'catch-up';
  /** Set when a holiday moved this run off its fire time: `scheduledAt` is then the moved time. */
  readonly moved?: PlannedRun['moved'];
}

/**
 * The created event's note for a run a holiday moved, e.g. `moved from 2026-10-05 (National Foundation Day
 * (substitute day) / 개천절 (대체공휴일))`: the audit export shows it, so a reviewer sees why the task came a day late.
 * Both languages, because the audit is read by whoever runs the SOC, not by the person who will get the card.
 */
export function movedNote(slot: Pick<ScheduledSlot, 'activity' | 'moved'>): string | undefined {
  if (!slot.moved) return undefined;
  const { from, holiday } = slot.moved;
  const names = holiday.en === holiday.ko ? holiday.en : `${holiday.en} / ${holiday.ko}`;
  return `moved from ${localDate(from, slot.activity.timezone)} (${names})`;
}

/** When a task started at `scheduledAt` is due, and when it escalates if unfinished (never without `escalateAfter`). */
function deadlines(activity: Activity, scheduledAt: number): Pick<NewOccurrence, 'dueAt' | 'escalateAt'> {
  const dueAt = scheduledAt + activity.dueAfterMs;
  return { dueAt, escalateAt: activity.escalateAfterMs === undefined ? undefined : dueAt + activity.escalateAfterMs };
}

/** The new occurrence row of a scheduled slot. */
function newScheduled(now: number): (slot: ScheduledSlot) => NewOccurrence {
  return ({ activity, tenantId, teamId, scheduledAt, trigger, moved }) => ({
    id: randomUUID(),
    tenantId,
    activityId: activity.id,
    teamId,
    scheduledAt,
    ...deadlines(activity, scheduledAt),
    trigger,
    state: 'open',
    createdAt: now,
    movedFrom: moved && { at: moved.from, reason: moved.holiday.en, reason_ko: moved.holiday.ko },
  });
}

/**
 * Creates the occurrences of many fire times (or records them as missed), in one transaction and a few statements:
 * a catch-up after days of downtime records tens of thousands of them, and a statement or a commit each costs far
 * more than the rows do (on SQLite a commit of scattered rows rewrites many pages, and every few commits a
 * checkpoint syncs the disk). Keep `slots` to a few thousand: the transaction holds the write lock. Idempotent.
 * Returns, per slot, the occurrence when this call created it.
 */
export async function createScheduledOccurrences(deps: CreationDeps, slots: readonly ScheduledSlot[]): Promise<(Occurrence | undefined)[]> {
  if (slots.length === 0) return [];
  const now = deps.clock.now();
  const slotKey = (activityId: string, tenantId: string, teamId: string, scheduledAt: number) => `${activityId}|${tenantId}|${teamId}|${scheduledAt}`;
  const result = await transact(deps, async (trx) => {
    const inserted: Occurrence[] = [];
    // Rows go in in one order whatever order the caller listed them: two replicas inserting the same slots in
    // opposite orders each wait on the other's uncommitted unique-key entries, which PostgreSQL ends as a deadlock.
    const key = (slot: ScheduledSlot) => slotKey(slot.activity.id, slot.tenantId, slot.teamId, slot.scheduledAt);
    const ordered = [...slots].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
    // A statement binds at most 32,766 values on SQLite: insert a few hundred rows at a time.
    for (let i = 0; i < ordered.length; i += ROWS_PER_STATEMENT) {
      inserted.push(...(await insertOccurrencesIfAbsent(trx, ordered.slice(i, i + ROWS_PER_STATEMENT).map(newScheduled(now)))));
    }
    // The database returns the created rows in no promised order: put them back in the slots' order.
    const byKey = new Map(inserted.map((o) => [slotKey(o.activityId, o.tenantId, o.teamId, o.scheduledAt), o]));
    const out = slots.map((slot) => {
      const key = slotKey(slot.activity.id, slot.tenantId, slot.teamId, slot.scheduledAt);
      const o = byKey.get(key);
      byKey.delete(key); // a slot listed twice was created once
      return o;
    });
    // Rotation turns advance only for the rows this insert returned, in the slots' order: once per created task.
    const toAssign = out.filter((o, i): o is Occurrence => o !== undefined && slots[i]!.activity.assign === 'rotation');
    const rotation = await assignByRotation(trx, deps.catalog, toAssign, now);
    const assignedEvents = new Map(rotation.events.map((e) => [e.occurrenceId, e]));
    for (let i = 0; i < out.length; i++) out[i] = (out[i] && rotation.assigned.get(out[i]!.id)) ?? out[i];
    // Single across replicas: only the rows this insert returned get an event and a post, in this transaction.
    const events: NewEvent[] = [];
    const posts: OutboxEntry[] = [];
    const targets = new Map<string, ChannelTarget | undefined>();
    for (let i = 0; i < slots.length; i++) {
      const o = out[i];
      if (!o) continue;
      const notes = [slots[i].trigger === 'catch-up' ? 'catch-up' : undefined, movedNote(slots[i])].filter((n) => n !== undefined);
      events.push({ tenantId: o.tenantId, occurrenceId: o.id, type: 'created', toStatus: statusOf(o, now), actor: SYSTEM_ACTOR, note: notes.length > 0 ? notes.join('; ') : undefined, at: now });
      const assigned = assignedEvents.get(o.id);
      if (assigned) events.push(assigned);
      const teamKey = `${o.tenantId}|${o.teamId}`;
      if (!targets.has(teamKey)) targets.set(teamKey, await findChannelTarget(trx, o.tenantId, o.teamId));
      const target = targets.get(teamKey);
      if (target) posts.push(reminderPost(o, target, now));
      // The assignee also gets the card in their 1:1 chat (issue 14); the channel post stands without it.
      if (o.assignee) posts.push(...(await personalEntries(trx, o, o.assignee, 'assigned', now)));
    }
    for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) await appendEvents(trx, events.slice(i, i + ROWS_PER_STATEMENT));
    await enqueueMessages(trx, posts);
    return out;
  });
  result.forEach((o, i) => {
    if (o) deps.onCreated?.(slots[i].trigger);
  });
  return result;
}

/** Fire times of an activity missed in a row by one tenant and team while the bot was down. */
export interface MissedRunSlot {
  readonly activity: Activity;
  readonly tenantId: string;
  readonly teamId: string;
  /** Epoch ms of the first and last fire time of the run, and how many fire times it holds (at least 1). */
  readonly firstAt: number;
  readonly lastAt: number;
  readonly count: number;
}

/**
 * Records runs of missed fire times, each as ONE closed occurrence (state `missed`, scheduled at its first fire
 * time, with its last one and its count) and ONE `missed` event, in one transaction. Claim, then act: `claim` runs
 * first in that transaction (the scheduler claims the gap it computed, by its checkpoint), and only when it wins is
 * anything written, so of replicas catching up over the same gap exactly one records it; the unique slot key
 * (the first fire time) keeps even a second winner from adding a row. Returns how many runs and fire times were
 * recorded, or undefined when the claim was lost.
 */
export async function recordMissedRuns(
  deps: CreationDeps,
  runs: readonly MissedRunSlot[],
  claim: (trx: Db) => Promise<boolean>,
): Promise<{ runs: number; fireTimes: number } | undefined> {
  const now = deps.clock.now();
  const result = await transact(deps, async (trx) => {
    if (!(await claim(trx))) return undefined;
    const rows: NewOccurrence[] = runs.map(({ activity, tenantId, teamId, firstAt, lastAt, count }) => ({
      id: randomUUID(),
      tenantId,
      activityId: activity.id,
      teamId,
      scheduledAt: firstAt,
      // Due with its last fire time: the run counts in the week (and the statistics window) it ended in.
      dueAt: lastAt + activity.dueAfterMs,
      trigger: 'schedule',
      state: 'missed',
      createdAt: now,
      closedAt: now,
      missedRun: { lastAt, count },
    }));
    const inserted: Occurrence[] = [];
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) inserted.push(...(await insertOccurrencesIfAbsent(trx, rows.slice(i, i + ROWS_PER_STATEMENT))));
    const events: NewEvent[] = inserted.map((o) => ({ tenantId: o.tenantId, occurrenceId: o.id, type: 'missed', toStatus: 'missed', actor: SYSTEM_ACTOR, at: now }));
    for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) await appendEvents(trx, events.slice(i, i + ROWS_PER_STATEMENT));
    return { runs: inserted.length, fireTimes: inserted.reduce((sum, o) => sum + (o.missedRun?.count ?? 1), 0) };
  });
  for (let i = 0; i < (result?.runs ?? 0); i++) deps.onCreated?.('missed');
  return result;
}

/** How many on-demand runs one person may start in `windowMs` (issue 13: 100 runs in 1.5 s once buried the real reminders). */
export const RUN_LIMIT = { runs: 5, windowMs: 10 * 60_000 } as const;

/** What the caller (teams/, having asked who the person is) lets this run do. */
export interface RunOptions {
  /** The SOC teams the person may start it for; undefined: any (a SOC admin). */
  readonly allowedTeamIds?: readonly string[];
  /** Start another task even where one is open (`run … again`). */
  readonly again?: boolean;
}

export interface OnDemandResult {
  readonly activity: Activity;
  readonly occurrences: Occurrence[];
  /** Teams' open tasks of this activity, left as they are (no `again`). */
  readonly alreadyOpen: Occurrence[];
}

/**
 * Starts an on-demand activity now for all its teams, or for one. `activityRef` and `teamRef` may be ids,
 * English or Korean titles/names (case-insensitive). A team that has an open on-demand task of the activity gets
 * no second one unless `again`; a person who started RUN_LIMIT runs within its window is refused (TooManyRuns),
 * counted from the event log so that replicas agree. Throws NotPermitted for a team outside `allowedTeamIds`.
 */
export async function runOnDemand(
  deps: CreationDeps,
  tenantId: string,
  activityRef: string,
  teamRef: string | undefined,
  actor: Actor,
  options: RunOptions = {},
): Promise<OnDemandResult> {
  const activity = findActivity(deps.catalog, activityRef);
  if (!activity) throw new UnknownActivity(activityRef);
  if (!activity.onDemand) throw new NotOnDemand(activity.id);
  const allowed = options.allowedTeamIds;
  let teamIds = activity.teams;
  if (teamRef !== undefined) {
    const team = findTeam(deps.catalog, teamRef)?.id;
    if (!team) throw new UnknownTeam(teamRef);
    if (!activity.teams.includes(team)) throw new TeamNotAssigned(activity.id, team);
    if (allowed && !allowed.includes(team)) throw new NotPermitted('run', 'member', { activityId: activity.id });
    teamIds = [team];
  } else if (allowed) {
    teamIds = activity.teams.filter((t) => allowed.includes(t));
    if (teamIds.length === 0) throw new NotPermitted('run', 'member', { activityId: activity.id });
  }
  const now = deps.clock.now();
  const result = await transact(deps, async (trx) => {
    await lockOnDemandStarts(trx, [...teamIds.map((t) => `${tenantId}|${activity.id}|${t}`), `${tenantId}|person|${actor.aadObjectId ?? actor.userId}`]);
    const open = options.again ? [] : await listOpenOnDemand(trx, tenantId, activity.id, teamIds);
    const toStart = teamIds.filter((t) => !open.some((o) => o.teamId === t));
    if (toStart.length > 0) {
      const starts = await listOnDemandStarts(trx, tenantId, actor, now - RUN_LIMIT.windowMs, RUN_LIMIT.runs);
      if (starts.length >= RUN_LIMIT.runs) throw new TooManyRuns(RUN_LIMIT.runs, RUN_LIMIT.windowMs, starts[RUN_LIMIT.runs - 1]! + RUN_LIMIT.windowMs);
    }
    const out: Occurrence[] = [];
    for (const teamId of toStart) {
      const created = await insertOccurrenceIfAbsent(trx, {
        id: randomUUID(),
        tenantId,
        activityId: activity.id,
        teamId,
        scheduledAt: now,
        ...deadlines(activity, now),
        trigger: 'on-demand',
        state: 'open',
        createdAt: now,
        startedByName: actor.name,
      });
      if (!created) continue;
      await recordEvent(trx, created, 'created', undefined, actor, now, ON_DEMAND_NOTE);
      let task = created;
      if (activity.assign === 'rotation') {
        const rotation = await assignByRotation(trx, deps.catalog, [created], now);
        await appendEvents(trx, rotation.events);
        task = rotation.assigned.get(created.id) ?? created;
      }
      await enqueueReminderPost(trx, task, now);
      if (task.assignee) await enqueueMessages(trx, await personalEntries(trx, task, task.assignee, 'assigned', now));
      out.push(task);
    }
    return { occurrences: out, alreadyOpen: open };
  });
  for (let i = 0; i < result.occurrences.length; i++) deps.onCreated?.('on-demand');
  return { activity, ...result };
}
