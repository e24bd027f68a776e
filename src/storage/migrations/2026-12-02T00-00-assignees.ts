import type { Kysely, Migration } from 'kysely';

/**
 * Assignees and rotations (issue 14).
 * - `occurrences.assignee_aad_id` / `assignee_name` / `assigned_at`: the person a task is assigned to (their Entra
 *   object id, which Teams mentions and 1:1 chats are addressed by), null for a team task. Nullable: existing tasks
 *   were assigned to nobody, so no backfill.
 * - `occurrence_events.subject_aad_id` / `subject_name`: whom an event was about when that is not the actor (the
 *   person assigned, the person or team escalated to), so the audit trail says "assigned to Kim by Lee".
 * - `team_rotations`: per tenant and SOC team, the rotation an admin set from chat (JSON of `[{ id, name }]`; null:
 *   the catalog's) and the position of the next person, so restarts and replicas agree on whose turn it is.
 */
export function migration20261202Assignees(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('occurrences').addColumn('assignee_aad_id', 'text').execute();
      await db.schema.alterTable('occurrences').addColumn('assignee_name', 'text').execute();
      await db.schema.alterTable('occurrences').addColumn('assigned_at', 'bigint').execute();
      await db.schema.alterTable('occurrence_events').addColumn('subject_aad_id', 'text').execute();
      await db.schema.alterTable('occurrence_events').addColumn('subject_name', 'text').execute();
      await db.schema
        .createTable('team_rotations')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('team_id', 'text', (c) => c.notNull())
        .addColumn('members', 'text')
        .addColumn('next_position', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by_name', 'text')
        .addPrimaryKeyConstraint('team_rotations_pk', ['tenant_id', 'team_id'])
        .execute();
      // "My tasks": open tasks of one person in a tenant.
      await db.schema.createIndex('occurrences_assignee').on('occurrences').columns(['tenant_id', 'assignee_aad_id', 'state']).execute();
    },
  };
}
