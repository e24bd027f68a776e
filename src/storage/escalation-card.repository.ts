/**
 * Escalation cards: one per task (tenant, activity, scheduled time) in each escalation team's channel. The row is
 * claimed by its INSERT (the first step to reach a channel posts the card, later ones update it) and records
 * where Teams put the card, so updates replace it and actions from it are recognised.
 */
import type { Db } from './occurrence.repository';
import { reusableQuery } from './reusable-query';
import type { EscalationCardRow } from './tables';

/** Which card: the run of an activity, and the escalation team whose channel shows it. */
export interface EscalationCardKey {
  readonly tenantId: string;
  readonly activityId: string;
  readonly scheduledAt: number;
  readonly teamId: string;
}

export interface EscalationCard extends EscalationCardKey {
  /** The step found no bound channel: nothing was posted, the team was never told. */
  readonly noChannel: boolean;
  readonly postedConversationId?: string;
  readonly postedActivityId?: string;
  readonly postedServiceUrl?: string;
}

function toCard(r: EscalationCardRow): EscalationCard {
  return {
    tenantId: r.tenant_id,
    activityId: r.activity_id,
    scheduledAt: Number(r.scheduled_at),
    teamId: r.team_id,
    noChannel: Number(r.no_channel) === 1,
    ...(r.posted_conversation_id !== null && { postedConversationId: r.posted_conversation_id }),
    ...(r.posted_activity_id !== null && { postedActivityId: r.posted_activity_id }),
    ...(r.posted_service_url !== null && { postedServiceUrl: r.posted_service_url }),
  };
}

const CARD_KEY = ['tenant_id', 'activity_id', 'scheduled_at', 'team_id'] as const;

/**
 * Records the card unless it exists; true when this call created it (and so must post it). `noChannel`: the team
 * has no bound channel, so the row only records that it was never told. A card recorded so is claimed by the first
 * later step that finds a channel (the team was bound since): otherwise that step would only enqueue an update of
 * a card that was never posted, and the team would never see the task.
 */
export async function claimEscalationCard(db: Db, key: EscalationCardKey, at: number, noChannel = false): Promise<boolean> {
  const insert = db
    .insertInto('escalation_cards')
    .values({ tenant_id: key.tenantId, activity_id: key.activityId, scheduled_at: key.scheduledAt, team_id: key.teamId, created_at: at, no_channel: noChannel ? 1 : 0 });
  const claimed = noChannel
    ? insert.onConflict((oc) => oc.columns(CARD_KEY).doNothing())
    : insert.onConflict((oc) => oc.columns(CARD_KEY).doUpdateSet({ no_channel: 0 }).where('escalation_cards.no_channel', '=', 1));
  const rows = await claimed.returning('team_id').execute();
  return rows.length === 1;
}

export async function findEscalationCard(db: Db, key: EscalationCardKey): Promise<EscalationCard | undefined> {
  const row = await db
    .selectFrom('escalation_cards')
    .selectAll()
    .where('tenant_id', '=', key.tenantId)
    .where('activity_id', '=', key.activityId)
    .where('scheduled_at', '=', key.scheduledAt)
    .where('team_id', '=', key.teamId)
    .executeTakeFirst();
  return row ? toCard(row) : undefined;
}

/** The escalation cards of a run, in every escalation team's channel. */
export async function listEscalationCards(db: Db, tenantId: string, activityId: string, scheduledAt: number): Promise<EscalationCard[]> {
  const rows = await db
    .selectFrom('escalation_cards')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('activity_id', '=', activityId)
    .where('scheduled_at', '=', scheduledAt)
    .orderBy('team_id')
    .execute();
  return rows.map(toCard);
}

/** Records where the card was posted; only the first post counts. */
export async function recordEscalationCardPosted(db: Db, key: EscalationCardKey, where: { conversationId: string; activityId: string; serviceUrl: string }): Promise<boolean> {
  const result = await db
    .updateTable('escalation_cards')
    .set({ posted_conversation_id: where.conversationId, posted_activity_id: where.activityId, posted_service_url: where.serviceUrl })
    .where('tenant_id', '=', key.tenantId)
    .where('activity_id', '=', key.activityId)
    .where('scheduled_at', '=', key.scheduledAt)
    .where('team_id', '=', key.teamId)
    .where('posted_activity_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The escalation cards of the runs the given occurrences belong to, each with the occurrence it was found by. */
export async function listEscalationCardsOfOccurrences(db: Db, tenantId: string, occurrenceIds: readonly string[]): Promise<(EscalationCard & { readonly occurrenceId: string })[]> {
  if (occurrenceIds.length === 0) return [];
  // One occurrence (every card update looks up its task's cards, transaction.ts): compiled once.
  const rows = occurrenceIds.length === 1 ? (await selectCardsOfOne(db, { tenantId, id: occurrenceIds[0] })).rows : await cardsOf(db, tenantId, [...occurrenceIds]).execute();
  return rows.map((r) => ({ ...toCard(r), occurrenceId: r.occurrence_id }));
}

function cardsOf(db: Db, tenantId: string, occurrenceIds: string[]) {
  return db
    .selectFrom('escalation_cards as c')
    .innerJoin('occurrences as o', (join) => join.onRef('o.tenant_id', '=', 'c.tenant_id').onRef('o.activity_id', '=', 'c.activity_id').onRef('o.scheduled_at', '=', 'c.scheduled_at'))
    .selectAll('c')
    .select('o.id as occurrence_id')
    .where('c.tenant_id', '=', tenantId)
    .where('o.id', 'in', occurrenceIds)
    .orderBy('c.team_id');
}

const selectCardsOfOne = reusableQuery((db, p: { tenantId: string; id: string }) => cardsOf(db, p.tenantId, [p.id]));
