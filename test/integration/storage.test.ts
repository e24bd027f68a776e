/**
 * The storage layer against real databases: the same suite over SQLite and PostgreSQL. Times are plain epoch
 * milliseconds passed in; nothing here sleeps.
 *
 * "Two replicas" are two stores on the same database: on PostgreSQL two pools, so the races are real races
 * between connections. On SQLite both sides use one store: in one thread a second better-sqlite3 connection would
 * block on the write lock synchronously and never let the first finish, and a deployment has one writer process.
 */
import SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { Client } from 'pg';
import { openStore, type Store, type StoreLocation } from '../../src/storage/database';
import { dialectOf } from '../../src/storage/dialect';
import { MIGRATION_NAMES, migrateToLatest } from '../../src/storage/migrator';
import type { Database } from '../../src/storage/tables';
import type { Occurrence } from '../../src/reminders/occurrence.types';
import {
  appendEvent,
  countDoneSince,
  countOccurrences,
  findNewlyOverdue,
  findOccurrence,
  findOccurrenceById,
  findSnoozesEnded,
  findToEscalate,
  insertOccurrenceIfAbsent,
  listEvents,
  listForStats,
  listOpenOccurrences,
  listScheduledBetween,
  listUnposted,
  recordPosted,
  updateOpenOccurrence,
  type NewOccurrence,
} from '../../src/storage/occurrence.repository';
import {
  deactivateBindings,
  deleteBindingsOfChannel,
  findBinding,
  findInstallation,
  listBindings,
  listBindingsOfChannel,
  markInstallationRemoved,
  upsertBinding,
  upsertInstallation,
} from '../../src/storage/binding.repository';
import {
  claimDue,
  enqueue,
  enqueueMany,
  listOutbox,
  markDead,
  markRetry,
  markSent,
  outboxDepth,
  releaseClaim,
  requeueDead,
  type OutboxItem,
} from '../../src/storage/outbox.repository';
import { singletonKey } from '../../src/reminders/outbox-message';
import { advanceCheckpoint, claimCheckpoint, listTenants, readCheckpoint, rememberTenant } from '../../src/storage/scheduler-state.repository';
import { createTestDatabase, DIALECTS, openTestStore, type TestStore } from '../support/databases';

/** 2027-01-15T08:00:00Z: well past 2^31, so a 32-bit column or parser would show. */
const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const ALICE = { userId: '29:alice', aadObjectId: 'aad-alice', name: 'Alice' };
const BOB = { userId: '29:bob', name: 'Bob' };

let uniq = 0;
/** A tenant id no other test uses: tests share one database per dialect. */
const freshTenant = () => `tenant-${++uniq}`;

function newOccurrence(tenantId: string, over: Partial<NewOccurrence> = {}): NewOccurrence {
  return {
    id: `occ-${++uniq}`,
    tenantId,
    activityId: 'daily-log-review',
    teamId: 'tier1',
    scheduledAt: T0,
    dueAt: T0 + 2 * HOUR,
    trigger: 'schedule',
    state: 'open',
    createdAt: T0,
    ...over,
  };
}

async function insert(db: Kysely<Database>, o: NewOccurrence): Promise<Occurrence> {
  const row = await insertOccurrenceIfAbsent(db, o);
  if (!row) throw new Error(`slot of ${o.id} already taken`);
  return row;
}

describe.each(DIALECTS)('storage on %s', (dialect) => {
  let store: TestStore;
  /** The second replica: another pool on PostgreSQL, the same store on SQLite (see the header). */
  let replica: Kysely<Database>;

  beforeAll(async () => {
    store = await openTestStore(dialect);
    replica = dialect === 'postgres' ? (await store.connect()).db : store.db;
  });
  afterAll(() => store?.close());

  it('knows its dialect from the database handle, in a transaction too (callers never pass it)', async () => {
    expect(dialectOf(store.db)).toBe(dialect);
    expect(dialectOf(replica)).toBe(dialect);
    expect(await store.db.transaction().execute(async (trx) => dialectOf(trx))).toBe(dialect);
  });

  describe('migrations', () => {
    it('create every table on a fresh database', async () => {
      const tables = (await store.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining(['tenants', 'occurrences', 'occurrence_events', 'scheduler_state', 'installations', 'bindings', 'outbox']),
      );
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(store.db);
      expect(applied.rows.map((r) => r.name)).toEqual([...MIGRATION_NAMES]);
      expect(MIGRATION_NAMES[0]).toBe('2026-11-23T10-00-initial');
    });

    it('re-apply idempotently, also from a second store opening the same database', async () => {
      await migrateToLatest(store.db, dialect);
      const second = await store.connect();
      await migrateToLatest(second.db, dialect);
      await second.close();
      const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db);
      expect(applied.rows).toHaveLength(MIGRATION_NAMES.length);
    });

    it('two stores opening a fresh database together migrate it once (PostgreSQL: at the same time)', async () => {
      const database = await createTestDatabase(dialect);
      const stores: Store[] = [];
      try {
        // Two SQLite connections in one thread cannot take turns (see the header): there the second opens after.
        if (dialect === 'postgres') stores.push(...(await Promise.all([openStore(database.location), openStore(database.location)])));
        else for (let i = 0; i < 2; i++) stores.push(await openStore(database.location));
        const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(stores[1].db);
        expect(applied.rows).toHaveLength(MIGRATION_NAMES.length);
        await rememberTenant(stores[0].db, 't', T0);
        expect(await listTenants(stores[1].db)).toEqual([{ tenantId: 't', firstSeenAt: T0 }]);
      } finally {
        await Promise.all(stores.map((st) => st.close()));
        await database.drop();
      }
    });

    it('a migration that fails half-way leaves nothing behind, and the next start applies it', async () => {
      const database = await createTestDatabase(dialect);
      try {
        // The last table of the initial migration already exists: everything before it must be rolled back.
        await execRaw(database.location, 'create table outbox (unrelated integer)');
        await expect(openStore(database.location)).rejects.toThrow(/database migration 2026-11-23T10-00-initial failed/);
        expect(await tablesOf(database.location)).toEqual(['outbox']);
        await execRaw(database.location, 'drop table outbox');
        const st = await openStore(database.location);
        await st.close();
        expect(await tablesOf(database.location)).toEqual(expect.arrayContaining(['occurrences', 'outbox', 'tenants']));
      } finally {
        await database.drop();
      }
    });

    it('number auto ids in insertion order and enforce the event foreign key', async () => {
      const t = freshTenant();
      const o = await insert(store.db, newOccurrence(t));
      for (const at of [1, 2, 3]) {
        await appendEvent(store.db, { tenantId: t, occurrenceId: o.id, type: 'created', toStatus: 'pending', actor: BOB, at });
      }
      const ids = (await listEvents(store.db, { occurrenceId: o.id })).map((e) => e.id);
      expect(ids).toHaveLength(3);
      expect(ids.every((id) => typeof id === 'number')).toBe(true);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(new Set(ids).size).toBe(3);
      await expect(
        appendEvent(store.db, { tenantId: t, occurrenceId: 'no-such-occurrence', type: 'created', toStatus: 'pending', actor: BOB, at: 4 }),
        // Not toThrow(): better-sqlite3's native part keeps the SqliteError class of the first test file that loaded
        // it, which is no Error of this file's realm when jest runs several files in one process.
      ).rejects.toMatchObject({ message: expect.stringMatching(/foreign key/i) });
    });
  });

  describe('occurrences', () => {
    it('insertOccurrenceIfAbsent inserts once per slot and reads back numbers', async () => {
      const t = freshTenant();
      const first = await insertOccurrenceIfAbsent(store.db, newOccurrence(t, { escalateAt: T0 + 4 * HOUR, startedByName: 'Carol', trigger: 'on-demand' }));
      expect(first).toMatchObject({
        tenantId: t,
        scheduledAt: T0,
        dueAt: T0 + 2 * HOUR,
        escalateAt: T0 + 4 * HOUR,
        trigger: 'on-demand',
        state: 'open',
        createdAt: T0,
        startedByName: 'Carol',
      });
      expect(typeof first!.scheduledAt).toBe('number');
      expect(first!.postedAt).toBeUndefined();
      expect(first!.acknowledgedBy).toBeUndefined();

      const again = await insertOccurrenceIfAbsent(store.db, newOccurrence(t));
      expect(again).toBeUndefined();
      const otherSlot = await insertOccurrenceIfAbsent(store.db, newOccurrence(t, { scheduledAt: T0 + HOUR }));
      expect(otherSlot).toBeDefined();

      expect(await findOccurrence(store.db, t, first!.id)).toEqual(first);
      expect(await findOccurrence(store.db, 'another-tenant', first!.id)).toBeUndefined();
      expect(await findOccurrenceById(store.db, first!.id)).toEqual(first);
    });

    it('keeps where a holiday moved an occurrence from, as a number, and nothing for one that did not move', async () => {
      const t = freshTenant();
      const movedFrom = { at: T0 - 24 * HOUR, reason: 'National Foundation Day (substitute day)', reason_ko: '개천절 (대체공휴일)' };
      const moved = await insertOccurrenceIfAbsent(store.db, newOccurrence(t, { movedFrom }));
      expect((await findOccurrence(store.db, t, moved!.id))!.movedFrom).toEqual(movedFrom);
      const plain = await insertOccurrenceIfAbsent(store.db, newOccurrence(t, { scheduledAt: T0 + HOUR }));
      expect('movedFrom' in (await findOccurrence(store.db, t, plain!.id))!).toBe(false);
    });

    it('10 concurrent inserts of the same slot create exactly one row', async () => {
      const t = freshTenant();
      const results = await Promise.all(Array.from({ length: 10 }, () => insertOccurrenceIfAbsent(store.db, newOccurrence(t))));
      const winners = results.filter((r): r is Occurrence => r !== undefined);
      expect(winners).toHaveLength(1);
      const rows = await store.db.selectFrom('occurrences').select('id').where('tenant_id', '=', t).execute();
      expect(rows.map((r) => r.id)).toEqual([winners[0].id]);
    });

    it('concurrent inserts of the same slot from two replicas create exactly one row', async () => {
      const t = freshTenant();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => insertOccurrenceIfAbsent(i % 2 === 0 ? store.db : replica, newOccurrence(t))),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect(await countRows(store.db, t)).toBe(1);
    });

    it('updateOpenOccurrence lets exactly one of 10 concurrent "done" attempts win', async () => {
      const t = freshTenant();
      const o = await insert(store.db, newOccurrence(t));
      const attempts = Array.from({ length: 10 }, (_, i) =>
        updateOpenOccurrence(i % 2 === 0 ? store.db : replica, t, o.id, { state: 'done', closed_at: T0 + i, closed_user_id: `29:user-${i}`, closed_name: `User ${i}` }),
      );
      const winners = (await Promise.all(attempts)).filter((r): r is Occurrence => r !== undefined);
      expect(winners).toHaveLength(1);
      const [winner] = winners;
      expect(winner.state).toBe('done');
      const stored = await findOccurrence(store.db, t, o.id);
      expect(stored?.closedBy?.userId).toBe(winner.closedBy?.userId);
      expect(stored?.closedAt).toBe(winner.closedAt);
      // Closed is final.
      expect(await updateOpenOccurrence(store.db, t, o.id, { state: 'skipped' })).toBeUndefined();
    });

    it('updateOpenOccurrence honours its guards', async () => {
      const t = freshTenant();
      const o = await insert(store.db, newOccurrence(t));
      const ack = { ack_user_id: ALICE.userId, ack_aad_id: ALICE.aadObjectId, ack_name: ALICE.name, acknowledged_at: T0 + 1 };
      const acked = await updateOpenOccurrence(store.db, t, o.id, ack, { acknowledgedBy: null });
      expect(acked?.acknowledgedBy).toEqual(ALICE);
      // Someone else cannot take it over; the same person may acknowledge again.
      expect(await updateOpenOccurrence(store.db, t, o.id, { ack_user_id: BOB.userId, ack_name: BOB.name }, { acknowledgedBy: null })).toBeUndefined();
      expect(await updateOpenOccurrence(store.db, t, o.id, { ack_user_id: BOB.userId, ack_name: BOB.name }, { acknowledgedBy: BOB.userId })).toBeUndefined();
      expect(await updateOpenOccurrence(store.db, t, o.id, { acknowledged_at: T0 + 2 }, { acknowledgedBy: ALICE.userId })).toMatchObject({ acknowledgedAt: T0 + 2 });

      expect(await updateOpenOccurrence(store.db, t, o.id, { overdue_at: T0 + 3 }, { overdueUnset: true })).toMatchObject({ overdueAt: T0 + 3 });
      expect(await updateOpenOccurrence(store.db, t, o.id, { overdue_at: T0 + 4 }, { overdueUnset: true })).toBeUndefined();
      expect(await updateOpenOccurrence(store.db, t, o.id, { escalated_at: T0 + 5 }, { escalatedUnset: true })).toMatchObject({ escalatedAt: T0 + 5 });
      expect(await updateOpenOccurrence(store.db, t, o.id, { escalated_at: T0 + 6 }, { escalatedUnset: true })).toBeUndefined();

      await updateOpenOccurrence(store.db, t, o.id, { snoozed_until: T0 + HOUR, snoozed_by_name: 'Alice' });
      expect(await updateOpenOccurrence(store.db, t, o.id, { snoozed_until: null }, { snoozedUntilAtMost: T0 + HOUR - 1 })).toBeUndefined();
      expect(await updateOpenOccurrence(store.db, t, o.id, { snoozed_until: null }, { snoozedUntilAtMost: T0 + HOUR })).toMatchObject({ snoozedByName: 'Alice' });
      expect((await findOccurrence(store.db, t, o.id))?.snoozedUntil).toBeUndefined();
      // Wrong tenant: no row.
      expect(await updateOpenOccurrence(store.db, 'another-tenant', o.id, { close_note: 'x' })).toBeUndefined();
    });

    it('recordPosted keeps the first post only', async () => {
      const t = freshTenant();
      const o = await insert(store.db, newOccurrence(t));
      const where = { conversationId: '19:c;messageid=1', activityId: '1', serviceUrl: 'https://smba.example/' };
      expect(await recordPosted(store.db, o.id, T0 + 10, where)).toMatchObject({ postedAt: T0 + 10, postedActivityId: '1', postedServiceUrl: where.serviceUrl });
      expect(await recordPosted(replica, o.id, T0 + 20, { ...where, activityId: '2' })).toBeUndefined();
      expect((await findOccurrence(store.db, t, o.id))?.postedActivityId).toBe('1');
    });

    it('finds snoozes ended, newly overdue and escalations due', async () => {
      const t = freshTenant();
      const now = T0 + 3 * HOUR;
      const overdue = await insert(store.db, newOccurrence(t, { dueAt: now - 1 }));
      await insert(store.db, newOccurrence(t, { dueAt: now + 1, scheduledAt: T0 + 1 }));
      const alreadyOverdue = await insert(store.db, newOccurrence(t, { dueAt: now - 2, scheduledAt: T0 + 2 }));
      await updateOpenOccurrence(store.db, t, alreadyOverdue.id, { overdue_at: now - 1 });
      const snoozed = await insert(store.db, newOccurrence(t, { dueAt: now - 3, scheduledAt: T0 + 3 }));
      await updateOpenOccurrence(store.db, t, snoozed.id, { snoozed_until: now });
      const snoozedLonger = await insert(store.db, newOccurrence(t, { dueAt: now - 3, scheduledAt: T0 + 4 }));
      await updateOpenOccurrence(store.db, t, snoozedLonger.id, { snoozed_until: now + 1 });
      const escalate = await insert(store.db, newOccurrence(t, { dueAt: now + HOUR, escalateAt: now, scheduledAt: T0 + 5 }));
      const done = await insert(store.db, newOccurrence(t, { dueAt: now - 5, escalateAt: now - 5, scheduledAt: T0 + 6 }));
      await updateOpenOccurrence(store.db, t, done.id, { state: 'done', closed_at: now - 4 });

      const mine = (list: Occurrence[]) => list.filter((o) => o.tenantId === t).map((o) => o.id);
      expect(mine(await findNewlyOverdue(store.db, now))).toEqual([overdue.id]);
      expect(mine(await findSnoozesEnded(store.db, now))).toEqual([snoozed.id]);
      expect(mine(await findToEscalate(store.db, now))).toEqual([escalate.id]);
    });

    it('lists open work, statistics, unposted and scheduled occurrences of a team', async () => {
      const t = freshTenant();
      const a = await insert(store.db, newOccurrence(t, { dueAt: T0 + 3 }));
      const b = await insert(store.db, newOccurrence(t, { dueAt: T0 + 1, scheduledAt: T0 + 1 }));
      const c = await insert(store.db, newOccurrence(t, { teamId: 'tier2', dueAt: T0 + 2, scheduledAt: T0 + 2 }));
      const d = await insert(store.db, newOccurrence(t, { dueAt: T0 + 4, scheduledAt: T0 + 3 }));
      await updateOpenOccurrence(store.db, t, a.id, { ack_user_id: BOB.userId, ack_name: BOB.name, overdue_at: T0 + 10 });
      await updateOpenOccurrence(store.db, t, d.id, { state: 'done', closed_at: T0 + 20 });
      await recordPosted(store.db, b.id, T0 + 5, { conversationId: 'c', activityId: 'm', serviceUrl: 's' });

      const ids = (list: Occurrence[]) => list.map((o) => o.id);
      expect(ids(await listOpenOccurrences(store.db, t))).toEqual([b.id, c.id, a.id]);
      expect(ids(await listOpenOccurrences(store.db, t, { teamId: 'tier1' }))).toEqual([b.id, a.id]);
      expect(ids(await listOpenOccurrences(store.db, t, { acknowledgedByUserId: BOB.userId }))).toEqual([a.id]);
      expect(ids(await listOpenOccurrences(store.db, t, { overdueOnly: true }))).toEqual([a.id]);

      expect(ids(await listForStats(store.db, t, 'tier1', T0 + 1, T0 + 4)).sort()).toEqual([a.id, b.id].sort());
      expect(ids(await listForStats(store.db, t, undefined, T0, T0 + 5)).sort()).toEqual([a.id, b.id, c.id, d.id].sort());

      const done = await countDoneSince(store.db, t, 'tier1', T0 + 20);
      expect(done).toBe(1);
      expect(typeof done).toBe('number');
      expect(await countDoneSince(store.db, t, 'tier1', T0 + 21)).toBe(0);

      expect(ids(await listUnposted(store.db, t, 'tier1'))).toEqual([a.id]);
      expect(ids(await listScheduledBetween(store.db, t, 'tier1', T0, T0 + 2)).sort()).toEqual([a.id, b.id].sort());
    });

    it('counts occurrences, as numbers', async () => {
      const before = await countOccurrences(store.db);
      const openBefore = await countOccurrences(store.db, { state: 'open' });
      const t = freshTenant();
      await insert(store.db, newOccurrence(t));
      const closed = await insert(store.db, newOccurrence(t, { scheduledAt: T0 + 1 }));
      await updateOpenOccurrence(store.db, t, closed.id, { state: 'skipped', closed_at: T0 });
      expect(await countOccurrences(store.db)).toBe(before + 2);
      expect(await countOccurrences(store.db, { state: 'open' })).toBe(openBefore + 1);
    });
  });

  describe('events', () => {
    it('append and list in id order, filtered by time, tenant and occurrence', async () => {
      const t = freshTenant();
      const o = await insert(store.db, newOccurrence(t));
      const other = await insert(store.db, newOccurrence(t, { scheduledAt: T0 + 1 }));
      await appendEvent(store.db, { tenantId: t, occurrenceId: o.id, type: 'created', toStatus: 'pending', actor: BOB, at: T0 + 100 });
      await appendEvent(store.db, { tenantId: t, occurrenceId: o.id, type: 'acknowledged', fromStatus: 'posted', toStatus: 'acknowledged', actor: ALICE, note: 'on it', at: T0 + 300 });
      // Clocks of replicas differ a little: id order is the order of record, not `at`.
      await appendEvent(replica, { tenantId: t, occurrenceId: o.id, type: 'done', fromStatus: 'acknowledged', toStatus: 'done', actor: ALICE, at: T0 + 200 });
      await appendEvent(store.db, { tenantId: t, occurrenceId: other.id, type: 'created', toStatus: 'pending', actor: BOB, at: T0 + 400 });

      const events = await listEvents(store.db, { occurrenceId: o.id });
      expect(events.map((e) => e.at)).toEqual([T0 + 100, T0 + 300, T0 + 200]);
      expect(events[0]).toMatchObject({ tenantId: t, occurrenceId: o.id, type: 'created', toStatus: 'pending', actor: BOB });
      expect(events[0].fromStatus).toBeUndefined();
      expect(events[0].note).toBeUndefined();
      expect(events[1]).toMatchObject({ fromStatus: 'posted', toStatus: 'acknowledged', actor: ALICE, note: 'on it' });

      expect((await listEvents(store.db, { occurrenceId: o.id, since: T0 + 200 })).map((e) => e.type)).toEqual(['acknowledged', 'done']);
      expect((await listEvents(store.db, { tenantId: t, since: T0 + 250 })).map((e) => e.at)).toEqual([T0 + 300, T0 + 400]);
      expect((await listEvents(store.db, { tenantId: t })).map((e) => e.occurrenceId)).toEqual([o.id, o.id, o.id, other.id]);
      expect(await listEvents(store.db, { tenantId: t, since: T0 + 401 })).toEqual([]);
    });
  });

  describe('bindings and installations', () => {
    const binding = (tenantId: string, socTeamId: string, channelId: string, boundAt: number) => ({
      tenantId,
      socTeamId,
      teamsTeamId: '19:team',
      channelId,
      channelName: `name of ${channelId}`,
      serviceUrl: 'https://smba.example/emea/',
      botId: '28:bot',
      boundAt,
      boundByName: 'Alice',
    });

    it('upsert, move, deactivate, reactivate and delete bindings', async () => {
      const t = freshTenant();
      expect(await upsertBinding(store.db, binding(t, 'tier1', '19:c1', T0))).toBeUndefined();
      expect(await findBinding(store.db, t, 'tier1')).toEqual({ ...binding(t, 'tier1', '19:c1', T0), active: true, inactiveReason: undefined });

      const previous = await upsertBinding(store.db, binding(t, 'tier1', '19:c2', T0 + 1));
      expect(previous).toMatchObject({ channelId: '19:c1', boundAt: T0 });
      expect(await findBinding(store.db, t, 'tier1')).toMatchObject({ channelId: '19:c2', boundAt: T0 + 1, active: true });
      await upsertBinding(store.db, binding(t, 'tier2', '19:c2', T0 + 2));
      await upsertBinding(store.db, binding(t, 'oversight', '19:c3', T0 + 3));
      await upsertBinding(store.db, binding(freshTenant(), 'tier1', '19:c2', T0 + 4));

      expect((await listBindings(store.db, t)).map((b) => b.socTeamId)).toEqual(['oversight', 'tier1', 'tier2']);
      expect((await listBindingsOfChannel(store.db, t, '19:c2')).map((b) => b.socTeamId)).toEqual(['tier1', 'tier2']);

      expect(await deactivateBindings(store.db, t, { channelId: '19:c2' }, 'conversation not found')).toBe(2);
      expect(await findBinding(store.db, t, 'tier2')).toMatchObject({ active: false, inactiveReason: 'conversation not found' });
      expect(await findBinding(store.db, t, 'oversight')).toMatchObject({ active: true });
      expect(await deactivateBindings(store.db, t, { teamsTeamId: '19:team' }, 'bot removed')).toBe(3);
      expect(await deactivateBindings(store.db, t, { channelId: '19:nowhere' }, 'x')).toBe(0);

      await upsertBinding(store.db, binding(t, 'tier2', '19:c2', T0 + 5));
      expect(await findBinding(store.db, t, 'tier2')).toMatchObject({ active: true, inactiveReason: undefined, boundAt: T0 + 5 });

      const deleted = await deleteBindingsOfChannel(store.db, t, '19:c2');
      expect(deleted.map((b) => b.socTeamId)).toEqual(['tier1', 'tier2']);
      expect((await listBindings(store.db, t)).map((b) => b.socTeamId)).toEqual(['oversight']);
      expect(await findBinding(store.db, t, 'tier1')).toBeUndefined();
    });

    it('upsert, remove and reinstall installations', async () => {
      const t = freshTenant();
      const install = { tenantId: t, conversationId: '19:team', scope: 'team', serviceUrl: 'https://smba.example/emea/', botId: '28:bot', name: 'SOC', installedAt: T0 };
      expect(await findInstallation(store.db, t, '19:team')).toBeUndefined();
      await upsertInstallation(store.db, install);
      expect(await findInstallation(store.db, t, '19:team')).toEqual({ ...install, active: true });
      await markInstallationRemoved(store.db, t, '19:team', T0 + 1);
      expect(await findInstallation(store.db, t, '19:team')).toMatchObject({ active: false });
      await upsertInstallation(replica, { ...install, serviceUrl: 'https://smba.example/amer/', name: undefined, installedAt: T0 + 2 });
      expect(await findInstallation(store.db, t, '19:team')).toEqual({ ...install, serviceUrl: 'https://smba.example/amer/', name: undefined, installedAt: T0 + 2, active: true });
    });
  });

  describe('tenants and checkpoints', () => {
    it('remember a tenant once, with the first time seen', async () => {
      const t = freshTenant();
      await rememberTenant(store.db, t, T0 + 100);
      await Promise.all([rememberTenant(store.db, t, T0 + 50), rememberTenant(replica, t, T0 + 200)]);
      const mine = (await listTenants(store.db)).filter((x) => x.tenantId === t);
      expect(mine).toEqual([{ tenantId: t, firstSeenAt: T0 + 100 }]);
      const all = (await listTenants(store.db)).map((x) => x.tenantId);
      expect(all).toEqual([...all].sort());
    });

    it('advanceCheckpoint never moves the checkpoint back', async () => {
      const name = `scheduler-${++uniq}`;
      expect(await readCheckpoint(store.db, name)).toBeUndefined();
      await advanceCheckpoint(store.db, name, T0);
      expect(await readCheckpoint(store.db, name)).toBe(T0);
      await advanceCheckpoint(store.db, name, T0 - 1);
      expect(await readCheckpoint(store.db, name)).toBe(T0);
      await advanceCheckpoint(store.db, name, T0 + 1);
      expect(await readCheckpoint(store.db, name)).toBe(T0 + 1);
    });

    it('concurrent advances from two replicas end at the latest', async () => {
      const name = `scheduler-${++uniq}`;
      const times = [5, 9, 1, 7, 3, 8, 2, 6, 4, 0].map((i) => T0 + i * 1000);
      await Promise.all(times.map((at, i) => advanceCheckpoint(i % 2 === 0 ? store.db : replica, name, at)));
      expect(await readCheckpoint(store.db, name)).toBe(T0 + 9000);
    });

    it('claimCheckpoint lets exactly one of 10 concurrent claims of a slot win, across two replicas', async () => {
      const name = `digest-${++uniq}`;
      const slot = T0 + HOUR;
      expect(await claimCheckpoint(store.db, name, slot, slot)).toBe(false); // no checkpoint yet: nothing to claim
      await advanceCheckpoint(store.db, name, T0);
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => claimCheckpoint(i % 2 === 0 ? store.db : replica, name, slot, slot + 1000 + i)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      // The checkpoint is the winner's time, and the slot stays taken: a later claim of it loses, however late.
      expect(await readCheckpoint(store.db, name)).toBe(slot + 1000 + claims.indexOf(true));
      expect(await claimCheckpoint(replica, name, slot, slot + HOUR)).toBe(false);
      // The next slot is free, and a claim never moves the checkpoint back.
      expect(await claimCheckpoint(replica, name, slot + HOUR, slot + HOUR)).toBe(true);
      expect(await claimCheckpoint(store.db, name, slot + 500, slot + 500)).toBe(false);
      expect(await readCheckpoint(store.db, name)).toBe(slot + HOUR);
      await expect(claimCheckpoint(store.db, name, slot + 2 * HOUR, slot)).rejects.toThrow(RangeError);
    });

    it('a claim rolled back with its transaction leaves the slot to the next caller', async () => {
      const name = `digest-${++uniq}`;
      await advanceCheckpoint(store.db, name, T0);
      await expect(
        store.db.transaction().execute(async (trx) => {
          expect(await claimCheckpoint(trx, name, T0 + HOUR, T0 + HOUR)).toBe(true);
          throw new Error('crashed before the posts were written');
        }),
      ).rejects.toThrow(/crashed/);
      expect(await readCheckpoint(store.db, name)).toBe(T0);
      expect(await claimCheckpoint(replica, name, T0 + HOUR, T0 + HOUR + 1)).toBe(true);
    });
  });

  describe('outbox', () => {
    const LEASE = 60_000;
    beforeEach(async () => {
      await store.db.deleteFrom('outbox').execute();
    });

    const put = (conversationKey: string, n: number, at = T0, tenantId = 'tenant-outbox') =>
      enqueue(store.db, { tenantId, conversationKey, kind: 'reminder.post', occurrenceId: `occ-${n}`, payload: JSON.stringify({ n, text: 'héllo "quoted"' }), at });
    // The repository keeps the payload as the text it was given (outbox-message.ts owns what it means).
    const nOf = (item: OutboxItem): unknown => JSON.parse(item.payload).n;
    const ns = (items: OutboxItem[]) => items.map(nOf);

    it('enqueues pending items and lists them in id order', async () => {
      await put('k1', 1);
      await put('k2', 2, T0 + 5);
      const items = await listOutbox(store.db);
      expect(items).toHaveLength(2);
      expect(items[0]).toMatchObject({
        tenantId: 'tenant-outbox',
        conversationKey: 'k1',
        kind: 'reminder.post',
        occurrenceId: 'occ-1',
        payload: JSON.stringify({ n: 1, text: 'héllo "quoted"' }),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        createdAt: T0,
      });
      expect(items[0].leaseOwner).toBeUndefined();
      expect(items[0].sentAt).toBeUndefined();
      expect(items[1].id).toBeGreaterThan(items[0].id);
      expect(ns(await listOutbox(store.db, { limit: 1 }))).toEqual([1]);
      expect(await listOutbox(store.db, { status: ['sent'] })).toEqual([]);
      expect(await listOutbox(store.db, { status: [] })).toEqual([]);
    });

    it('claimDue returns only the head of each conversation, and only when due', async () => {
      await put('k1', 1);
      await put('k1', 2);
      await put('k2', 3);
      await put('k3', 4, T0 + 10_000);
      await put('k3', 5);

      const claimed = await claimDue(store.db, 'w1', T0, LEASE, 10);
      expect(ns(claimed)).toEqual([1, 3]);
      for (const item of claimed) expect(item).toMatchObject({ status: 'sending', leaseOwner: 'w1', attempts: 1 });
      // Heads in flight (or not yet due) hold back the rest of their conversation.
      expect(await claimDue(replica, 'w2', T0, LEASE, 10)).toEqual([]);

      expect(await markSent(store.db, claimed[0].id, 'w1', T0 + 1)).toBe(true);
      expect(ns(await claimDue(replica, 'w2', T0 + 2, LEASE, 10))).toEqual([2]);
      expect(ns(await claimDue(replica, 'w2', T0 + 10_000, LEASE, 10))).toEqual([4]);
    });

    it('claimDue takes at most `limit` items, oldest first', async () => {
      for (let n = 1; n <= 5; n++) await put(`k${n}`, n);
      expect(ns(await claimDue(store.db, 'w1', T0, LEASE, 2))).toEqual([1, 2]);
      expect(ns(await claimDue(store.db, 'w1', T0, LEASE, 2))).toEqual([3, 4]);
    });

    it('claimDue works inside a caller’s transaction and rolls back with it', async () => {
      await put('k1', 1);
      const inside = await store.db.transaction().execute((trx) => claimDue(trx, 'w1', T0, LEASE, 10));
      expect(ns(inside)).toEqual([1]);
      await put('k2', 2);
      await expect(
        store.db.transaction().execute(async (trx) => {
          expect(ns(await claimDue(trx, 'w1', T0, LEASE, 10))).toEqual([2]);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect((await listOutbox(store.db)).map((i) => i.status)).toEqual(['sending', 'pending']);
    });

    it('an expired lease makes the item claimable again, and only the new owner can finish it', async () => {
      await put('k1', 1);
      await put('k1', 2);
      const [item] = await claimDue(store.db, 'w1', T0, 1000, 10);
      expect(await claimDue(replica, 'w2', T0 + 999, 1000, 10)).toEqual([]);
      expect(await claimDue(replica, 'w2', T0 + 1000, 1000, 10)).toEqual([]);
      const retaken = await claimDue(replica, 'w2', T0 + 1001, 1000, 10);
      expect(retaken).toHaveLength(1);
      expect(retaken[0]).toMatchObject({ id: item.id, leaseOwner: 'w2', attempts: 2, status: 'sending' });

      expect(await markSent(store.db, item.id, 'w1', T0 + 1002)).toBe(false);
      expect((await listOutbox(store.db))[0]).toMatchObject({ status: 'sending', leaseOwner: 'w2' });
      expect(await markSent(replica, item.id, 'w2', T0 + 1003)).toBe(true);
      expect(await markSent(replica, item.id, 'w2', T0 + 1004)).toBe(false);
      const [sent, next] = await listOutbox(store.db);
      expect(sent).toMatchObject({ status: 'sent', sentAt: T0 + 1003 });
      expect(sent.leaseOwner).toBeUndefined();
      expect(next.status).toBe('pending');
    });

    it('markRetry puts the item back for later; releaseClaim gives it back without counting the attempt', async () => {
      await put('k1', 1);
      const [item] = await claimDue(store.db, 'w1', T0, LEASE, 10);
      await markRetry(store.db, item.id, 'someone-else', T0 + 1, T0 + 5000, 'not mine');
      expect((await listOutbox(store.db))[0]).toMatchObject({ status: 'sending', leaseOwner: 'w1' });
      await markRetry(store.db, item.id, 'w1', T0 + 1, T0 + 5000, 'transient 503');
      expect((await listOutbox(store.db))[0]).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 5000, lastError: 'transient 503', attempts: 1 });
      expect(await claimDue(store.db, 'w1', T0 + 4999, LEASE, 10)).toEqual([]);
      const [again] = await claimDue(store.db, 'w1', T0 + 5000, LEASE, 10);
      expect(again).toMatchObject({ id: item.id, attempts: 2 });

      await releaseClaim(store.db, item.id, 'w1', T0 + 5001, T0 + 6000);
      expect((await listOutbox(store.db))[0]).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 6000 });
    });

    it('markDead, outboxDepth and requeueDead', async () => {
      expect(await outboxDepth(store.db)).toEqual({ pending: 0, dead: 0, oldestPendingAt: undefined });
      await put('k1', 1, T0);
      await put('k1', 2, T0 + 10);
      await put('k2', 3, T0 + 20);
      await put('k3', 4, T0 + 30);
      const [first] = await claimDue(store.db, 'w1', T0 + 30, LEASE, 1);
      expect(nOf(first)).toBe(1);

      await markDead(store.db, first.id, 'w2', T0 + 31, 'not the owner');
      expect((await listOutbox(store.db))[0].status).toBe('sending');
      await markDead(store.db, first.id, 'w1', T0 + 31, '403 bot blocked');
      // A dead head no longer holds back its conversation.
      expect(ns(await claimDue(store.db, 'w1', T0 + 32, LEASE, 1))).toEqual([2]);
      const pending = await listOutbox(store.db, { status: ['pending'] });
      await markDead(store.db, pending[0].id, undefined, T0 + 33, 'gave up');

      expect(await outboxDepth(store.db)).toEqual({ pending: 2, dead: 2, oldestPendingAt: T0 + 10 });
      const dead = await listOutbox(store.db, { status: ['dead'] });
      expect(dead.map((i) => i.lastError)).toEqual(['403 bot blocked', 'gave up']);

      expect(await requeueDead(store.db, T0 + 40, dead[1].id)).toBe(1);
      expect((await listOutbox(store.db, { status: ['pending'] })).find((i) => i.id === dead[1].id)).toMatchObject({ attempts: 0, nextAttemptAt: T0 + 40 });
      expect(await requeueDead(store.db, T0 + 41)).toBe(1);
      expect(await requeueDead(store.db, T0 + 42)).toBe(0);
      expect(await outboxDepth(store.db)).toEqual({ pending: 4, dead: 0, oldestPendingAt: T0 });
    });

    it('an item with a singleton key is added once, ever; items without one are unaffected', async () => {
      const key = singletonKey.digest('tenant-outbox', T0);
      const item = (n: number, over: { singletonKey?: string } = {}) => ({ tenantId: 'tenant-outbox', conversationKey: 'chan', kind: 'digest.post' as const, payload: JSON.stringify({ n }), at: T0, ...over });
      expect(await enqueue(store.db, item(1, { singletonKey: key }))).toBe(true);
      expect(await enqueue(replica, item(2, { singletonKey: key }))).toBe(false);
      // In one statement: the taken key and a key listed twice are left out, the rest is added in order.
      const other = singletonKey.escalation('occ-1');
      expect(await enqueueMany(store.db, [item(3, { singletonKey: key }), item(4, { singletonKey: other }), item(5), item(6, { singletonKey: other }), item(7)])).toBe(3);
      expect((await listOutbox(store.db)).map((i) => [nOf(i), i.singletonKey])).toEqual([
        [1, key],
        [4, other],
        [5, undefined],
        [7, undefined],
      ]);
      // Sent (or dead) is still there: the key keeps the period taken after delivery.
      const [claimed] = await claimDue(store.db, 'w', T0, LEASE, 1);
      expect(await markSent(store.db, claimed.id, 'w', T0)).toBe(true);
      expect(await enqueue(store.db, item(8, { singletonKey: key }))).toBe(false);
    });

    it('10 concurrent enqueues of one singleton key from two replicas, in transactions, leave one row', async () => {
      const key = singletonKey.overdueNudge('occ-race');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? store.db : replica).transaction().execute((trx) => enqueue(trx, { tenantId: 't', conversationKey: 'occ:race', kind: 'reminder.nudge', payload: JSON.stringify({ i }), at: T0, singletonKey: key })),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await listOutbox(store.db)).map((item) => JSON.parse(item.payload).i)).toEqual([results.indexOf(true)]);
    });

    it('two replicas racing over 100 items never claim one twice, claim every head, and deliver in order', async () => {
      const KEYS = 40;
      for (let n = 0; n < 100; n++) await put(`key-${n % KEYS}`, n);
      const all = await listOutbox(store.db);
      const heads = new Set(all.filter((i) => (nOf(i) as number) < KEYS).map((i) => i.id));

      // Phase 1: claim without sending until nothing is left to claim.
      const claimedBy = new Map<number, string>();
      const duplicates: number[] = [];
      const claimUntilEmpty = async (db: Kysely<Database>, owner: string) => {
        for (;;) {
          const items = await claimDue(db, owner, T0, LEASE, 3);
          if (items.length === 0) return;
          for (const i of items) {
            if (claimedBy.has(i.id)) duplicates.push(i.id);
            claimedBy.set(i.id, owner);
          }
        }
      };
      await Promise.all([claimUntilEmpty(store.db, 'a1'), claimUntilEmpty(store.db, 'a2'), claimUntilEmpty(replica, 'b1'), claimUntilEmpty(replica, 'b2')]);
      expect(duplicates).toEqual([]);
      expect(new Set(claimedBy.keys())).toEqual(heads);
      expect(new Set(claimedBy.values()).size).toBeGreaterThan(1);
      expect(await claimDue(store.db, 'late', T0, LEASE, 100)).toEqual([]);

      // Phase 2: deliver everything; every claim is sent by its owner exactly once.
      for (const [id, owner] of claimedBy) expect(await markSent(store.db, id, owner, T0)).toBe(true);
      let clock = T0;
      let sent = claimedBy.size;
      const deliver = async (db: Kysely<Database>, owner: string) => {
        for (let idle = 0; sent < 100; ) {
          const items = await claimDue(db, owner, T0, LEASE, 3);
          if (items.length === 0) {
            if (++idle > 10_000) throw new Error(`${owner} found nothing to claim with ${sent} of 100 sent`);
            await new Promise((resolve) => setImmediate(resolve));
            continue;
          }
          for (const item of items) {
            expect(await markSent(db, item.id, owner, ++clock)).toBe(true);
            sent++;
          }
        }
      };
      await Promise.all([deliver(store.db, 'a1'), deliver(replica, 'b1')]);

      const final = await listOutbox(store.db);
      expect(final.filter((i) => i.status === 'sent')).toHaveLength(100);
      // Within a conversation, items went out in id order.
      const byKey = new Map<string, OutboxItem[]>();
      for (const item of final) byKey.set(item.conversationKey, [...(byKey.get(item.conversationKey) ?? []), item]);
      for (const items of byKey.values()) {
        const sentAts = items.map((i) => i.sentAt!);
        expect(sentAts).toEqual([...sentAts].sort((a, b) => a - b));
      }
    });
  });
});

/** PostgreSQL-only behaviour; the dialect list was chosen when the support module loaded. */
if (DIALECTS.includes('postgres')) {
  describe('postgres connections', () => {
    it('a store survives the server ending its idle connections', async () => {
      const database = await createTestDatabase('postgres');
      const errors: Error[] = [];
      const st = await openStore(database.location, { onConnectionError: (err) => errors.push(err) });
      const killer = new Client({ connectionString: database.location.target });
      try {
        // Several idle connections in the pool.
        await Promise.all(Array.from({ length: 3 }, () => sql`select pg_sleep(0.01)`.execute(st.db)));
        await killer.connect();
        const killed = await killer.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
        expect(killed.rowCount).toBeGreaterThanOrEqual(3);
        // The errors arrive as events on the idle connections; wait for them rather than for a fixed time.
        for (const deadline = Date.now() + 5000; errors.length < 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
        expect(errors.length).toBeGreaterThanOrEqual(3);
        expect(await countOccurrences(st.db)).toBe(0);
      } finally {
        await killer.end();
        await st.close();
        await database.drop();
      }
    });
  });
}

/** Runs a statement outside the store (no migrations), e.g. to put an obstacle in a fresh database. */
async function execRaw(location: StoreLocation, statement: string): Promise<void> {
  if (location.dialect === 'sqlite') {
    const db = new SqliteDatabase(location.target);
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
    return;
  }
  const client = new Client({ connectionString: location.target });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function tablesOf(location: StoreLocation): Promise<string[]> {
  if (location.dialect === 'sqlite') {
    const db = new SqliteDatabase(location.target, { readonly: true });
    try {
      return (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name").all() as { name: string }[]).map((r) => r.name);
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: location.target });
  await client.connect();
  try {
    const res = await client.query<{ name: string }>("select table_name as name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely_%' order by 1");
    return res.rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

async function countRows(db: Kysely<Database>, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('occurrences')
    .select((eb) => eb.fn.countAll<number | string>().as('c'))
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return Number(row.c);
}

describe('the outbox claim on SQLite', () => {
  it('answers "nothing due" without waiting for the write lock another process holds, and claims once it is free', async () => {
    const database = await createTestDatabase('sqlite');
    const store = await openStore(database.location);
    // The CLI (or a second process) in a write transaction: a claim that had to BEGIN IMMEDIATE would wait for it.
    const other = new SqliteDatabase(database.location.target);
    try {
      await enqueue(store.db, { tenantId: 't', conversationKey: 'k', kind: 'reminder.post', occurrenceId: 'occ', payload: '{}', at: T0 + 60_000 });
      other.exec('begin immediate');
      // A claim in a transaction would wait busy_timeout (10 s, past the test's timeout) and then fail with SQLITE_BUSY.
      expect(await claimDue(store.db, 'w', T0, 60_000, 10)).toEqual([]);
      other.exec('commit');
      expect((await claimDue(store.db, 'w', T0 + 60_000, 60_000, 10)).map((i) => i.occurrenceId)).toEqual(['occ']);
    } finally {
      other.close();
      await store.close();
      await database.drop();
    }
  });
});
