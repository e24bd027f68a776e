import type { Kysely, Migration } from 'kysely';

/**
 * "My tasks" (issue 14): a person's open tasks are those assigned to them (index `occurrences_assignee`, from the
 * groundwork) and those they acknowledged, found by their Entra object id: without this index that half scans
 * every open task of the tenant.
 */
export function migration20261202MyTasksIndex(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.createIndex('occurrences_ack_aad').on('occurrences').columns(['tenant_id', 'ack_aad_id', 'state']).execute();
    },
  };
}
