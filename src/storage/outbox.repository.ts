/**
 * The outbox: every post and card update to Teams is a row written in the same transaction as the state
 * change that causes it, and a delivery worker sends it. Rows with the same `conversation_key` go out in id
 * order. A claim is a lease: a replica that dies mid-send loses it when `lease_until` passes.
 *
 * This file is the outbox's SQL and nothing else. What a row's kind and payload mean, and how they are built and
 * checked, belongs to `src/reminders/outbox-message.ts`; the payload is its JSON text, stored and returned as is.
 */
import { sql } from 'kysely';
import type { OutboxKind } from '../reminders/outbox-message';
import { dialectOf } from './dialect';
import { addListValues, listParams, reusableQuery, reusableQueryShapes } from './reusable-query';
import type { Db } from './occurrence.repository';
import type { OutboxRow, OutboxStatus } from './tables';

export interface OutboxItem {
  readonly id: number;
  readonly tenantId: string;
  readonly conversationKey: string;
  /** As stored: an `OutboxKind` when this version wrote the row (decode it before trusting it). */
  readonly kind: string;
  readonly occurrenceId?: string;
  /** The JSON text `encodeOutboxMessage` wrote. */
  readonly payload: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly leaseOwner?: string;
  readonly lastError?: string;
  readonly createdAt: number;
  readonly sentAt?: number;
  readonly singletonKey?: string;
}

function toItem(r: OutboxRow): OutboxItem {
  return {
    id: Number(r.id),
    tenantId: r.tenant_id,
    conversationKey: r.conversation_key,
    kind: r.kind,
    occurrenceId: r.occurrence_id ?? undefined,
    payload: r.payload,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    leaseOwner: r.lease_owner ?? undefined,
    lastError: r.last_error ?? undefined,
    createdAt: Number(r.created_at),
    sentAt: r.sent_at === null ? undefined : Number(r.sent_at),
    singletonKey: r.singleton_key ?? undefined,
  };
}

/** A row to insert: the columns of an encoded message (`encodeOutboxMessage`), its tenant and its time. */
export interface NewOutboxItem {
  readonly tenantId: string;
  readonly conversationKey: string;
  readonly kind: OutboxKind;
  readonly occurrenceId?: string;
  readonly payload: string;
  readonly at: number;
  /**
   * For a message that must exist once at most (`singletonKey` in outbox-message.ts): a second item with the same
   * key is not added.
   */
  readonly singletonKey?: string;
}

/** Enqueues one item; false when its singleton key was taken already (nothing was added). */
export async function enqueue(db: Db, item: NewOutboxItem): Promise<boolean> {
  return (await enqueueMany(db, [item])) === 1;
}

/**
 * Enqueues several items in one statement; ids (and so the order within a conversation) follow the list. Items
 * whose singleton key is taken (by an earlier row, or an earlier item of the list) are left out. Returns how many
 * were added.
 */
export async function enqueueMany(db: Db, items: readonly NewOutboxItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const values = items.map((item): OutboxRowValues => ({ ...item, occurrenceId: item.occurrenceId ?? null, singletonKey: item.singletonKey ?? null }));
  // A card action's one row: compiled once.
  if (values.length === 1) return (await insertOne(db, values[0])).rows.length;
  return (await insertRows(db, values.map(outboxRow)).execute()).length;
}

type OutboxRowValues = Omit<NewOutboxItem, 'occurrenceId' | 'singletonKey'> & { readonly occurrenceId: string | null; readonly singletonKey: string | null };

function outboxRow(item: OutboxRowValues) {
  return {
    tenant_id: item.tenantId,
    conversation_key: item.conversationKey,
    kind: item.kind,
    occurrence_id: item.occurrenceId,
    payload: item.payload,
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: item.at,
    created_at: item.at,
    updated_at: item.at,
    singleton_key: item.singletonKey,
  };
}

function insertRows(db: Db, rows: readonly ReturnType<typeof outboxRow>[]) {
  return (
    db
      .insertInto('outbox')
      .values([...rows])
      // The conflict target names the partial index's condition, or PostgreSQL would not infer that index.
      .onConflict((oc) => oc.column('singleton_key').where('singleton_key', 'is not', null).doNothing())
      .returning('id')
  );
}

const insertOne = reusableQuery((db, p: OutboxRowValues) =>
  insertRows(db, [outboxRow({ tenantId: p.tenantId, conversationKey: p.conversationKey, kind: p.kind, occurrenceId: p.occurrenceId, payload: p.payload, at: p.at, singletonKey: p.singletonKey })]),
);

/**
 * Claims up to `limit` items that are due and at the head of their conversation (no earlier unsent item with
 * the same key), including items whose lease ran out. The UPDATE re-checks the claimable condition, so of two
 * replicas racing for a row exactly one gets it back; PostgreSQL's SKIP LOCKED keeps them from waiting on
 * each other, SQLite's single writer lock serialises them. Items of `excludeTenants` are left for later, and so are
 * the expired leases of `excludeIds`: the caller is still delivering them (a lease that ran out mid-delivery must
 * not make the same process send an item twice).
 */
export async function claimDue(
  db: Db,
  owner: string,
  now: number,
  leaseMs: number,
  limit: number,
  excludeTenants: readonly string[] = [],
  excludeIds: readonly number[] = [],
): Promise<OutboxItem[]> {
  // Nothing claimable (the worker's second look after each claim, and every idle poll): answered by one read, without
  // a transaction (on SQLite BEGIN IMMEDIATE takes the database's one write lock; on PostgreSQL it is three round
  // trips). Which rows are claimed is still decided inside the transaction below; a row that becomes claimable after
  // this read is left for the next poll, as one that became claimable just after the transaction would be.
  if (!db.isTransaction && (await claimableIds(db, now, 1, excludeTenants, excludeIds, false)).length === 0) return [];
  return inTransaction(db, async (trx) => {
    // SQLite has no row locks (and no FOR UPDATE): its one writer at a time already keeps claimers apart.
    const ids = await claimableIds(trx, now, limit, excludeTenants, excludeIds, dialectOf(trx) === 'postgres');
    if (ids.length === 0) return [];
    const { rows } = await claimRows(trx, ids.length, addListValues({ owner, now, leaseUntil: now + leaseMs }, 'id', ids));
    return rows.map(toItem).sort((a, b) => a.id - b.id);
  });
}

/*
 * The worker claims after every enqueue and after deliveries finish: these queries are built and compiled once per
 * shape (how many tenants and ids are left out, how many ids are claimed), not at every claim (reusable-query.ts).
 */
interface ClaimableShape {
  readonly tenants: number;
  readonly ids: number;
  /** PostgreSQL, in the claim's transaction: FOR UPDATE SKIP LOCKED. */
  readonly lock: boolean;
}

const claimableQuery = reusableQueryShapes(
  (s: ClaimableShape) => `${s.tenants},${s.ids},${s.lock}`,
  (s) => (db, p: Record<string, unknown>) => {
    const q = claimable(db, p.now as number, p.limit as number, listParams('tenant', s.tenants).map((n) => p[n] as string), listParams('id', s.ids).map((n) => p[n] as number));
    return s.lock ? q.forUpdate().skipLocked() : q;
  },
);

async function claimableIds(db: Db, now: number, limit: number, excludeTenants: readonly string[], excludeIds: readonly number[], lock: boolean): Promise<number[]> {
  const params = addListValues(addListValues({ now, limit }, 'tenant', excludeTenants), 'id', excludeIds);
  const { rows } = await claimableQuery(db, { tenants: excludeTenants.length, ids: excludeIds.length, lock }, params);
  return rows.map((r) => Number(r.id));
}

const claimRows = reusableQueryShapes(
  (ids: number) => String(ids),
  (ids) => (db, p: Record<string, unknown>) =>
    db
      .updateTable('outbox')
      .set((eb) => ({ status: 'sending', lease_owner: p.owner as string, lease_until: p.leaseUntil as number, attempts: eb('attempts', '+', 1), updated_at: p.now as number }))
      .where('id', 'in', listParams('id', ids).map((n) => p[n] as number))
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', p.now as number)]),
          eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', p.now as number)]),
        ]),
      )
      .returningAll(),
);

/** Items due and at the head of their conversation (see `claimDue`), in id order, at most `limit`. */
function claimable(db: Db, now: number, limit: number, excludeTenants: readonly string[], excludeIds: readonly number[]) {
  let q = db
    .selectFrom('outbox as o')
    .select('o.id')
    .where((eb) =>
      eb.or([
        eb.and([eb('o.status', '=', 'pending'), eb('o.next_attempt_at', '<=', now)]),
        eb.and([eb('o.status', '=', 'sending'), eb('o.lease_until', '<', now), ...(excludeIds.length > 0 ? [eb('o.id', 'not in', excludeIds)] : [])]),
      ]),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outbox as p')
            .select(sql`1`.as('one'))
            .whereRef('p.conversation_key', '=', 'o.conversation_key')
            .whereRef('p.id', '<', 'o.id')
            .where('p.status', 'in', ['pending', 'sending']),
        ),
      ),
    )
    .orderBy('o.id')
    .limit(limit);
  if (excludeTenants.length > 0) q = q.where('o.tenant_id', 'not in', excludeTenants);
  return q;
}

/** Runs `fn` in the caller's transaction when there is one (Kysely cannot nest them), else in a new one. */
function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** Marks an item sent, only if this owner still holds it. */
export async function markSent(db: Db, id: number, owner: string, now: number): Promise<boolean> {
  return (await markManySent(db, [id], owner, now)) === 1;
}

/**
 * Marks several items sent in one statement (one commit for all), each only if this owner still holds it. Returns
 * how many were marked.
 */
export async function markManySent(db: Db, ids: readonly number[], owner: string, now: number): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await markSentRows(db, ids.length, addListValues({ owner, now }, 'id', ids));
  return Number(res.numAffectedRows ?? 0);
}

const markSentRows = reusableQueryShapes(
  (ids: number) => String(ids),
  (ids) => (db, p: Record<string, unknown>) =>
    db
      .updateTable('outbox')
      .set({ status: 'sent', sent_at: p.now as number, updated_at: p.now as number, lease_owner: null, lease_until: null, last_error: null })
      .where('id', 'in', listParams('id', ids).map((n) => p[n] as number))
      .where('lease_owner', '=', p.owner as string)
      .where('status', '=', 'sending'),
);

/** Gives the item back for another attempt at `nextAttemptAt`, optionally with a changed payload (JSON text). */
export async function markRetry(db: Db, id: number, owner: string, now: number, nextAttemptAt: number, error: string, payload?: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'pending', next_attempt_at: nextAttemptAt, updated_at: now, lease_owner: null, lease_until: null, last_error: error, ...(payload === undefined ? {} : { payload }) })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute();
}

/** Gives back a claim without counting an attempt (the worker was stopping, or its budget was used up). */
export async function releaseClaim(db: Db, id: number, owner: string, now: number, nextAttemptAt: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'pending', next_attempt_at: nextAttemptAt, updated_at: now, lease_owner: null, lease_until: null, attempts: eb('attempts', '-', 1) }))
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .where('status', '=', 'sending')
    .execute();
}

export async function markDead(db: Db, id: number, owner: string | undefined, now: number, error: string): Promise<void> {
  let q = db.updateTable('outbox').set({ status: 'dead', updated_at: now, lease_owner: null, lease_until: null, last_error: error }).where('id', '=', id);
  if (owner) q = q.where('lease_owner', '=', owner);
  await q.execute();
}

/** Makes dead items pending again (the CLI's `outbox retry`). Returns how many. */
export async function requeueDead(db: Db, now: number, id?: number): Promise<number> {
  let q = db.updateTable('outbox').set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, last_error: null }).where('status', '=', 'dead');
  if (id !== undefined) q = q.where('id', '=', id);
  const res = await q.executeTakeFirst();
  return Number(res.numUpdatedRows ?? 0);
}

export async function listOutbox(db: Db, filter: { status?: OutboxStatus[]; limit?: number } = {}): Promise<OutboxItem[]> {
  // `in ()` is an error in PostgreSQL (SQLite accepts it): an empty filter matches nothing, so ask nothing.
  if (filter.status?.length === 0) return [];
  let q = db.selectFrom('outbox').selectAll();
  if (filter.status) q = q.where('status', 'in', filter.status);
  const rows = await q.orderBy('id').limit(filter.limit ?? 1000).execute();
  return rows.map(toItem);
}

/** Items not yet sent or dead, and the creation time of the oldest: for /healthz and metrics. */
export async function outboxDepth(db: Db): Promise<{ pending: number; dead: number; oldestPendingAt?: number }> {
  const rows = await db
    .selectFrom('outbox')
    .select((eb) => ['status', eb.fn.countAll<number | string>().as('c'), eb.fn.min('created_at').as('oldest')])
    .where('status', 'in', ['pending', 'sending', 'dead'])
    .groupBy('status')
    .execute();
  let pending = 0;
  let dead = 0;
  let oldest: number | undefined;
  for (const r of rows) {
    if (r.status === 'dead') dead += Number(r.c);
    else {
      pending += Number(r.c);
      const o = Number(r.oldest);
      oldest = oldest === undefined ? o : Math.min(oldest, o);
    }
  }
  return { pending, dead, oldestPendingAt: oldest };
}

/**
 * When another process last sent, as far as the outbox knows: the newest `sent_at` within `withinMs` of `now`, or
 * `now` itself while a delivery is leased by another owner (it may be sending this moment, or have died sending).
 * Undefined when neither: nothing of anyone else's can still count against Teams' short rate windows.
 */
export async function lastSendActivity(db: Db, owner: string, now: number, withinMs: number): Promise<number | undefined> {
  const leased = await db
    .selectFrom('outbox')
    .select('id')
    .where('status', '=', 'sending')
    .where('lease_owner', '!=', owner)
    .where('lease_until', '>', now - withinMs)
    .limit(1)
    .executeTakeFirst();
  if (leased) return now;
  const row = await db.selectFrom('outbox').select((eb) => eb.fn.max('sent_at').as('last')).where('sent_at', '>', now - withinMs).executeTakeFirst();
  return row?.last === null || row?.last === undefined ? undefined : Number(row.last);
}
