import type { Kysely, Migration } from 'kysely';
import { withAutoId, type DialectName } from '../dialect';

export function migration20261123Initial(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('tenants')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('occurrences')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('activity_id', 'text', (c) => c.notNull())
        .addColumn('team_id', 'text', (c) => c.notNull())
        .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
        .addColumn('due_at', 'bigint', (c) => c.notNull())
        .addColumn('escalate_at', 'bigint')
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('posted_at', 'bigint')
        .addColumn('acknowledged_at', 'bigint')
        .addColumn('ack_user_id', 'text')
        .addColumn('ack_aad_id', 'text')
        .addColumn('ack_name', 'text')
        .addColumn('snoozed_until', 'bigint')
        .addColumn('snoozed_by_name', 'text')
        .addColumn('overdue_at', 'bigint')
        .addColumn('escalated_at', 'bigint')
        .addColumn('closed_at', 'bigint')
        .addColumn('closed_user_id', 'text')
        .addColumn('closed_aad_id', 'text')
        .addColumn('closed_name', 'text')
        .addColumn('close_note', 'text')
        .addColumn('started_by_name', 'text')
        .addColumn('posted_conversation_id', 'text')
        .addColumn('posted_activity_id', 'text')
        .addColumn('posted_service_url', 'text')
        // The idempotency key: a restart, a catch-up racing a live tick or a second replica never makes two.
        .addUniqueConstraint('occurrences_slot_unique', ['tenant_id', 'activity_id', 'team_id', 'scheduled_at'])
        .execute();
      await db.schema.createIndex('occurrences_team_state').on('occurrences').columns(['tenant_id', 'team_id', 'state', 'due_at']).execute();
      await db.schema.createIndex('occurrences_state_due').on('occurrences').columns(['state', 'due_at']).execute();
      await db.schema.createIndex('occurrences_closed').on('occurrences').columns(['tenant_id', 'team_id', 'closed_at']).execute();

      await withAutoId(db.schema.createTable('occurrence_events'), dialect)
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('occurrence_id', 'text', (c) => c.notNull().references('occurrences.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('from_status', 'text')
        .addColumn('to_status', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'text', (c) => c.notNull())
        .addColumn('actor_aad_id', 'text')
        .addColumn('actor_name', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_occurrence').on('occurrence_events').columns(['occurrence_id', 'id']).execute();
      await db.schema.createIndex('events_at').on('occurrence_events').columns(['at']).execute();

      await db.schema
        .createTable('scheduler_state')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('checkpoint_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('installations')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('service_url', 'text', (c) => c.notNull())
        .addColumn('bot_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('installed_at', 'bigint', (c) => c.notNull())
        .addColumn('removed_at', 'bigint')
        .addPrimaryKeyConstraint('installations_pk', ['tenant_id', 'conversation_id'])
        .execute();

      await db.schema
        .createTable('bindings')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('soc_team_id', 'text', (c) => c.notNull())
        .addColumn('teams_team_id', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text', (c) => c.notNull())
        .addColumn('channel_name', 'text')
        .addColumn('service_url', 'text', (c) => c.notNull())
        .addColumn('bot_id', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('inactive_reason', 'text')
        .addColumn('bound_at', 'bigint', (c) => c.notNull())
        .addColumn('bound_by_name', 'text')
        .addPrimaryKeyConstraint('bindings_pk', ['tenant_id', 'soc_team_id'])
        .execute();

      await withAutoId(db.schema.createTable('outbox'), dialect)
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('conversation_key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('occurrence_id', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('sent_at', 'bigint')
        .execute();
      await db.schema.createIndex('outbox_status').on('outbox').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('outbox_key').on('outbox').columns(['conversation_key', 'status', 'id']).execute();
    },
  };
}
