/**
 * "What is this team's workload?" over a real SQLite file. The history is seeded through the reminder service
 * itself (fire, post, acknowledge, snooze, done, skip, miss) with the clock moved to each moment.
 */
import type { Activity } from '../../src/catalog/catalog.types';
import type { Occurrence } from '../../src/reminders/occurrence.types';
import { startOfLocalWeek } from '../../src/reminders/workload';
import type { TeamWorkload } from '../../src/reminders/workload.types';
import {
  FakeClock,
  HOME_TENANT,
  HOUR,
  MINUTE,
  SAME_CONVERSATION,
  actor,
  makeCatalog,
  makeEngine,
  ms,
  openTempStore,
  simulatePost,
  type Engine,
  type TempStore,
} from '../support/engine-fixtures';

const CATALOG = makeCatalog(`
timezone: Asia/Seoul
skipDates: [2026-03-20]
teams:
  - id: secops
    name: SecOps
  - id: engineering
    name: Engineering
activities:
  - id: daily-tickets
    title: Update escalation tickets
    description: Weekdays.
    teams: [secops]
    schedule: "0 9 * * 1-5"
    dueAfter: 8h
  - id: weekly-sync
    title: Joint review
    description: Mondays.
    teams: [secops, engineering]
    schedule: "0 10 * * 1"
    dueAfter: 2d
  - id: tabletop
    title: Tabletop exercise
    description: By hand.
    teams: [secops]
    dueAfter: 1d
`);

const activity = (id: string): Activity => CATALOG.activities.find((a) => a.id === id)!;
const DAILY = activity('daily-tickets');
const WEEKLY = activity('weekly-sync');

/** Wednesday 2026-03-18, 12:00 in Seoul. */
const NOW = ms('2026-03-18T03:00:00Z');
/** 09:00 in Seoul on a date: the daily fire time. */
const nineKst = (date: string) => ms(`${date}T00:00:00Z`);

const alice = actor('Alice Kim');
const bob = actor('Bob Lee');

let temp: TempStore;
let clock: FakeClock;
let engine: Engine;

async function setUp(): Promise<void> {
  temp = await openTempStore();
  clock = new FakeClock(NOW);
  engine = makeEngine({ store: temp.store, catalog: CATALOG, clock });
}

async function tearDown(): Promise<void> {
  await temp.cleanup();
}

/** Fires `a` for `team` at `at` and posts its card a minute later. */
async function fired(a: Activity, team: string, at: number, post = true): Promise<Occurrence> {
  clock.set(at);
  const o = (await engine.service.createScheduled(HOME_TENANT, a, team, at, 'schedule'))!;
  if (post) await simulatePost(temp.store.db, o.id, at + MINUTE);
  return o;
}

/** A task fired at `at`, posted a minute later, and marked done `after` the fire time. */
async function doneAfter(a: Activity, team: string, at: number, after: number): Promise<Occurrence> {
  const o = await fired(a, team, at);
  clock.set(at + after);
  return engine.service.complete(HOME_TENANT, o.id, alice, undefined, SAME_CONVERSATION);
}

/**
 * A missed fire time as the scheduler recorded it before runs existed (one row per fire time, no count): what a
 * database migrated from that version holds.
 */
async function recordMissedRowAsBeforeRuns(a: Activity, team: string, at: number): Promise<void> {
  await temp.store.db
    .insertInto('occurrences')
    .values({
      id: `old-missed-${at}`,
      tenant_id: HOME_TENANT,
      activity_id: a.id,
      team_id: team,
      scheduled_at: at,
      due_at: at + a.dueAfterMs,
      escalate_at: null,
      trigger: 'schedule',
      state: 'missed',
      created_at: clock.now(),
      closed_at: clock.now(),
      posted_at: null,
      acknowledged_at: null,
      ack_user_id: null,
      ack_aad_id: null,
      ack_name: null,
      snoozed_until: null,
      snoozed_by_name: null,
      overdue_at: null,
      escalated_at: null,
      closed_user_id: null,
      closed_aad_id: null,
      closed_name: null,
      close_note: null,
      started_by_name: null,
      moved_from_at: null,
      moved_reason: null,
      moved_reason_ko: null,
      posted_conversation_id: null,
      posted_activity_id: null,
      posted_service_url: null,
    })
    .execute();
}

interface Seeded {
  overdue: Occurrence;
  acknowledged: Occurrence;
  snoozed: Occurrence;
  unposted: Occurrence;
}

/**
 * SecOps' month, up to NOW:
 *  - done on time: 2 Mar (2 h after firing), 3 Mar (4 h), 12 Mar (1 h), 13 Mar (30 min); done late: 4 Mar (10 h);
 *  - skipped 5 Mar; missed 6 Mar (the bot was down); open and overdue since 9 Mar;
 *  - today: the daily task acknowledged by Alice (due 17:00 KST), Monday's review snoozed by Bob though past due,
 *    and a tabletop started an hour ago whose card has not gone out;
 *  - long ago (10 Feb) one done task, outside the 30-day window; and Engineering's own done review, not SecOps'.
 */
async function seedSecOpsMonth(): Promise<Seeded> {
  await doneAfter(DAILY, 'secops', nineKst('2026-02-10'), HOUR);
  await doneAfter(DAILY, 'secops', nineKst('2026-03-02'), 2 * HOUR);
  await doneAfter(DAILY, 'secops', nineKst('2026-03-03'), 4 * HOUR);
  await doneAfter(DAILY, 'secops', nineKst('2026-03-04'), 10 * HOUR);
  const skipped = await fired(DAILY, 'secops', nineKst('2026-03-05'));
  clock.set(nineKst('2026-03-05') + HOUR);
  await engine.service.skip(HOME_TENANT, skipped.id, bob, 'Public holiday', SAME_CONVERSATION);
  clock.set(nineKst('2026-03-07'));
  await recordMissedRowAsBeforeRuns(DAILY, 'secops', nineKst('2026-03-06'));
  const overdue = await fired(DAILY, 'secops', nineKst('2026-03-09'));
  await doneAfter(DAILY, 'secops', nineKst('2026-03-12'), HOUR);
  await doneAfter(DAILY, 'secops', nineKst('2026-03-13'), 30 * MINUTE);
  await doneAfter(WEEKLY, 'engineering', ms('2026-03-16T01:00:00Z'), HOUR);

  const snoozed = await fired(WEEKLY, 'secops', ms('2026-03-16T01:00:00Z')); // due Wed 10:00 KST, an hour before NOW
  const acknowledged = await fired(DAILY, 'secops', nineKst('2026-03-18'));
  clock.set(NOW - 2 * HOUR);
  await engine.service.acknowledge(HOME_TENANT, acknowledged.id, alice, SAME_CONVERSATION);
  clock.set(NOW - 30 * MINUTE);
  await engine.service.snooze(HOME_TENANT, snoozed.id, bob, 60, SAME_CONVERSATION);
  clock.set(NOW - HOUR);
  const { occurrences } = await engine.service.runOnDemand(HOME_TENANT, 'tabletop', 'secops', alice);

  clock.set(NOW);
  await engine.service.processTimers();
  return { overdue, acknowledged, snoozed, unposted: occurrences[0]! };
}

describe('open work', () => {
  // Every test here only reads: the month is seeded once.
  let w: TeamWorkload;
  let seeded: Seeded;
  beforeAll(async () => {
    await setUp();
    seeded = await seedSecOpsMonth();
    w = await engine.workload.forTeam(HOME_TENANT, 'secops');
  });
  afterAll(tearDown);

  test('open lists every unfinished task, soonest due first, with the status a person would see', () => {
    expect(w.open.map((i) => [i.occurrenceId, i.status])).toEqual([
      [seeded.overdue.id, 'overdue'],
      [seeded.snoozed.id, 'snoozed'],
      [seeded.acknowledged.id, 'acknowledged'],
      [seeded.unposted.id, 'pending'],
    ]);
  });

  test('overdue, snoozed and acknowledged each list their tasks', () => {
    expect(w.overdue.map((i) => i.occurrenceId)).toEqual([seeded.overdue.id]);
    expect(w.snoozed.map((i) => [i.occurrenceId, i.snoozedUntil])).toEqual([[seeded.snoozed.id, NOW + 30 * MINUTE]]);
    expect(w.acknowledged.map((i) => [i.occurrenceId, i.acknowledgedBy?.name])).toEqual([[seeded.acknowledged.id, 'Alice Kim']]);
    expect(w.unposted).toBe(1);
  });

  test('done counts cover the last 7 and 30 days, for this team only', () => {
    expect(w.doneLast7Days).toBe(2); // 12 and 13 March
    expect(w.doneLast30Days).toBe(5); // 2, 3, 4, 12 and 13 March
  });

  test('completion rate is done on time / due, with skipped and missed counted apart', () => {
    // Due in the window: 2, 3, 4, 9, 12, 13 March and Monday's review (past due at NOW, though snoozed).
    expect(w.stats).toMatchObject({ due: 7, doneOnTime: 4, doneLate: 1, skipped: 1, missed: 1, windowDays: 30 });
    expect(w.stats.completionRate).toBeCloseTo(4 / 7, 10);
  });

  test('median time to done is measured from the post, not from the fire time', () => {
    // Posted a minute after firing; done after 30 min, 1 h, 2 h, 4 h and 10 h: the median is 2 h less that minute.
    expect(w.stats.medianTimeToDoneMs).toBe(2 * HOUR - MINUTE);
  });

  test('a person sees the tasks they hold, and the tenant its overdue tasks', async () => {
    expect((await engine.workload.tasksOf(HOME_TENANT, { userId: alice.userId })).map((i) => i.occurrenceId)).toEqual([seeded.acknowledged.id]);
    expect((await engine.workload.tasksOf(HOME_TENANT, { userId: bob.userId }))).toEqual([]);
    expect((await engine.workload.overdue(HOME_TENANT)).map((i) => i.occurrenceId)).toEqual([seeded.overdue.id]);
    expect(await engine.workload.overdue('tenant-other')).toEqual([]);
  });

  test('weekly buckets start on Monday 00:00 in Seoul and count due and done-on-time by due date', () => {
    expect(w.weekly).toHaveLength(8);
    const byWeek = Object.fromEntries(w.weekly.map((b) => [new Date(b.weekStart).toISOString(), [b.due, b.doneOnTime]]));
    expect(byWeek).toEqual({
      '2026-01-25T15:00:00.000Z': [0, 0],
      '2026-02-01T15:00:00.000Z': [0, 0],
      '2026-02-08T15:00:00.000Z': [1, 1], // 10 Feb
      '2026-02-15T15:00:00.000Z': [0, 0],
      '2026-02-22T15:00:00.000Z': [0, 0],
      '2026-03-01T15:00:00.000Z': [3, 2], // 2, 3 on time; 4 late; 5 skipped and 6 missed left out
      '2026-03-08T15:00:00.000Z': [3, 2], // 9 open; 12, 13 on time
      '2026-03-15T15:00:00.000Z': [1, 0], // Monday's review, past due; today's daily not due yet
    });
  });
});

describe('upcoming', () => {
  beforeEach(setUp);
  afterEach(tearDown);

  test('lists fire times from the schedule for the next 14 days in order, without skip dates or on-demand work', async () => {
    const w = await engine.workload.forTeam(HOME_TENANT, 'secops');
    const daily = (d: string) => ['daily-tickets', `${d}T00:00:00.000Z`, false];
    const weekly = (d: string) => ['weekly-sync', `${d}T01:00:00.000Z`, false];
    expect(w.upcoming.map((u) => [u.activityId, new Date(u.at).toISOString(), u.created])).toEqual([
      daily('2026-03-19'),
      // 20 March is a skip date.
      daily('2026-03-23'),
      weekly('2026-03-23'),
      daily('2026-03-24'),
      daily('2026-03-25'),
      daily('2026-03-26'),
      daily('2026-03-27'),
      daily('2026-03-30'),
      weekly('2026-03-30'),
      daily('2026-03-31'),
      daily('2026-04-01'),
    ]);
    expect(w.upcoming.every((u) => u.teamId === 'secops')).toBe(true);
  });

  test('an occurrence already created for a coming fire time is listed once, as created', async () => {
    clock.set(NOW);
    const early = (await engine.service.createScheduled(HOME_TENANT, DAILY, 'secops', nineKst('2026-03-19'), 'schedule'))!;
    const w = await engine.workload.forTeam(HOME_TENANT, 'secops');
    const at19 = w.upcoming.filter((u) => u.at === early.scheduledAt);
    expect(at19).toEqual([{ activityId: 'daily-tickets', teamId: 'secops', at: early.scheduledAt, created: true }]);
  });

  test('another team sees only its own activities', async () => {
    const w = await engine.workload.forTeam(HOME_TENANT, 'engineering');
    expect(w.upcoming.map((u) => new Date(u.at).toISOString())).toEqual(['2026-03-23T01:00:00.000Z', '2026-03-30T01:00:00.000Z']);
  });

  test('the horizon and the limit are options', async () => {
    const w = await engine.workload.forTeam(HOME_TENANT, 'secops', { upcomingDays: 7, upcomingLimit: 3 });
    expect(w.upcoming.map((u) => new Date(u.at).toISOString())).toEqual(['2026-03-19T00:00:00.000Z', '2026-03-23T00:00:00.000Z', '2026-03-23T01:00:00.000Z']);
  });
});

describe('upcoming on a holiday calendar (issue 15.1)', () => {
  const KR = makeCatalog(`
timezone: Asia/Seoul
calendar: KR
teams:
  - id: secops
    name: SecOps
  - id: monitoring
    name: Monitoring
    allHours: true
activities:
  - id: weekly-sync
    title: Joint review
    description: Mondays.
    teams: [secops, monitoring]
    schedule: "0 10 * * 1"
`);

  test("a team on the KR calendar sees 10-05's weekly run on 10-06; the 24×7 team keeps it on 10-05", async () => {
    const store = await openTempStore();
    try {
      const { workload } = makeEngine({ store: store.store, catalog: KR, clock: new FakeClock('2026-10-01T00:00:00Z') });
      const at = async (team: string) => (await workload.forTeam(HOME_TENANT, team, { upcomingDays: 7 })).upcoming.map((u) => new Date(u.at).toISOString());
      expect(await at('secops')).toEqual(['2026-10-06T01:00:00.000Z']);
      expect(await at('monitoring')).toEqual(['2026-10-05T01:00:00.000Z']);
    } finally {
      await store.cleanup();
    }
  });
});

describe('an empty team', () => {
  beforeEach(setUp);
  afterEach(tearDown);

  test('has nothing open, no rate (not 0 %), and no median', async () => {
    const w = await engine.workload.forTeam(HOME_TENANT, 'engineering');
    expect(w).toMatchObject({ open: [], overdue: [], snoozed: [], acknowledged: [], unposted: 0, doneLast7Days: 0, doneLast30Days: 0 });
    expect(w.stats.due).toBe(0);
    expect(w.stats.completionRate).toBeUndefined();
    expect(w.stats.medianTimeToDoneMs).toBeUndefined();
  });
});

describe('weeks in a zone with daylight saving time', () => {
  beforeEach(setUp);
  afterEach(tearDown);

  // The tab labels each bar with its week's start: every one must be a Monday at 00:00 where the team works,
  // including the weeks before the clocks changed.
  test('every weekly bucket of a Berlin catalog starts on Monday 00:00 Berlin time, across the 2026-03-29 change', async () => {
    const berlin = makeCatalog(`
timezone: Europe/Berlin
teams: [{ id: secops, name: SecOps }]
activities:
  - { id: daily, title: Daily, description: Daily., teams: [secops], schedule: "0 9 * * *" }
`);
    const e = makeEngine({ store: temp.store, catalog: berlin, clock });
    clock.set('2026-04-08T10:00:00Z');
    const w = await e.workload.forTeam(HOME_TENANT, 'secops');
    const starts = w.weekly.map((b) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(b.weekStart),
    );
    expect(starts).toEqual([
      'Mon 16 Feb, 00:00',
      'Mon 23 Feb, 00:00',
      'Mon 02 Mar, 00:00',
      'Mon 09 Mar, 00:00',
      'Mon 16 Mar, 00:00',
      'Mon 23 Mar, 00:00',
      'Mon 30 Mar, 00:00',
      'Mon 06 Apr, 00:00',
    ]);
  });

  test('startOfLocalWeek is Monday 00:00 local on both sides of a change', () => {
    expect(new Date(startOfLocalWeek(ms('2026-03-29T10:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-03-22T23:00:00.000Z');
    expect(new Date(startOfLocalWeek(ms('2026-03-30T10:00:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    expect(new Date(startOfLocalWeek(ms('2026-03-18T03:00:00Z'), 'Asia/Seoul')).toISOString()).toBe('2026-03-15T15:00:00.000Z');
  });
});
