import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Repeat nudges, escalation chains and one escalation card per task (issue 14).
 * - `occurrences.nudges_sent`: how many of the activity's nudge times are behind the task (sent, or passed over in a
 *   snooze or a quiet night); `next_nudge_at`: when the next one is due (null: none left, or not overdue yet). A
 *   nudge is claimed by an UPDATE guarded by `nudges_sent = k`, so one replica sends nudge k.
 * - `occurrences.escalation_step`: how many steps of the chain were taken; `escalate_at` (existing) becomes the time
 *   of the next step, null once the chain is done. Tasks escalated before this migration took their one step: the
 *   backfill says so, or every one of them would escalate a second time.
 * - `escalation_cards`: the escalation card of one task (tenant, activity, scheduled time: every team's occurrence
 *   of one run) in one escalation team's channel, and where it was posted, so it is posted once and then updated;
 *   or, for a team with no bound channel, that it was never told (the other cards say so).
 */
export function migration20261202Timers(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('occurrences').addColumn('nudges_sent', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('occurrences').addColumn('next_nudge_at', 'bigint').execute();
      await db.schema.alterTable('occurrences').addColumn('escalation_step', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await sql`update occurrences set escalation_step = 1, escalate_at = null where escalated_at is not null`.execute(db);
      await db.schema.createIndex('occurrences_next_nudge').on('occurrences').columns(['state', 'next_nudge_at']).execute();
      await db.schema.createIndex('occurrences_escalate_at').on('occurrences').columns(['state', 'escalate_at']).execute();
      await db.schema
        .createTable('escalation_cards')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('activity_id', 'text', (c) => c.notNull())
        .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
        .addColumn('team_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // 1: the step reached a team with no bound channel, so nothing was posted and the team was never told.
        .addColumn('no_channel', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('posted_conversation_id', 'text')
        .addColumn('posted_activity_id', 'text')
        .addColumn('posted_service_url', 'text')
        .addPrimaryKeyConstraint('escalation_cards_pk', ['tenant_id', 'activity_id', 'scheduled_at', 'team_id'])
        .execute();
    },
  };
}
