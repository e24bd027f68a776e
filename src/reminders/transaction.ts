/**
 * What every change of the domain is written with. A change is one transaction: a guarded UPDATE (or an INSERT
 * that may find its slot taken) decides whether it happens, and only then its event is appended and what Teams
 * must be told is enqueued, in the same transaction, so a change and its messages commit together or not at all.
 */
import { enqueueMany } from '../storage/outbox.repository';
import type { Db } from '../storage/occurrence.repository';
import { encodeOutboxMessage, type OutboxMessage } from './outbox-message';

/** A message to enqueue, for a tenant, at a time; with a singleton key when it must exist once at most. */
export interface OutboxEntry {
  readonly tenantId: string;
  readonly message: OutboxMessage;
  readonly at: number;
  readonly singletonKey?: string;
}

/** Rows per multi-row INSERT (about a dozen values each, well under SQLite's and PostgreSQL's limits). */
export const ROWS_PER_STATEMENT = 500;

/**
 * Enqueues messages in the order given (their ids, and so their order within a conversation, follow it), a few
 * hundred rows per statement. A message whose singleton key is taken is left out. Returns how many were added.
 */
export async function enqueueMessages(db: Db, entries: readonly OutboxEntry[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < entries.length; i += ROWS_PER_STATEMENT) {
    added += await enqueueMany(
      db,
      entries.slice(i, i + ROWS_PER_STATEMENT).map(({ tenantId, message, at, singletonKey }) => ({ tenantId, ...encodeOutboxMessage(message), at, singletonKey })),
    );
  }
  return added;
}

/** Enqueues one message; false when its singleton key was taken already. */
export async function enqueueMessage(db: Db, entry: OutboxEntry): Promise<boolean> {
  return (await enqueueMessages(db, [entry])) === 1;
}
