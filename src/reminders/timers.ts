/**
 * The timers: a snooze that ended (the task comes back with a nudge in its thread), a task newly overdue (its card
 * updated, a nudge) and a task to escalate (its card updated, an escalation card to SOC Oversight). The scheduler's
 * heartbeat runs them on every replica at the same second, so each one is claim, then act: candidates are read,
 * then each is claimed with a guarded UPDATE that re-checks the condition it was read by, and its event and
 * messages are written only when that UPDATE returned the row, in the same transaction. The read may be stale or
 * shared by every replica; the row count decides who acts.
 */
import { OVERSIGHT_TEAM_ID } from '../catalog/catalog.types';
import { findNewlyOverdue, findSnoozesEnded, findToEscalate, updateOpenOccurrence, type Db } from '../storage/occurrence.repository';
import { SYSTEM_ACTOR, statusOf, type Occurrence, type OccurrenceEvent } from './occurrence.types';
import { singletonKey } from './outbox-message';
import { personalEntries, personOnTask } from './personal';
import { cardUpdate, enqueueMessages, findChannelTarget, recordEvent, transact, type OutboxEntry, type WriteDeps } from './transaction';

export interface TimerResult {
  readonly woke: number;
  readonly overdue: number;
  readonly escalated: number;
}

/** Runs the timers due now (the clock's); returns how many tasks each one acted on. */
export async function processTimers(deps: WriteDeps): Promise<TimerResult> {
  const now = deps.clock.now();
  let woke = 0;
  let overdue = 0;
  let escalated = 0;
  for (const o of await findSnoozesEnded(deps.db, now)) {
    // Single: the UPDATE clears snoozed_until only while it is still <= now, so once one caller woke the task the
    // others match no row (and a snooze taken since, which ends later, is not cut short). One nudge per snooze end.
    // The key names the snooze end as the candidate was read: the claim below clears it from the row.
    const nudgeKey = o.snoozedUntil === undefined ? undefined : singletonKey.snoozeEndNudge(o.id, o.snoozedUntil);
    const done = await claimTimer(deps, o, now, 'woke', { snoozed_until: null, snoozed_by_name: null }, { snoozedUntilAtMost: now }, async (_trx, row) => [
      cardUpdate(row, now),
      { tenantId: row.tenantId, message: { kind: 'reminder.nudge', occurrenceId: row.id, reason: 'snooze-ended' }, at: now, singletonKey: nudgeKey },
    ], 'snoozed');
    if (done) woke++;
  }
  for (const o of await findNewlyOverdue(deps.db, now)) {
    // Single: overdue_at is set once and never cleared; the UPDATE matches only while it is still unset.
    const done = await claimTimer(deps, o, now, 'overdue', { overdue_at: now }, { overdueUnset: true }, async (trx, row) => {
      // The person on the task (assignee, else who acknowledged) also gets the overdue card in their 1:1 chat.
      const person = personOnTask(row);
      return [
        cardUpdate(row, now),
        { tenantId: row.tenantId, message: { kind: 'reminder.nudge', occurrenceId: row.id, reason: 'overdue' }, at: now, singletonKey: singletonKey.overdueNudge(o.id) },
        ...(person ? await personalEntries(trx, row, person, 'overdue', now) : []),
      ];
    });
    if (done) overdue++;
  }
  for (const o of await findToEscalate(deps.db, now)) {
    // Single: escalated_at is set once and never cleared; the UPDATE matches only while it is still unset.
    const done = await claimTimer(deps, o, now, 'escalated', { escalated_at: now, overdue_at: o.overdueAt ?? now }, { escalatedUnset: true }, async (trx, row) => {
      // Without a bound SOC Oversight channel there is nowhere to escalate to; the card still shows it escalated.
      const target = await findChannelTarget(trx, row.tenantId, OVERSIGHT_TEAM_ID);
      if (!target) return [cardUpdate(row, now)];
      return [cardUpdate(row, now), { tenantId: row.tenantId, message: { kind: 'escalation.post', occurrenceId: row.id, target }, at: now, singletonKey: singletonKey.escalation(o.id) }];
    });
    if (done) escalated++;
  }
  return { woke, overdue, escalated };
}

/**
 * Claim, then act, for one candidate `o`: the guarded UPDATE is the claim, and the event and the messages are
 * written only when it returned the row, in its transaction. The nudge and the escalation also carry a singleton
 * key, so a claim that should not have been won (a guard loosened one day) still cannot put a second one in the
 * outbox. True when this call won.
 */
async function claimTimer(
  deps: WriteDeps,
  o: Occurrence,
  now: number,
  type: OccurrenceEvent['type'],
  patch: Parameters<typeof updateOpenOccurrence>[3],
  guard: Parameters<typeof updateOpenOccurrence>[4],
  /** What to tell Teams once the claim is won, from the row as the claim left it. */
  messagesFor: (trx: Db, row: Occurrence) => Promise<readonly OutboxEntry[]>,
  // A snooze that has run out no longer reads as "snoozed" from the row; the caller knows better.
  from: OccurrenceEvent['fromStatus'] = statusOf(o, now),
): Promise<boolean> {
  return transact(deps, async (trx) => {
    const row = await updateOpenOccurrence(trx, o.tenantId, o.id, patch, guard);
    if (!row) return false;
    await recordEvent(trx, row, type, from, SYSTEM_ACTOR, now);
    await enqueueMessages(trx, await messagesFor(trx, row));
    return true;
  });
}
