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
import { BotHarness, CHANNELS, MINJI, cardText } from '../support/bot-harness';
import type { RecordedPost } from '../support/fake-bot-connector';

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

/**
 * Every replica's heartbeat at `at`, concurrently. Each round another replica's clock is ahead by a few ms and
 * another one starts first, so over the rounds each gets to lead. Returns the sums over the replicas.
 */
async function heartbeatRound(replicas: readonly HeartbeatReplica[], at: number, round: number): Promise<HeartbeatResult> {
  const count = replicas.length;
  const results = await Promise.all(replicas.map((replica, i) => replica.heartbeat(at + ((i + round) % count) * 7, ((i + round) % count) * (round % 3))));
  return results.reduce((sum, x) => ({
    created: sum.created + x.created,
    woke: sum.woke + x.woke,
    overdue: sum.overdue + x.overdue,
    nudged: sum.nudged + x.nudged,
    escalated: sum.escalated + x.escalated,
    digests: sum.digests + x.digests,
  }));
}

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
      // A minute to start (20 s timed out with the machine shared by other builds): the children build and migrate.
      replicas = await startProcessReplicas(count, database.location.target, SETUP, 60_000);
    }
    for (const tenantId of TENANTS) {
      await rememberTenant(store.db, tenantId, DAY0);
      await bindTeam(store.db, tenantId, 'monitoring', DAY0);
      await bindTeam(store.db, tenantId, 'soc-oversight', DAY0);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    if (testStore) await testStore.close();
    else {
      await store?.close();
      await database?.drop();
    }
  });

  let round = 0;
  function heartbeatAll(at: number): Promise<HeartbeatResult> {
    return heartbeatRound(replicas, at, round++);
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

/**
 * Issue 14's timers across replicas: repeat nudges, a four-step escalation chain (a team, a person, a team with no
 * channel, another team) and quiet hours that hold a nudge back, with every replica's heartbeat at the same
 * instants. A harness on the same database binds the channels through chat and delivers the outbox to the fake
 * Bot Connector between rounds, so what is counted is what Teams received, and the event log beside it.
 */
const CHAIN_SETUP: ReplicaSetup = {
  catalogYaml: `timezone: UTC
teams:
  - id: monitoring
    name: Monitoring
    quietHours: 10:55-11:05
  - id: secops
    name: SecOps
  - id: engineering
    name: Engineering
  - id: soc-oversight
    name: SOC Oversight
activities:
  - id: chain-review
    title: Review with a chain
    description: Every day at 09:00, for this test.
    teams: [monitoring, secops]
    schedule: 0 9 * * *
    dueAfter: 1h
    nudges: [30m, 1h, 90m]
    escalate:
      - { after: 20m, to: soc-oversight }
      - { after: 40m, to: { id: 7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f, name: Kim Minji } }
      - { after: 70m, to: engineering }
      - { after: 100m, to: secops }
`,
  env: { SOC_TIMEZONE: 'UTC', SOC_CATCHUP: '24h' },
};

const CHAIN_CASES = CASES.filter((c) => c.dialect === 'postgres' && DIALECTS.includes(c.dialect));

describe.each(CHAIN_CASES)('repeat nudges and the escalation chain across replicas: $title', ({ replicas: count, mode }) => {
  const CHAIN_DAYS = 2;
  let database: TestDatabase;
  let h: BotHarness;
  let replicas: HeartbeatReplica[] = [];
  const stores: Store[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    h = await new BotHarness({ start: DAY0 + 7 * HOUR, databaseUrl: database.location.target, catalogYaml: CHAIN_SETUP.catalogYaml, env: CHAIN_SETUP.env }).start();
    await h.install();
    await h.say('bind monitoring');
    await h.say('bind secops', { channel: CHANNELS.secops });
    await h.say('bind soc-oversight', { channel: CHANNELS.oversight });
    if (mode === 'in-process') {
      for (let i = 0; i < count; i++) {
        const store = await openStore(database.location);
        stores.push(store);
        replicas.push(appReplica(store, CHAIN_SETUP));
      }
    } else {
      // A minute to start: the children build and migrate while the rest of the suite runs on a shared machine.
      replicas = await startProcessReplicas(count, database.location.target, CHAIN_SETUP, 60_000);
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await Promise.all(stores.map((s) => s.close()));
    await h?.stop();
    await database?.drop();
  });

  it('delivers each nudge and each step of the chain once, and holds the nudge in quiet hours until they end', async () => {
    const wrongRounds: string[] = [];
    let round = 0;
    /** Every replica's heartbeat at `at`, then the harness delivers what they enqueued. */
    const roundAt = async (label: string, at: number, want: Partial<HeartbeatResult> = {}) => {
      const got = await heartbeatRound(replicas, at, round++);
      const full = { created: 0, woke: 0, overdue: 0, nudged: 0, escalated: 0, digests: 0, ...want };
      if (JSON.stringify(got) !== JSON.stringify(full)) wrongRounds.push(`${label}: got ${JSON.stringify(got)}, want ${JSON.stringify(full)}`);
      h.clock.set(at + count * 7);
      await h.deliver();
    };
    /** A round, and the same again a few seconds later: the second finds nothing to do. */
    const twice = async (label: string, at: number, want: Partial<HeartbeatResult>) => {
      await roundAt(label, at, want);
      await roundAt(`${label}, again`, at + 20 * SECOND);
    };

    await roundAt('first start', DAY0 + 8 * HOUR);
    for (let d = 0; d < CHAIN_DAYS; d++) {
      const fire = DAY0 + d * DAY + 9 * HOUR;
      const at = (minutes: number) => fire + minutes * MINUTE + 5 * SECOND;
      await twice(`day ${d} fire`, at(0), { created: 2 });
      await twice(`day ${d} due: overdue, no nudge yet`, at(60), { overdue: 2 });
      await twice(`day ${d} step 1, SOC Oversight`, at(80), { escalated: 2 });
      await twice(`day ${d} nudge 1`, at(90), { nudged: 2 });
      // SecOps' task is taken: no more nudges for it (the chain goes on: it is not done).
      const secops = await h.store.db.selectFrom('occurrences').select('id').where('team_id', '=', 'secops').where('scheduled_at', '=', fire).executeTakeFirstOrThrow();
      const post = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.secops.id && JSON.stringify(p.activity).includes(secops.id))!;
      h.clock.set(at(95));
      expect((await h.press('ack', { occurrenceId: secops.id }, { conversationId: post.conversationId, person: MINJI })).status).toBe(200);
      await twice(`day ${d} step 2, Kim Minji`, at(100), { escalated: 2 });
      // 11:00 is in Monitoring's quiet hours (10:55-11:05): its nudge 2 waits until 11:05.
      await twice(`day ${d} nudge 2, quiet`, at(120), {});
      await twice(`day ${d} nudge 2, after quiet hours`, at(125), { nudged: 1 });
      await twice(`day ${d} step 3, Engineering (no channel)`, at(130), { escalated: 2 });
      await twice(`day ${d} nudge 3`, at(150), { nudged: 1 });
      await twice(`day ${d} step 4, SecOps`, at(160), { escalated: 2 });
      await twice(`day ${d} nothing left`, at(300), {});
    }

    const posts = h.connector.posts();
    const textOf = (p: RecordedPost) => cardText(h.connector.attachmentsOf(p));
    const creates = (channel: string) => posts.filter((p) => p.kind === 'create' && p.threadId === channel);
    const replies = posts.filter((p) => p.kind !== 'create' && /;messageid=/.test(p.conversationId));
    const events = await h.store.db.selectFrom('occurrence_events').select(['type', 'occurrence_id', 'note', 'subject_name']).execute();
    const counted = {
      reminderCards: creates(CHANNELS.monitoring.id).length + creates(CHANNELS.secops.id).filter((p) => !/Escalation/.test(textOf(p))).length,
      oversightCards: creates(CHANNELS.oversight.id).length,
      secopsEscalationCards: creates(CHANNELS.secops.id).filter((p) => /Escalation/.test(textOf(p))).length,
      overdueNudges: replies.filter((p) => /This task was due/.test(textOf(p))).length,
      repeatNudges: replies.filter((p) => /Still nobody on this task/.test(textOf(p))).length,
      personNudges: replies.filter((p) => /Escalated to Kim Minji/.test(textOf(p))).length,
      overdueEvents: events.filter((e) => e.type === 'overdue').length,
      nudgedEvents: events.filter((e) => e.type === 'nudged').length,
      escalatedEvents: events.filter((e) => e.type === 'escalated').length,
    };
    // eslint-disable-next-line no-console
    console.info(`${count} replicas (postgres, ${mode}), chain: ${round} rounds, ${JSON.stringify(counted)}`);
    expect(wrongRounds).toEqual([]);
    // Per day: two tasks; one escalation card per task in each escalation channel (not one per team); the first
    // nudge of each (it says the task is overdue); nudges 2 and 3 of Monitoring's only (SecOps' was taken); the
    // person named in both threads.
    expect(counted).toEqual({
      reminderCards: 2 * CHAIN_DAYS,
      oversightCards: CHAIN_DAYS,
      secopsEscalationCards: CHAIN_DAYS,
      overdueNudges: 2 * CHAIN_DAYS,
      repeatNudges: 2 * CHAIN_DAYS,
      personNudges: 2 * CHAIN_DAYS,
      overdueEvents: 2 * CHAIN_DAYS,
      nudgedEvents: 4 * CHAIN_DAYS,
      escalatedEvents: 8 * CHAIN_DAYS,
    });
    // Each step of each task once, with whom it reached.
    const steps = events.filter((e) => e.type === 'escalated').map((e) => `${e.occurrence_id}|${e.note}|${e.subject_name}`);
    expect(new Set(steps).size).toBe(steps.length);
    expect(new Set(events.filter((e) => e.type === 'escalated').map((e) => e.subject_name))).toEqual(new Set(['SOC Oversight', 'Kim Minji', 'Engineering', 'SecOps']));
  }, 120_000);
});
