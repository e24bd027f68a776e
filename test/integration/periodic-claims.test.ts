/**
 * Every periodic job acts once, whatever the number of replicas (README, "Running several replicas": "exactly
 * one replica acts on each"). Replicas with stores of their own run their heartbeat work at the same moment, as
 * they do in production (every replica's heartbeat fires at the same `*\/30` second), over four days of fire
 * times, snooze ends, overdue and escalation times and hourly digests. Then the outbox and the event log must hold
 * each card, nudge, escalation and digest exactly once per tenant and period.
 *
 * Three setups: three app instances in this process on one PostgreSQL (a pool each: real races between
 * connections, with every replica's first read in flight before any write lands); the same as three processes;
 * two processes on one SQLite file (SQLite cannot be raced from one thread, see heartbeat-replicas.ts).
 */
import { ReminderService } from '../../src/reminders/reminder.service';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { openStore, type Store } from '../../src/storage/database';
import type { DialectName } from '../../src/storage/dialect';
import { rememberTenant } from '../../src/storage/scheduler-state.repository';
import { DIALECTS, createTestDatabase, openTestStore, type TestDatabase, type TestStore } from '../support/databases';
import { FakeClock, HOUR, MINUTE, SAME_CONVERSATION, SECOND, actor, bindTeam, makeEngine, simulatePost } from '../support/engine-fixtures';
import { appReplica, startProcessReplicas, type HeartbeatReplica, type HeartbeatResult, type ReplicaSetup } from '../support/heartbeat-replicas';

const TENANTS = ['tenant-contoso', 'tenant-fabrikam'] as const;
const DAYS = 4;
/** Monday 2026-03-02, 00:00 UTC. */
const DAY0 = Date.parse('2026-03-02T00:00:00Z');
const DAY = 24 * HOUR;

const SETUP: ReplicaSetup = {
  catalogYaml: `timezone: UTC
teams:
  - id: monitoring
    name: Monitoring
  - id: soc-oversight
    name: SOC Oversight
activities:
  - id: log-review
    title: Review the logs
    description: Every day at 09:00, for this test.
    teams: [monitoring]
    schedule: 0 9 * * *
    dueAfter: 2h
    escalateAfter: 1h
`,
  // An hourly digest: many digest periods (each one a chance for the replicas to race) in a few days.
  env: { SOC_TIMEZONE: 'UTC', SOC_DIGEST_CRON: '0 * * * *', SOC_CATCHUP: '24h' },
};

interface Case {
  readonly title: string;
  readonly dialect: DialectName;
  readonly replicas: number;
  readonly mode: 'in-process' | 'processes';
}

const CASES: readonly Case[] = [
  { title: 'three app instances on one PostgreSQL, a pool each', dialect: 'postgres', replicas: 3, mode: 'in-process' },
  { title: 'three processes on one PostgreSQL', dialect: 'postgres', replicas: 3, mode: 'processes' },
  { title: 'two processes on one SQLite file', dialect: 'sqlite', replicas: 2, mode: 'processes' },
];

/** What the test expects to find, counted as the scenario goes. */
interface Expected {
  posts: number;
  snoozeNudges: number;
  overdueNudges: number;
  escalations: number;
  digests: number;
  snoozedEvents: number;
  wokeEvents: number;
  overdueEvents: number;
  escalatedEvents: number;
}

describe.each(CASES.filter((c) => DIALECTS.includes(c.dialect)))('periodic jobs across replicas: $title', ({ dialect, replicas: count, mode }) => {
  /** The test's own view of the database, for user actions between heartbeats and for the counts. */
  let store: Store;
  let testStore: TestStore | undefined;
  let database: TestDatabase | undefined;
  let replicas: HeartbeatReplica[] = [];
  const clock = new FakeClock(DAY0);

  beforeAll(async () => {
    if (mode === 'in-process') {
      testStore = await openTestStore(dialect);
      store = testStore;
      for (let i = 0; i < count; i++) replicas.push(appReplica(await testStore.connect(), SETUP));
    } else {
      database = await createTestDatabase(dialect);
      store = await openStore(database.location);
      replicas = await startProcessReplicas(count, database.location.target, SETUP);
    }
    for (const tenantId of TENANTS) {
      await rememberTenant(store.db, tenantId, DAY0);
      await bindTeam(store.db, tenantId, 'monitoring', DAY0);
      await bindTeam(store.db, tenantId, 'soc-oversight', DAY0);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    if (testStore) await testStore.close();
    else {
      await store?.close();
      await database?.drop();
    }
  });

  let round = 0;
  /**
   * Every replica's heartbeat at `at`, concurrently. Each round another replica's clock is ahead by a few ms and
   * another one starts first, so over the rounds each gets to lead. Returns the sums over the replicas.
   */
  async function heartbeatAll(at: number): Promise<HeartbeatResult> {
    const r = round++;
    const results = await Promise.all(replicas.map((replica, i) => replica.heartbeat(at + ((i + r) % count) * 7, ((i + r) % count) * (r % 3))));
    return results.reduce((sum, x) => ({
      created: sum.created + x.created,
      woke: sum.woke + x.woke,
      overdue: sum.overdue + x.overdue,
      nudged: sum.nudged + x.nudged,
      escalated: sum.escalated + x.escalated,
      digests: sum.digests + x.digests,
    }));
  }

  async function occurrencesScheduledAt(at: number): Promise<{ id: string; tenantId: string }[]> {
    const rows = await store.db.selectFrom('occurrences').select(['id', 'tenant_id']).where('scheduled_at', '=', at).orderBy('tenant_id').execute();
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id }));
  }

  it('sends each card, nudge, escalation and digest exactly once per tenant and period', async () => {
    const people = new ReminderService({ db: store.db, catalog: parseCatalog(SETUP.catalogYaml, { defaultTimezone: 'UTC' }), clock });
    const expected: Expected = { posts: 0, snoozeNudges: 0, overdueNudges: 0, escalations: 0, digests: 0, snoozedEvents: 0, wokeEvents: 0, overdueEvents: 0, escalatedEvents: 0 };
    // Every round whose sums over the replicas differ from what one replica alone would do; asserted at the end,
    // so that a failure shows every round that went wrong, not only the first.
    const wrongRounds: string[] = [];
    let rounds = 0;
    let previous: number | undefined;
    /** One heartbeat of every replica at `at`; a digest is due when an hour began since the previous round. */
    const roundAt = async (label: string, at: number, want: Partial<HeartbeatResult> = {}) => {
      const digests = previous !== undefined && Math.floor(at / HOUR) > Math.floor(previous / HOUR) ? TENANTS.length : 0;
      previous = at;
      rounds++;
      expected.digests += digests;
      const full = { created: 0, woke: 0, overdue: 0, nudged: 0, escalated: 0, digests, ...want };
      const got = await heartbeatAll(at);
      if (JSON.stringify(got) !== JSON.stringify(full)) wrongRounds.push(`${label}: got ${JSON.stringify(got)}, want ${JSON.stringify(full)}`);
    };

    // The first heartbeat starts the scheduler's and the digest's checkpoints: nothing is due yet.
    await roundAt('first start', DAY0 + 8 * HOUR);

    for (let d = 0; d < DAYS; d++) {
      const day = DAY0 + d * DAY;
      const fire = day + 9 * HOUR;
      await roundAt(`day ${d} fire`, fire + 5 * SECOND, { created: TENANTS.length });
      expected.posts += TENANTS.length;
      const occurrences = await occurrencesScheduledAt(fire);
      expect(occurrences.map((o) => o.tenantId)).toEqual([...TENANTS]);
      for (const o of occurrences) await simulatePost(store.db, o.id, fire + 6 * SECOND);

      // Day 0: one tenant snoozes for an hour; day 1: both do; then nobody snoozes, and on day 2 one finishes in time.
      clock.set(fire + 10 * SECOND);
      const snoozers = d === 0 ? occurrences.slice(0, 1) : d === 1 ? occurrences : [];
      for (const o of snoozers) await people.snooze(o.tenantId, o.id, actor('Minji Kim'), 60, SAME_CONVERSATION);
      expected.snoozedEvents += snoozers.length;
      const finishers = d === 2 ? occurrences.slice(1) : [];
      for (const o of finishers) await people.complete(o.tenantId, o.id, actor('Alex Morgan'), undefined, SAME_CONVERSATION);
      const late = occurrences.length - finishers.length;

      await roundAt(`day ${d} snooze end`, fire + HOUR + 30 * SECOND, { woke: snoozers.length });
      await roundAt(`day ${d} snooze end, again`, fire + HOUR + MINUTE);
      expected.snoozeNudges += snoozers.length;
      expected.wokeEvents += snoozers.length;

      // Due two hours after firing, escalated one hour after that.
      await roundAt(`day ${d} overdue`, fire + 2 * HOUR + 30 * SECOND, { overdue: late });
      await roundAt(`day ${d} overdue, again`, fire + 2 * HOUR + MINUTE);
      expected.overdueNudges += late;
      expected.overdueEvents += late;
      await roundAt(`day ${d} escalation`, fire + 3 * HOUR + 30 * SECOND, { escalated: late });
      await roundAt(`day ${d} escalation, again`, fire + 3 * HOUR + MINUTE);
      expected.escalations += late;
      expected.escalatedEvents += late;

      // The rest of the day: the hourly digest, one per tenant, and nothing on the heartbeat after it.
      for (let h = 13; h < 24; h++) {
        await roundAt(`day ${d} ${h}:00 digest`, day + h * HOUR + 30 * SECOND);
        await roundAt(`day ${d} ${h}:00 digest, again`, day + h * HOUR + MINUTE);
      }
    }

    const outbox = await store.db.selectFrom('outbox').select(['kind', 'tenant_id', 'payload', 'occurrence_id']).execute();
    const rowsOf = (kind: string, pred: (payload: Record<string, unknown>) => boolean = () => true) =>
      outbox.filter((r) => r.kind === kind && pred(JSON.parse(r.payload) as Record<string, unknown>)).length;
    const events = await store.db.selectFrom('occurrence_events').select(['type', 'occurrence_id']).execute();
    const eventCount = (type: string) => events.filter((e) => e.type === type).length;
    const counts = {
      posts: rowsOf('reminder.post'),
      snoozeNudges: rowsOf('reminder.nudge', (p) => p.reason === 'snooze-ended'),
      overdueNudges: rowsOf('reminder.nudge', (p) => p.reason === 'overdue'),
      escalations: rowsOf('escalation.post'),
      digests: rowsOf('digest.post'),
      snoozedEvents: eventCount('snoozed'),
      wokeEvents: eventCount('woke'),
      overdueEvents: eventCount('overdue'),
      escalatedEvents: eventCount('escalated'),
    };
    // eslint-disable-next-line no-console
    console.info(`${count} replicas (${dialect}, ${mode}): ${rounds} rounds, outbox and events ${JSON.stringify(counts)}`);
    expect(wrongRounds).toEqual([]);
    expect(counts).toEqual(expected);
    // Per tenant and period, not only in total: one digest per tenant per hour, one escalation per occurrence.
    for (const tenantId of TENANTS) expect(outbox.filter((r) => r.kind === 'digest.post' && r.tenant_id === tenantId)).toHaveLength(expected.digests / TENANTS.length);
    const escalated = outbox.filter((r) => r.kind === 'escalation.post').map((r) => r.occurrence_id);
    expect(new Set(escalated).size).toBe(escalated.length);
  }, 90_000);
});

describe.each(DIALECTS)('claims and singleton keys on %s', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(() => store?.close());

  it('enqueues only for a won claim, and a second won claim of the same digest time adds no row', async () => {
    const at = DAY0 + 16 * HOUR;
    const service = new ReminderService({ db: store.db, catalog: parseCatalog(SETUP.catalogYaml, { defaultTimezone: 'UTC' }), clock: new FakeClock(at) });
    // Two tenants have SOC Oversight bound; a third has not, and gets no digest.
    for (const tenantId of TENANTS) await bindTeam(store.db, tenantId, 'soc-oversight', DAY0);
    const digests = [...TENANTS, 'tenant-unbound'].map((tenantId) => ({ tenantId, rows: [] }));
    const digestRows = async () => (await store.db.selectFrom('outbox').select(['tenant_id']).where('kind', '=', 'digest.post').orderBy('tenant_id').execute()).map((r) => r.tenant_id);

    expect(await service.enqueueDigests(at, at - 7 * DAY, digests, async () => false)).toBeUndefined();
    expect(await digestRows()).toEqual([]);
    expect(await service.enqueueDigests(at, at - 7 * DAY, digests, async () => true)).toBe(2);
    // A claim that should not have been won (a checkpoint moved back by hand, a bug): the singleton key holds.
    expect(await service.enqueueDigests(at, at - 7 * DAY, digests, async () => true)).toBe(0);
    expect(await digestRows()).toEqual([...TENANTS]);
    // The next digest time is a new period.
    expect(await service.enqueueDigests(at + DAY, at - 6 * DAY, digests, async () => true)).toBe(2);
    expect(await digestRows()).toEqual([TENANTS[0], TENANTS[0], TENANTS[1], TENANTS[1]]);
  });

  it('a task snoozed twice is nudged at each snooze end: the key is per snooze, not per task', async () => {
    const tenantId = 'tenant-snoozes';
    const catalog = parseCatalog(SETUP.catalogYaml, { defaultTimezone: 'UTC' });
    const clock = new FakeClock(DAY0 + 8 * HOUR);
    const { scheduler, service } = makeEngine({ store, catalog, clock, homeTenantId: tenantId });
    await rememberTenant(store.db, tenantId, DAY0);
    await bindTeam(store.db, tenantId, 'monitoring', DAY0);
    await scheduler.runDue();
    clock.set(DAY0 + 9 * HOUR + 5 * SECOND);
    await scheduler.runDue();
    const [task] = await store.db.selectFrom('occurrences').select('id').where('tenant_id', '=', tenantId).execute();
    await simulatePost(store.db, task.id, clock.now());
    for (let i = 0; i < 2; i++) {
      await service.snooze(tenantId, task.id, actor('Minji Kim'), 60, SAME_CONVERSATION);
      clock.advance(61 * MINUTE);
      expect((await service.processTimers()).woke).toBe(1);
    }
    const nudges = await store.db.selectFrom('outbox').select('payload').where('occurrence_id', '=', task.id).where('kind', '=', 'reminder.nudge').execute();
    // (The second wake-up, past the due time, also makes the task overdue: that nudge is another one.)
    expect(nudges.map((n) => JSON.parse(n.payload)).filter((p) => p.reason === 'snooze-ended')).toHaveLength(2);
  });
});
