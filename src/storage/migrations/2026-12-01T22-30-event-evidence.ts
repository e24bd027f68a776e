import type { Kysely, Migration } from 'kysely';

/**
 * The evidence Done records (a ticket link, the Secure Score value, a report link), as JSON text: on the event,
 * where the audit export reads it, and on the occurrence, where the card shows it without reading the event log.
 * Text, not jsonb: both dialects store and return it the same way, and only `reminders/evidence.ts` reads it.
 * Nullable, so existing rows need no backfill (they recorded no evidence).
 */
export function migration20261201EventEvidence(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('occurrence_events').addColumn('evidence', 'text').execute();
      await db.schema.alterTable('occurrences').addColumn('close_evidence', 'text').execute();
    },
  };
}
