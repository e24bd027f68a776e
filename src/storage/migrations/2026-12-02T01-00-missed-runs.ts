import type { Kysely, Migration } from 'kysely';

/**
 * A run of missed fire times is one row (issue 17.2): 7 days down with 10,000 schedules recorded 80,000 missed
 * occurrences and as many events, which took seconds on SQLite. Now an occurrence in state `missed` stands for a
 * run: `scheduled_at` is its first fire time, `missed_last_at` its last and `missed_count` how many fire times it
 * holds. Nullable and not backfilled: a missed row written before this migration is a run of one (its own fire
 * time, count 1), and it stays as it is, because the append-only event log refers to each of those rows by id;
 * merging them would rewrite the audit history. Both dialects: plain ADD COLUMN.
 */
export function migration20261202MissedRuns(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('occurrences').addColumn('missed_last_at', 'bigint').execute();
      await db.schema.alterTable('occurrences').addColumn('missed_count', 'integer').execute();
    },
  };
}
