/**
 * The timers: a snooze that ended (the task comes back with a nudge in its thread), a task newly overdue (its card
 * updated, the first nudge), the repeat nudges of `nudges` while nobody has acknowledged, and the steps of the
 * escalation chain. The scheduler's heartbeat runs them on every replica at the same second, so each one is claim,
 * then act: candidates are read, then each is claimed with a guarded UPDATE that re-checks the condition it was
 * read by (for a nudge, `nudges_sent = k`; for a step, `escalation_step = k`), and its event and messages are
 * written only when that UPDATE returned the row, in the same transaction. The read may be stale or shared by every
 * replica; the row count decides who acts.
 *
 * The repeat policy (README, "Delivery"):
 * - Nudge times are the due time plus each of the activity's `nudgesAfterMs`. The first one at 0 is the overdue
 *   nudge, sent as before even when someone acknowledged (it says the due time passed); every later one only while
 *   nobody has acknowledged, and never to a snoozed or closed task.
 * - A nudge time that falls inside a snooze is dropped: the snooze's end brings the task back with its own nudge,
 *   and a second message at the same moment would be a pile.
 * - Times the timers reach late (downtime, quiet hours) are collapsed: one nudge, and the ones it stands for are
 *   counted as behind the task.
 * - Quiet hours are the receiving team's: a nudge (and a step to a person, which is a nudge in the task's thread)
 *   waits for the task team's quiet hours to end; a step to a team waits for that team's. Waiting moves the time
 *   (`next_nudge_at`, `escalate_at`) to the end of the quiet hours, so the read stays small and nothing repeats.
 * - Steps of the chain are taken in order, once each: a step waiting for quiet hours holds the later ones back.
 */
import { OVERSIGHT_TEAM_ID, type Activity, type Catalog, type EscalationStep, type SocTeam } from '../catalog/catalog.types';
import { findNudgesDue, findNewlyOverdue, findSnoozesEnded, findToEscalate, updateOpenOccurrence, type Db } from '../storage/occurrence.repository';
import type { OccurrenceUpdate } from '../storage/tables';
import { escalationCardEntries } from './escalation';
import { SYSTEM_ACTOR, statusOf, type Occurrence, type OccurrenceEvent } from './occurrence.types';
import { singletonKey } from './outbox-message';
import { personalEntries, personOnTask } from './personal';
import { quietUntil } from './quiet-hours';
import { cardUpdate, enqueueMessages, recordEvent, transact, type OutboxEntry, type WriteDeps } from './transaction';

export interface TimerResult {
  readonly woke: number;
  readonly overdue: number;
  /** Repeat nudges sent (the first, at overdue, is counted in `overdue`). */
  readonly nudged: number;
  /** Escalation steps taken. */
  readonly escalated: number;
}

/** What the timers are given: the writer's deps and the catalog (nudge times, chains, quiet hours). */
export interface TimerDeps extends WriteDeps {
  readonly catalog: Catalog;
}

/** Runs the timers due now (the clock's); returns how many tasks each one acted on. */
export async function processTimers(deps: TimerDeps): Promise<TimerResult> {
  const now = deps.clock.now();
  const plan = new TimerPlan(deps.catalog);
  let woke = 0;
  let overdue = 0;
  let nudged = 0;
  let escalated = 0;
  for (const o of await findSnoozesEnded(deps.db, now)) {
    // Single: the UPDATE clears snoozed_until only while it is still <= now, so once one caller woke the task the
    // others match no row (and a snooze taken since, which ends later, is not cut short). One nudge per snooze end.
    // The key names the snooze end as the candidate was read: the claim below clears it from the row.
    const nudgeKey = o.snoozedUntil === undefined ? undefined : singletonKey.snoozeEndNudge(o.id, o.snoozedUntil);
    const patch: OccurrenceUpdate = { snoozed_until: null, snoozed_by_name: null, ...plan.dropNudgesBefore(o, now) };
    const done = await claimTimer(deps, o, now, 'woke', patch, { snoozedUntilAtMost: now }, async (_trx, row) => [
      cardUpdate(row, now),
      { tenantId: row.tenantId, message: { kind: 'reminder.nudge', occurrenceId: row.id, reason: 'snooze-ended' }, at: now, singletonKey: nudgeKey },
    ], 'snoozed');
    if (done) woke++;
  }
  for (const o of await findNewlyOverdue(deps.db, now)) {
    // Single: overdue_at is set once and never cleared; the UPDATE matches only while it is still unset.
    const times = plan.nudgeTimes(o);
    const due = times.filter((t) => t <= now).length;
    const quietEnd = due > 0 ? quietUntil(plan.team(o.teamId)?.quietHours, now) : undefined;
    // In quiet hours the card still turns overdue; the nudge waits for their end (the nudge loop sends it).
    const sent = quietEnd === undefined ? due : 0;
    const patch: OccurrenceUpdate = { overdue_at: now, nudges_sent: sent, next_nudge_at: quietEnd ?? times[sent] ?? null };
    const done = await claimTimer(deps, o, now, 'overdue', patch, { overdueUnset: true }, async (trx, row) => {
      if (sent === 0) return [cardUpdate(row, now)];
      // The person on the task (assignee, else who acknowledged) also gets the overdue card in their 1:1 chat.
      const person = personOnTask(row);
      return [cardUpdate(row, now), overdueNudge(row, now), ...(person ? await personalEntries(trx, row, person, 'overdue', now) : [])];
    });
    if (done) overdue++;
  }
  for (const o of await findNudgesDue(deps.db, now)) {
    if (await nudge(deps, plan, o, now)) nudged++;
  }
  for (const o of await findToEscalate(deps.db, now)) {
    if (await escalate(deps, plan, o, now)) escalated++;
  }
  return { woke, overdue, nudged, escalated };
}

/** The overdue nudge: once per occurrence, whether sent at overdue or when quiet hours ended. */
function overdueNudge(o: Occurrence, now: number): OutboxEntry {
  return { tenantId: o.tenantId, message: { kind: 'reminder.nudge', occurrenceId: o.id, reason: 'overdue' }, at: now, singletonKey: singletonKey.overdueNudge(o.id) };
}

/**
 * Nudge `k = nudgesSent` of `o`, claimed by `nudges_sent = k`: sent now, or, in the task team's quiet hours, moved
 * to their end (a write with no event: nothing was said to anyone). True when this call sent it.
 */
async function nudge(deps: TimerDeps, plan: TimerPlan, o: Occurrence, now: number): Promise<boolean> {
  const k = o.nudgesSent ?? 0;
  const quietEnd = quietUntil(plan.team(o.teamId)?.quietHours, now);
  if (quietEnd !== undefined) {
    await updateOpenOccurrence(deps.db, o.tenantId, o.id, { next_nudge_at: quietEnd }, { nudgesSent: k, acknowledgedBy: null, notSnoozed: true });
    return false;
  }
  const times = plan.nudgeTimes(o);
  // Every time reached by now is behind the task after this one message (a quiet night is one nudge, not a pile).
  const sent = Math.max(k + 1, times.filter((t) => t <= now).length);
  const patch: OccurrenceUpdate = { nudges_sent: sent, next_nudge_at: times[sent] ?? null };
  // k = 0 is the first nudge: it came after the due time (nudges: [30m, …]) or waited for quiet hours to end.
  const note = `nudge ${k + 1} of ${times.length}`;
  return claimTimer(deps, o, now, 'nudged', patch, { nudgesSent: k, acknowledgedBy: null, notSnoozed: true }, async (trx, row) => {
    if (k > 0) return [{ tenantId: row.tenantId, message: { kind: 'reminder.nudge', occurrenceId: row.id, reason: 'repeat' }, at: now, singletonKey: singletonKey.repeatNudge(row.id, k) }];
    // The overdue nudge sent late (after quiet hours, or at the first `nudges` time after due) brings the overdue
    // card to the assignee's 1:1 chat as one sent at due does (once per task and person: personal_posts).
    const person = personOnTask(row);
    return [overdueNudge(row, now), ...(person ? await personalEntries(trx, row, person, 'overdue', now) : [])];
  }, statusOf(o, now), note);
}

/**
 * Step `k = escalationStep` of `o`'s chain, claimed by `escalation_step = k`: taken now, or moved to the end of the
 * receiving team's quiet hours. A step to a team posts the task's escalation card in that team's channel (or
 * updates it: one card per task there); a team with no bound channel is recorded as never told. A step to a person
 * is a nudge in the task's thread naming them. True when this call took a step.
 */
async function escalate(deps: TimerDeps, plan: TimerPlan, o: Occurrence, now: number): Promise<boolean> {
  const k = o.escalationStep ?? 0;
  const steps = plan.escalation(o);
  const step = steps[k];
  if (!step) {
    // The chain is shorter than the steps taken (the catalog changed): nothing left to do.
    await updateOpenOccurrence(deps.db, o.tenantId, o.id, { escalate_at: null }, { escalationStep: k });
    return false;
  }
  const receiving = step.to.kind === 'team' ? step.to.teamId : o.teamId;
  const quietEnd = quietUntil(plan.team(receiving)?.quietHours, now);
  if (quietEnd !== undefined) {
    await updateOpenOccurrence(deps.db, o.tenantId, o.id, { escalate_at: quietEnd }, { escalationStep: k, notSnoozed: true });
    return false;
  }
  const next = steps[k + 1];
  const patch: OccurrenceUpdate = {
    escalation_step: k + 1,
    escalated_at: o.escalatedAt ?? now,
    overdue_at: o.overdueAt ?? now,
    escalate_at: next ? o.dueAt + next.afterMs : null,
  };
  const subject = step.to.kind === 'team' ? { name: plan.team(step.to.teamId)?.name ?? step.to.teamId } : { aadObjectId: step.to.person.id, name: step.to.person.name };
  const note = `step ${k + 1} of ${steps.length}`;
  return claimTimer(deps, o, now, 'escalated', patch, { escalationStep: k, notSnoozed: true }, async (trx, row) => {
    if (step.to.kind === 'person') {
      const message = { kind: 'reminder.nudge', occurrenceId: row.id, reason: 'escalation', person: step.to.person } as const;
      // The person escalated to also gets the card in their 1:1 chat (once per task and person: personal_posts).
      const personal = await personalEntries(trx, row, { aadObjectId: step.to.person.id, name: step.to.person.name }, 'escalation', now);
      return [cardUpdate(row, now), { tenantId: row.tenantId, message, at: now, singletonKey: singletonKey.escalationStep(row.id, k) }, ...personal];
    }
    return [cardUpdate(row, now), ...(await escalationCardEntries(trx, row, step.to.teamId, now))];
  }, statusOf(o, now), note, subject);
}

/**
 * Claim, then act, for one candidate `o`: the guarded UPDATE is the claim, and the event and the messages are
 * written only when it returned the row, in its transaction. Nudges and escalations also carry a singleton key, so
 * a claim that should not have been won (a guard loosened one day) still cannot put a second one in the outbox.
 * True when this call won.
 */
async function claimTimer(
  deps: WriteDeps,
  o: Occurrence,
  now: number,
  type: OccurrenceEvent['type'],
  patch: OccurrenceUpdate,
  guard: Parameters<typeof updateOpenOccurrence>[4],
  /** What to tell Teams once the claim is won, from the row as the claim left it. */
  messagesFor: (trx: Db, row: Occurrence) => Promise<readonly OutboxEntry[]>,
  // A snooze that has run out no longer reads as "snoozed" from the row; the caller knows better.
  from: OccurrenceEvent['fromStatus'] = statusOf(o, now),
  note?: string,
  subject?: OccurrenceEvent['subject'],
): Promise<boolean> {
  return transact(deps, async (trx) => {
    const row = await updateOpenOccurrence(trx, o.tenantId, o.id, patch, guard);
    if (!row) return false;
    await recordEvent(trx, row, type, from, SYSTEM_ACTOR, now, note, undefined, subject);
    await enqueueMessages(trx, await messagesFor(trx, row));
    return true;
  });
}

/** The catalog as the timers read it: an occurrence's nudge times and chain, a team's quiet hours. */
class TimerPlan {
  private readonly activities: ReadonlyMap<string, Activity>;
  private readonly teams: ReadonlyMap<string, SocTeam>;

  constructor(catalog: Catalog) {
    this.activities = new Map(catalog.activities.map((a) => [a.id, a]));
    this.teams = new Map(catalog.teams.map((t) => [t.id, t]));
  }

  team(id: string): SocTeam | undefined {
    return this.teams.get(id);
  }

  /** Epoch ms of each nudge, in order; an activity gone from the catalog keeps the default, one nudge when overdue. */
  nudgeTimes(o: Occurrence): number[] {
    return (this.activities.get(o.activityId)?.nudgesAfterMs ?? [0]).map((after) => o.dueAt + after);
  }

  /**
   * The chain of `o`'s activity; for an activity gone from the catalog, the one step its `escalate_at` was set
   * for (to SOC Oversight), as tasks escalated before chains existed.
   */
  escalation(o: Occurrence): readonly EscalationStep[] {
    const activity = this.activities.get(o.activityId);
    if (activity) return activity.escalation;
    return o.escalateAt === undefined ? [] : [{ afterMs: o.escalateAt - o.dueAt, to: { kind: 'team', teamId: OVERSIGHT_TEAM_ID } }];
  }

  /**
   * At a snooze's end: the nudge times passed during the snooze are dropped (the snooze-ended nudge stands for
   * them). Nothing for a task not overdue yet: its overdue claim counts them.
   */
  dropNudgesBefore(o: Occurrence, now: number): OccurrenceUpdate {
    if (o.overdueAt === undefined) return {};
    const times = this.nudgeTimes(o);
    const behind = Math.max(o.nudgesSent ?? 0, times.filter((t) => t <= now).length);
    return { nudges_sent: behind, next_nudge_at: times[behind] ?? null };
  }
}
