import type { Kysely, Migration } from 'kysely';

/**
 * Five indexes of occurrences hold only the rows their queries look for (issue 17): those whose column is set. Done
 * rewrote an entry in each of them, and the rows without the column (most: no repeat nudge, no escalation, nobody
 * assigned or acknowledged, not closed) sat in one long run of NULLs there. Every query that uses them compares that
 * column (`next_nudge_at <= ?`, `escalate_at <= ?`, `assignee_aad_id = ?`, `ack_aad_id = ?`, `closed_at >= ?`, or
 * `assignee_aad_id is not null`), which already leaves NULL out, so SQLite and PostgreSQL still choose them (with
 * bound parameters too: a comparison is never true of NULL). Same names, same columns.
 */
const PARTIAL = [
  { name: 'occurrences_next_nudge', columns: ['state', 'next_nudge_at'], column: 'next_nudge_at' },
  { name: 'occurrences_escalate_at', columns: ['state', 'escalate_at'], column: 'escalate_at' },
  { name: 'occurrences_assignee', columns: ['tenant_id', 'assignee_aad_id', 'state'], column: 'assignee_aad_id' },
  { name: 'occurrences_ack_aad', columns: ['tenant_id', 'ack_aad_id', 'state'], column: 'ack_aad_id' },
  { name: 'occurrences_closed', columns: ['tenant_id', 'team_id', 'closed_at'], column: 'closed_at' },
] as const;

export function migration20261202PartialIndexes(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const index of PARTIAL) {
        await db.schema.dropIndex(index.name).execute();
        await db.schema.createIndex(index.name).on('occurrences').columns([...index.columns]).where(index.column, 'is not', null).execute();
      }
    },
  };
}
