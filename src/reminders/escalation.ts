/**
 * One escalation card per task: a task is one run of an activity (tenant, activity, scheduled time), with an
 * occurrence per team, and its card in an escalation team's channel lists every team's state. The first step that
 * reaches a channel posts the card (its row in `escalation_cards` is the claim: an INSERT that finds the slot taken
 * posts nothing), every later step to that channel and every change of any of the task's occurrences updates it,
 * so Oversight never sees an open escalation for a finished task. A team with no bound channel gets a row that
 * says it was never told, and the cards elsewhere say so, until a later step finds the team bound and posts it.
 */
import { claimEscalationCard, listEscalationCardsOfOccurrences } from '../storage/escalation-card.repository';
import type { Db } from '../storage/occurrence.repository';
import type { Occurrence } from './occurrence.types';
import { findChannelTarget } from './channel-target';
import { singletonKey, type EscalationCardRef, type OutboxEntry } from './outbox-message';

/** What a step to `teamId` enqueues for `o`: the card's post when this step is the first to reach that channel, else its update. */
export async function escalationCardEntries(trx: Db, o: Occurrence, teamId: string, now: number): Promise<OutboxEntry[]> {
  const card: EscalationCardRef = { activityId: o.activityId, scheduledAt: o.scheduledAt, teamId };
  const key = { tenantId: o.tenantId, ...card };
  const target = await findChannelTarget(trx, o.tenantId, teamId);
  if (!target) {
    await claimEscalationCard(trx, key, now, true);
    return [];
  }
  if (await claimEscalationCard(trx, key, now)) {
    return [{ tenantId: o.tenantId, message: { kind: 'escalation.post', occurrenceId: o.id, target, card }, at: now, singletonKey: singletonKey.escalationCard(o.tenantId, card) }];
  }
  return [{ tenantId: o.tenantId, message: { kind: 'escalation.update', occurrenceId: o.id, target, card }, at: now }];
}

/**
 * The escalation card updates that go with `entries`: one per card of a task whose reminder card is updated (its
 * state changed), unless the entries already post or update that card. Written by `enqueueMessages`, so that every
 * change that redraws a reminder card (Done, I'm on it, Snooze, Skip, assignment, a timer) redraws its escalation
 * cards too, without each writer having to know about them.
 */
export async function escalationUpdatesFor(trx: Db, entries: readonly OutboxEntry[]): Promise<OutboxEntry[]> {
  const updated = entries.flatMap((e) => (e.message.kind === 'reminder.update' ? [{ tenantId: e.tenantId, at: e.at, occurrenceId: e.message.occurrenceId }] : []));
  if (updated.length === 0) return [];
  const covered = new Set(
    entries.flatMap((e) => (e.message.kind === 'escalation.post' || e.message.kind === 'escalation.update') && e.message.card ? [cardId(e.tenantId, e.message.card)] : []),
  );
  const added: OutboxEntry[] = [];
  for (const e of updated) {
    for (const c of await listEscalationCardsOfOccurrences(trx, e.tenantId, [e.occurrenceId])) {
      const card: EscalationCardRef = { activityId: c.activityId, scheduledAt: c.scheduledAt, teamId: c.teamId };
      if (c.noChannel || covered.has(cardId(e.tenantId, card))) continue;
      const target = await findChannelTarget(trx, e.tenantId, c.teamId);
      if (!target) continue;
      covered.add(cardId(e.tenantId, card));
      added.push({ tenantId: e.tenantId, message: { kind: 'escalation.update', occurrenceId: c.occurrenceId, target, card }, at: e.at });
    }
  }
  return added;
}

function cardId(tenantId: string, card: EscalationCardRef): string {
  return `${tenantId}|${card.activityId}|${card.scheduledAt}|${card.teamId}`;
}
