import type { Kysely, Migration } from 'kysely';

/**
 * Where a run a holiday moved came from, and why (issue 15.1): the fire time it left and the holiday's name in
 * English and Korean, so a card posted on Tuesday can say it is Monday's task and the audit can show it. NULL for
 * every run that did not move. The unique slot key stays (tenant, activity, team, scheduled time): a moved run's
 * scheduled time is the moved one.
 */
export function migration20261201OccurrenceMovedFrom(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('occurrences').addColumn('moved_from_at', 'bigint').execute();
      await db.schema.alterTable('occurrences').addColumn('moved_reason', 'text').execute();
      await db.schema.alterTable('occurrences').addColumn('moved_reason_ko', 'text').execute();
    },
  };
}
