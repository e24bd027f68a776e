import type { Kysely, Migration } from 'kysely';

/**
 * A singleton key on outbox rows, unique where set: a message that must go out once per (tenant, job, period) —
 * the digest of one digest time, the escalation of one occurrence, the nudge of one overdue or snooze end —
 * carries a key built from those, and the insert of a second row with the same key does nothing. pg-boss guards
 * its cron jobs the same way (`singletonKey`). Partial, so the many rows without a key (posts, card updates) cost
 * the index nothing; NULLs would be distinct anyway, in SQLite and PostgreSQL alike.
 */
export function migration20261201OutboxSingletonKey(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('outbox').addColumn('singleton_key', 'text').execute();
      await db.schema.createIndex('outbox_singleton_key').on('outbox').column('singleton_key').unique().where('singleton_key', 'is not', null).execute();
    },
  };
}
