import type { Kysely, Migration } from 'kysely';

/**
 * Indexes for the workload's range queries of one team: by due time (`listForStats`: statistics and weekly
 * completion) and by scheduled time (`listScheduledBetween`: what is coming). The initial indexes put `state` or
 * `closed_at` after (tenant, team), so both queries read every occurrence the team ever had: at a million
 * occurrences (5,000 a team) that was 25-35 ms each; with these, only the rows in the window.
 */
export function migration20261123TeamTimeIndexes(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('occurrences_team_due').on('occurrences').columns(['tenant_id', 'team_id', 'due_at']).execute();
      await db.schema.createIndex('occurrences_team_scheduled').on('occurrences').columns(['tenant_id', 'team_id', 'scheduled_at']).execute();
    },
  };
}
