/**
 * What every change of the domain is written with. A change is one transaction: a guarded UPDATE (or an INSERT
 * that may find its slot taken) decides whether it happens, and only then is its event appended and what Teams
 * must be told enqueued, in the same transaction, so that a change and its messages commit together or not at all.
 */
import type { Kysely } from 'kysely';
import { appendEvent, type Db } from '../storage/occurrence.repository';
import { enqueueMany } from '../storage/outbox.repository';
import { listPersonalPosts } from '../storage/personal.repository';
import type { Database } from '../storage/tables';
import type { Clock } from './clock';
import type { ChannelTarget } from './delivery.port';
import { statusOf, type Actor, type Evidence, type Occurrence, type OccurrenceEvent } from './occurrence.types';
import { escalationUpdatesFor } from './escalation';
import { encodeOutboxMessage, type OutboxEntry } from './outbox-message';
import { findChannelTarget } from './channel-target';

/** What a part of the domain that writes changes is given. */
export interface WriteDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Called after a transaction enqueued something, so the delivery worker need not wait for its next poll. */
  readonly onEnqueued?: () => void;
}

/** Runs `fn` in one transaction, then tells the delivery worker there may be something to send. */
export async function transact<T>(deps: WriteDeps, fn: (trx: Db) => Promise<T>): Promise<T> {
  const result = await deps.db.transaction().execute(fn);
  deps.onEnqueued?.();
  return result;
}

/** Appends the event of a change to `o` (its status after the change is read from `o` as it now is). */
export async function recordEvent(
  trx: Db,
  o: Occurrence,
  type: OccurrenceEvent['type'],
  fromStatus: OccurrenceEvent['fromStatus'],
  actor: Actor,
  at: number,
  note?: string,
  evidence?: Evidence,
  subject?: OccurrenceEvent['subject'],
): Promise<void> {
  await appendEvent(trx, { tenantId: o.tenantId, occurrenceId: o.id, type, fromStatus, toStatus: statusOf(o, at), actor, note, evidence, subject, at });
}

export { findChannelTarget } from './channel-target';

export type { OutboxEntry } from './outbox-message';

/** Rows per multi-row INSERT (about a dozen values each, well under SQLite's and PostgreSQL's limits). */
export const ROWS_PER_STATEMENT = 500;

/**
 * Enqueues messages in the order given (their ids, and so their order within a conversation, follow it), a few
 * hundred rows per statement. A message whose singleton key is taken is left out. Returns how many were added.
 * A reminder card update also updates the task's escalation cards, after the rest (`escalationUpdatesFor`).
 */
export async function enqueueMessages(db: Db, entries: readonly OutboxEntry[]): Promise<number> {
  const added = await enqueueRows(db, entries);
  // What follows from the given messages, not counted: the escalation cards and the personal cards of each task whose
  // channel card is updated.
  await enqueueRows(db, [...(await escalationUpdatesFor(db, entries)), ...(await personalUpdatesOf(db, entries))]);
  return added;
}

/**
 * A personal card is updated with the channel card: for each `reminder.update`, a `personal.update` of every personal
 * post of its occurrence (one SELECT per update), in the same transaction. Not counted in what `enqueueMessages` returns.
 */
async function personalUpdatesOf(db: Db, entries: readonly OutboxEntry[]): Promise<OutboxEntry[]> {
  const out: OutboxEntry[] = [];
  for (const { tenantId, message, at } of entries) {
    if (message.kind !== 'reminder.update') continue;
    for (const post of await listPersonalPosts(db, tenantId, message.occurrenceId)) {
      out.push({ tenantId, message: { kind: 'personal.update', occurrenceId: message.occurrenceId, aadObjectId: post.aadObjectId, reason: post.reason }, at });
    }
  }
  return out;
}

async function enqueueRows(db: Db, entries: readonly OutboxEntry[]): Promise<number> {
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

/** The post of an occurrence's card into its team's channel. */
export function reminderPost(o: Occurrence, target: ChannelTarget, at: number): OutboxEntry {
  return { tenantId: o.tenantId, message: { kind: 'reminder.post', occurrenceId: o.id, target }, at };
}

/**
 * The card update of a change. It renders the card as it is at send time, so it needs no singleton key (a second
 * one would change nothing people see), and does nothing for a card that was never posted.
 */
export function cardUpdate(o: Occurrence, at: number): OutboxEntry {
  return { tenantId: o.tenantId, message: { kind: 'reminder.update', occurrenceId: o.id }, at };
}

/** Enqueues the card post when the team has an active channel; otherwise the task stays recorded only. */
export async function enqueueReminderPost(trx: Db, o: Occurrence, at: number): Promise<boolean> {
  const target = await findChannelTarget(trx, o.tenantId, o.teamId);
  if (!target) return false;
  await enqueueMessage(trx, reminderPost(o, target, at));
  return true;
}
