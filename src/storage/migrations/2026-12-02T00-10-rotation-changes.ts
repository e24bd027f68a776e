import type { Kysely, Migration } from 'kysely';
import { withAutoId, type DialectName } from '../dialect';

/**
 * Who changed a team's rotation from chat (issue 14): `rotation set` and `rotation reset` are admin changes that
 * decide who gets the next tasks, so each is kept as a row an auditor can read (`soc-reminders audit rotations`):
 * the team, the members before and after (JSON of `[{ id, name }]`; null: the catalog's), who and when.
 * Append-only; the current rotation itself stays in `team_rotations`.
 */
export function migration20261202RotationChanges(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await withAutoId(db.schema.createTable('rotation_changes'), dialect)
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('team_id', 'text', (c) => c.notNull())
        .addColumn('from_members', 'text')
        .addColumn('to_members', 'text')
        .addColumn('actor_user_id', 'text', (c) => c.notNull())
        .addColumn('actor_aad_id', 'text')
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('rotation_changes_tenant_at').on('rotation_changes').columns(['tenant_id', 'at']).execute();
    },
  };
}
