/**
 * The scheduler over a real SQLite file: what is created when, after downtime, across tenants and replicas.
 * Time moves by hand; `runDue()` is called directly (never `start()`, which would schedule node-cron).
 */
import { sql } from 'kysely';
import type { Catalog } from '../../src/catalog/catalog.types';
import { listEvents } from '../../src/storage/occurrence.repository';
import { listOutbox } from '../../src/storage/outbox.repository';
import { readCheckpoint, rememberTenant } from '../../src/storage/scheduler-state.repository';
import { CHECKPOINT_NAME, MAX_MISSED_COUNTED, type RunResult } from '../../src/reminders/scheduler';
import type { Store } from '../../src/storage/database';
import {
  DAY,
  FakeClock,
  HOME_TENANT,
  HOUR,
  MINUTE,
  SECOND,
  bindTeam,
  makeCatalog,
  makeEngine,
  ms,
  openTempStore,
  runReplicas,
  type TempStore,
} from '../support/engine-fixtures';

const TEAMS = `
teams:
  - id: secops
    name: SecOps
  - id: engineering
    name: Engineering
  - id: soc-oversight
    name: SOC Oversight
`;

/** Daily at 09:00 in Seoul (00:00 UTC) for two teams, plus an on-demand activity the scheduler must ignore. */
const DAILY = makeCatalog(`
timezone: Asia/Seoul
${TEAMS}
activities:
  - id: ticket-update
    title: Update escalation tickets
    description: Daily.
    teams: [secops, engineering]
    schedule: "0 9 * * *"
    dueAfter: 8h
    escalateAfter: 4h
  - id: tabletop
    title: Tabletop exercise
    description: By hand.
    teams: [secops]
`);

/** Every six hours (00:00, 06:00, 12:00, 18:00 UTC), one team. */
const SIX_HOURLY = makeCatalog(`
timezone: UTC
${TEAMS}
activities:
  - id: queue-check
    title: Check the queue
    description: Four times a day.
    teams: [secops]
    schedule: "0 */6 * * *"
`);

function oneActivityIn(timezone: string, schedule: string): Catalog {
  return makeCatalog(`
${TEAMS}
activities:
  - id: night-job
    title: Night job
    description: At night.
    teams: [secops]
    schedule: "${schedule}"
    timezone: ${timezone}
`);
}

interface Row {
  id: string;
  tenant_id: string;
  activity_id: string;
  team_id: string;
  scheduled_at: number;
  trigger: string;
  state: string;
  missed_last_at: number | null;
  missed_count: number | null;
}

async function occurrences(store: Store): Promise<Row[]> {
  const rows = await store.db
    .selectFrom('occurrences')
    .select(['id', 'tenant_id', 'activity_id', 'team_id', 'scheduled_at', 'trigger', 'state', 'missed_last_at', 'missed_count'])
    .orderBy('scheduled_at')
    .orderBy('tenant_id')
    .orderBy('team_id')
    .execute();
  return rows.map((r) => ({ ...r, scheduled_at: Number(r.scheduled_at), missed_last_at: r.missed_last_at === null ? null : Number(r.missed_last_at), missed_count: r.missed_count === null ? null : Number(r.missed_count) }));
}

/** Slots (tenant, activity, team, time) held by more than one row: must always be empty. */
async function duplicateSlots(store: Store): Promise<unknown[]> {
  const { rows } = await sql<{ n: number }>`
    select tenant_id, activity_id, team_id, scheduled_at, count(*) as n from occurrences
    group by tenant_id, activity_id, team_id, scheduled_at having count(*) > 1`.execute(store.db);
  return rows;
}

/**
 * `secops@2026-03-10T00:00:00.000Z schedule open` — one readable line per occurrence; a missed run adds its count
 * and last fire time (`… missed ×4 to 2026-03-11T00:00:00.000Z`).
 */
function describe_(rows: readonly Row[]): string[] {
  return rows.map((r) => {
    const run = r.state === 'missed' ? ` ×${r.missed_count} to ${r.missed_last_at === null ? '?' : new Date(r.missed_last_at).toISOString()}` : '';
    return `${r.team_id}@${new Date(r.scheduled_at).toISOString()} ${r.trigger} ${r.state}${run}`;
  });
}

let temp: TempStore;
beforeEach(async () => {
  temp = await openTempStore();
});
afterEach(async () => {
  await temp.cleanup();
});

describe('first start', () => {
  test('with no checkpoint creates nothing, not even a fire time seconds ago, and sets the checkpoint', async () => {
    const clock = new FakeClock('2026-03-10T00:00:30Z'); // 09:00:30 in Seoul, 30 s after the daily fire
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock });

    const result = await scheduler.runDue();

    expect(result).toEqual({ created: 0, caughtUp: 0, missed: 0, missedRuns: 0, missedNotRecorded: 0 });
    expect(await occurrences(temp.store)).toEqual([]);
    expect(await readCheckpoint(temp.store.db, CHECKPOINT_NAME)).toBe(clock.now());
  });
});

describe('on time', () => {
  test('a fire time creates one open occurrence per team with a created event, and nothing for on-demand activities', async () => {
    const clock = new FakeClock('2026-03-09T23:59:00Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock });
    await scheduler.runDue();

    clock.set('2026-03-10T00:00:02Z'); // node-cron woke us two seconds after 09:00 KST
    const result = await scheduler.runDue();

    expect(result).toMatchObject({ created: 2, caughtUp: 0, missed: 0 });
    const rows = await occurrences(temp.store);
    expect(describe_(rows)).toEqual(['engineering@2026-03-10T00:00:00.000Z schedule open', 'secops@2026-03-10T00:00:00.000Z schedule open']);
    expect(rows.every((r) => r.tenant_id === HOME_TENANT && r.activity_id === 'ticket-update')).toBe(true);

    const events = await listEvents(temp.store.db);
    expect(events).toHaveLength(2);
    for (const e of events) {
      expect(e).toMatchObject({ type: 'created', toStatus: 'pending', at: clock.now(), actor: { userId: 'system' } });
      expect(e.note).toBeUndefined();
    }
  });

  test('due and escalation times follow the catalog', async () => {
    const clock = new FakeClock('2026-03-09T23:59:00Z');
    const { scheduler, service } = makeEngine({ store: temp.store, catalog: DAILY, clock });
    await scheduler.runDue();
    clock.set('2026-03-10T00:00:02Z');
    await scheduler.runDue();

    const [row] = await occurrences(temp.store);
    const o = await service.get(HOME_TENANT, row!.id);
    expect(o.scheduledAt).toBe(ms('2026-03-10T00:00:00Z'));
    expect(o.dueAt).toBe(ms('2026-03-10T08:00:00Z'));
    expect(o.escalateAt).toBe(ms('2026-03-10T12:00:00Z'));
  });

  test('runs between fire times create nothing', async () => {
    const clock = new FakeClock('2026-03-10T00:00:02Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock });
    await scheduler.runDue();
    for (let i = 0; i < 10; i++) {
      clock.advance(30 * SECOND);
      expect((await scheduler.runDue()).created).toBe(0);
    }
    expect(await occurrences(temp.store)).toEqual([]);
  });
});

describe('next fire time (shown by /healthz)', () => {
  test('is right before the first run, moves on once its time passes even with no run in between, and after a run', async () => {
    const clock = new FakeClock('2026-03-10T01:00:00Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: SIX_HOURLY, clock });
    expect(scheduler.nextFireTime()).toEqual({ activityId: 'queue-check', at: ms('2026-03-10T06:00:00Z') });
    expect(scheduler.nextFireTime()).toEqual({ activityId: 'queue-check', at: ms('2026-03-10T06:00:00Z') });
    clock.set('2026-03-10T06:00:01Z');
    expect(scheduler.nextFireTime()).toEqual({ activityId: 'queue-check', at: ms('2026-03-10T12:00:00Z') });
    await scheduler.runDue();
    clock.set('2026-03-10T12:30:00Z');
    await scheduler.runDue();
    expect(scheduler.nextFireTime()).toEqual({ activityId: 'queue-check', at: ms('2026-03-10T18:00:00Z') });
  });
});

describe('catch-up after downtime', () => {
  test('daily schedule, down 3 days, 24 h window: one catch-up per team, the older fires recorded as one missed run each', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const { scheduler, logger } = makeEngine({ store: temp.store, catalog: DAILY, clock, catchup: DAY });
    await scheduler.runDue(); // the checkpoint, just after Tuesday's fire

    clock.set('2026-03-13T03:00:00Z'); // back on Friday at noon in Seoul
    const result = await scheduler.runDue();

    expect(result).toEqual({ created: 0, caughtUp: 2, missed: 4, missedRuns: 2, missedNotRecorded: 0 });
    expect(describe_(await occurrences(temp.store))).toEqual([
      'engineering@2026-03-11T00:00:00.000Z schedule missed ×2 to 2026-03-12T00:00:00.000Z',
      'secops@2026-03-11T00:00:00.000Z schedule missed ×2 to 2026-03-12T00:00:00.000Z',
      'engineering@2026-03-13T00:00:00.000Z catch-up open',
      'secops@2026-03-13T00:00:00.000Z catch-up open',
    ]);

    const events = await listEvents(temp.store.db);
    const rows = await occurrences(temp.store);
    const eventOf = (r: Row) => events.filter((e) => e.occurrenceId === r.id);
    for (const r of rows) {
      if (r.state === 'missed') expect(eventOf(r).map((e) => [e.type, e.toStatus])).toEqual([['missed', 'missed']]);
      else expect(eventOf(r).map((e) => [e.type, e.toStatus, e.note])).toEqual([['created', 'pending', 'catch-up']]);
    }
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.obj).toMatchObject({ caughtUp: 2, missed: 4, missedRuns: 2 });
  });

  test('several late fires within the window: only the newest is posted, the older ones in the window are missed', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: SIX_HOURLY, clock, catchup: DAY });
    await scheduler.runDue();

    clock.set('2026-03-11T07:00:00Z'); // down 31 h: fires at 06, 12, 18 (10th) and 00, 06 (11th)
    const result = await scheduler.runDue();

    expect(result).toMatchObject({ created: 0, caughtUp: 1, missed: 4, missedRuns: 1 });
    expect(describe_(await occurrences(temp.store))).toEqual([
      // 06:00 is older than the window, the others within it: one run all the same
      'secops@2026-03-10T06:00:00.000Z schedule missed ×4 to 2026-03-11T00:00:00.000Z',
      'secops@2026-03-11T06:00:00.000Z catch-up open',
    ]);
  });

  test('a miss older than the window is only recorded as missed, never posted', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock, catchup: 2 * HOUR });
    await scheduler.runDue();
    await bindTeam(temp.store.db, HOME_TENANT, 'secops', clock.now());

    clock.set('2026-03-11T05:00:00Z'); // Wednesday's fire was 5 h ago, the window is 2 h
    const result = await scheduler.runDue();

    expect(result).toMatchObject({ created: 0, caughtUp: 0, missed: 2, missedRuns: 2 });
    expect(describe_(await occurrences(temp.store))).toEqual([
      'engineering@2026-03-11T00:00:00.000Z schedule missed ×1 to 2026-03-11T00:00:00.000Z',
      'secops@2026-03-11T00:00:00.000Z schedule missed ×1 to 2026-03-11T00:00:00.000Z',
    ]);
    expect(await listOutbox(temp.store.db)).toEqual([]);
  });

  test('a catch-up is posted like an on-time fire when the team is bound', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock, catchup: DAY });
    await scheduler.runDue();
    await bindTeam(temp.store.db, HOME_TENANT, 'secops', clock.now());

    clock.set('2026-03-13T03:00:00Z');
    await scheduler.runDue();

    const catchUp = (await occurrences(temp.store)).find((r) => r.trigger === 'catch-up' && r.team_id === 'secops')!;
    const outbox = await listOutbox(temp.store.db);
    expect(outbox.map((i) => [i.kind, i.occurrenceId])).toEqual([['reminder.post', catchUp.id]]);
  });

  test('a window of 0 (SOC_CATCHUP=0) posts nothing late: every fire during downtime is recorded missed', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock, catchup: 0 });
    await scheduler.runDue();
    await bindTeam(temp.store.db, HOME_TENANT, 'secops', clock.now());

    clock.set('2026-03-13T00:05:00Z'); // five minutes after Friday's fire: late, not on time
    const result = await scheduler.runDue();

    expect(result).toMatchObject({ created: 0, caughtUp: 0, missed: 6, missedRuns: 2 });
    expect(describe_(await occurrences(temp.store))).toEqual([
      'engineering@2026-03-11T00:00:00.000Z schedule missed ×3 to 2026-03-13T00:00:00.000Z',
      'secops@2026-03-11T00:00:00.000Z schedule missed ×3 to 2026-03-13T00:00:00.000Z',
    ]);
    expect(await listOutbox(temp.store.db)).toEqual([]);
  });

  // SOC_CATCHUP=0 means "post nothing late", not "post nothing": a run a few seconds after the fire (node-cron never
  // wakes at the exact millisecond) is on time and must post.
  test('a window of 0 (SOC_CATCHUP=0) still posts on-time fires', async () => {
    const clock = new FakeClock('2026-03-09T23:59:30Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock, catchup: 0 });
    await scheduler.runDue();

    clock.set('2026-03-10T00:00:02Z');
    const result = await scheduler.runDue();

    expect(result).toMatchObject({ created: 2, missed: 0 });
    expect(describe_(await occurrences(temp.store))).toEqual([
      'engineering@2026-03-10T00:00:00.000Z schedule open',
      'secops@2026-03-10T00:00:00.000Z schedule open',
    ]);
  });

  test('after 30 days down every missed fire time is in one run: one row and one event, with its first, last and count', async () => {
    const clock = new FakeClock('2026-01-01T00:00:05Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: SIX_HOURLY, clock, catchup: HOUR });
    await scheduler.runDue();

    clock.set('2026-01-31T00:30:00Z'); // 30 days of four fires a day; the last one, at 00:00, is caught up
    const result = await scheduler.runDue();

    expect(result).toEqual({ created: 0, caughtUp: 1, missed: 30 * 4 - 1, missedRuns: 1, missedNotRecorded: 0 });
    const rows = await occurrences(temp.store);
    expect(describe_(rows)).toEqual(['secops@2026-01-01T06:00:00.000Z schedule missed ×119 to 2026-01-30T18:00:00.000Z', 'secops@2026-01-31T00:00:00.000Z catch-up open']);
    // The catch-up's card first, then the record.
    expect((await listEvents(temp.store.db)).map((e) => [e.occurrenceId, e.type])).toEqual([
      [rows[1]!.id, 'created'],
      [rows[0]!.id, 'missed'],
    ]);
  });

  test(`a run counts at most the newest ${MAX_MISSED_COUNTED} fire times; that more were missed is logged`, async () => {
    const everyMinute = oneActivityIn('UTC', '* * * * *');
    const clock = new FakeClock('2026-01-01T00:00:05Z');
    const { scheduler, logger } = makeEngine({ store: temp.store, catalog: everyMinute, clock, catchup: HOUR });
    await scheduler.runDue();

    clock.set('2026-01-09T00:00:30Z'); // eight days of a fire a minute: 11,520
    const result = await scheduler.runDue();

    expect(result.missed).toBe(MAX_MISSED_COUNTED);
    expect(result.missedRuns).toBe(1);
    expect(result.missedNotRecorded).toBeGreaterThan(0);
    const run = (await occurrences(temp.store)).find((r) => r.state === 'missed')!;
    // The newest are the ones counted: the run ends just before the catch-up window's last late fire time.
    expect(run.missed_count).toBe(MAX_MISSED_COUNTED);
    expect(run.missed_last_at! - run.scheduled_at).toBe((MAX_MISSED_COUNTED - 1) * MINUTE);
    expect(logger.warnings[0]!.obj).toMatchObject({ missedNotRecorded: result.missedNotRecorded });
  });
});

describe('idempotence', () => {
  test('running twice at the same moment creates nothing the second time', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock });
    await scheduler.runDue();
    clock.set('2026-03-13T03:00:00Z');
    const first = await scheduler.runDue();
    const second = await scheduler.runDue();

    expect(first.caughtUp + first.missed).toBe(6);
    expect(second).toEqual({ created: 0, caughtUp: 0, missed: 0, missedRuns: 0, missedNotRecorded: 0 });
    expect(await occurrences(temp.store)).toHaveLength(4); // two catch-ups, two missed runs
    expect(await duplicateSlots(temp.store)).toEqual([]);
  });

  test('a restarted process that lost its checkpoint advance does not fire the same slot again', async () => {
    const clock = new FakeClock('2026-03-09T23:59:00Z');
    const a = makeEngine({ store: temp.store, catalog: DAILY, clock });
    await a.scheduler.runDue();
    clock.set('2026-03-10T00:00:02Z');
    await a.scheduler.runDue();
    // The checkpoint rolled back as if the run had crashed after creating the occurrences.
    await temp.store.db.updateTable('scheduler_state').set({ checkpoint_at: ms('2026-03-09T23:59:00Z') }).execute();

    const b = makeEngine({ store: temp.store, catalog: DAILY, clock });
    expect(await b.scheduler.runDue()).toMatchObject({ created: 0 });
    expect(await occurrences(temp.store)).toHaveLength(2);
    expect(await listEvents(temp.store.db)).toHaveLength(2);
  });

  test('two scheduler instances on one connection, run concurrently, never duplicate', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const a = makeEngine({ store: temp.store, catalog: SIX_HOURLY, clock });
    const b = makeEngine({ store: temp.store, catalog: SIX_HOURLY, clock });
    await a.scheduler.runDue();

    clock.set('2026-03-13T00:00:10Z');
    const [ra, rb] = await Promise.all([a.scheduler.runDue(), b.scheduler.runDue()]);

    const rows = await occurrences(temp.store);
    expect(await duplicateSlots(temp.store)).toEqual([]);
    expect(ra.created + rb.created + ra.caughtUp + rb.caughtUp + ra.missedRuns + rb.missedRuns).toBe(rows.length);
    // One run for the gap, recorded by the instance whose claim won: 11 fire times from 06:00 on the 10th.
    expect(describe_(rows.filter((r) => r.state === 'missed'))).toEqual(['secops@2026-03-10T06:00:00.000Z schedule missed ×11 to 2026-03-12T18:00:00.000Z']);
    expect(ra.missed + rb.missed).toBe(11);
    // 2026-03-13T00:00 is on time, so the late 2026-03-12T18:00 is recorded missed rather than posted too.
    expect(describe_(rows.filter((r) => r.state === 'open'))).toEqual(['secops@2026-03-13T00:00:00.000Z schedule open']);
    expect(await listEvents(temp.store.db)).toHaveLength(rows.length);
  });

  test('three replicas (separate processes and connections on the same file), released together, never duplicate', async () => {
    const clock = new FakeClock('2026-03-10T00:00:05Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: SIX_HOURLY, clock });
    await scheduler.runDue();
    await bindTeam(temp.store.db, HOME_TENANT, 'secops', clock.now());

    const now = ms('2026-03-13T00:00:10Z');
    const outcomes = await runReplicas([1, 2, 3].map(() => ({ dbPath: temp.path, catalog: SIX_HOURLY, now, job: { kind: 'runDue' } as const })));

    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    const results = outcomes.map((o) => (o.ok ? (o.value as RunResult) : undefined)!);
    const sum = (k: keyof RunResult) => results.reduce((n, r) => n + r[k], 0);
    const rows = await occurrences(temp.store);
    expect(await duplicateSlots(temp.store)).toEqual([]);
    expect(sum('created')).toBe(1); // 2026-03-13T00:00 is on time
    expect(sum('caughtUp')).toBe(0); // one card per task: the on-time fire supersedes the late one
    expect(sum('created') + sum('caughtUp') + sum('missedRuns')).toBe(rows.length);
    expect(sum('missed')).toBe(11);
    expect(describe_(rows.filter((r) => r.state === 'missed'))).toEqual(['secops@2026-03-10T06:00:00.000Z schedule missed ×11 to 2026-03-12T18:00:00.000Z']);
    expect(describe_(rows.filter((r) => r.state === 'open'))).toEqual(['secops@2026-03-13T00:00:00.000Z schedule open']);
    expect(await listEvents(temp.store.db)).toHaveLength(rows.length);
    expect((await listOutbox(temp.store.db)).map((i) => i.kind)).toEqual(['reminder.post']);
  });
});

describe('tenants', () => {
  test('occurrences go to the home tenant until a tenant is remembered, then to every known tenant', async () => {
    const clock = new FakeClock('2026-03-09T23:59:00Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock });
    await scheduler.runDue();
    clock.set('2026-03-10T00:00:02Z');
    await scheduler.runDue();

    await rememberTenant(temp.store.db, 'tenant-a', clock.now());
    await rememberTenant(temp.store.db, 'tenant-b', clock.now());
    clock.set('2026-03-11T00:00:02Z');
    const result = await scheduler.runDue();

    expect(result.created).toBe(4);
    const byDay = (day: string) =>
      occurrences(temp.store).then((rows) => rows.filter((r) => new Date(r.scheduled_at).toISOString().startsWith(day)).map((r) => `${r.tenant_id}/${r.team_id}`));
    expect(await byDay('2026-03-10')).toEqual([`${HOME_TENANT}/engineering`, `${HOME_TENANT}/secops`]);
    expect((await byDay('2026-03-11')).sort()).toEqual(['tenant-a/engineering', 'tenant-a/secops', 'tenant-b/engineering', 'tenant-b/secops']);
  });

  test('posts are enqueued only for teams with an active binding in that tenant', async () => {
    const clock = new FakeClock('2026-03-09T23:59:00Z');
    const { scheduler } = makeEngine({ store: temp.store, catalog: DAILY, clock });
    await rememberTenant(temp.store.db, 'tenant-a', clock.now());
    await rememberTenant(temp.store.db, 'tenant-b', clock.now());
    await bindTeam(temp.store.db, 'tenant-a', 'secops', clock.now());
    await bindTeam(temp.store.db, 'tenant-b', 'engineering', clock.now());
    await temp.store.db.updateTable('bindings').set({ active: 0, inactive_reason: 'bot removed' }).where('tenant_id', '=', 'tenant-b').execute();
    await scheduler.runDue();

    clock.set('2026-03-10T00:00:02Z');
    await scheduler.runDue();

    const rows = await occurrences(temp.store);
    expect(rows).toHaveLength(4);
    const outbox = await listOutbox(temp.store.db);
    expect(outbox).toHaveLength(1);
    const posted = rows.find((r) => r.id === outbox[0]!.occurrenceId)!;
    expect([posted.tenant_id, posted.team_id]).toEqual(['tenant-a', 'secops']);
    expect(outbox[0]).toMatchObject({ kind: 'reminder.post', tenantId: 'tenant-a', status: 'pending', conversationKey: `occ:${posted.id}` });
    expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ target: { channelId: '19:secops@thread.tacv2', tenantId: 'tenant-a' } });
  });
});

describe('daylight saving time, with the scheduler running every few minutes through the night', () => {
  async function firedThrough(catalog: Catalog, from: string, to: string, step: number): Promise<Row[]> {
    const clock = new FakeClock(from);
    const { scheduler } = makeEngine({ store: temp.store, catalog, clock });
    await scheduler.runDue();
    while (clock.now() < ms(to)) {
      clock.advance(step);
      await scheduler.runDue();
    }
    return occurrences(temp.store);
  }

  test('Berlin 02:30 on the spring-forward night (2026-03-29) is posted once, at 03:30 CEST', async () => {
    const rows = await firedThrough(oneActivityIn('Europe/Berlin', '30 2 * * *'), '2026-03-28T23:00:00Z', '2026-03-29T04:00:00Z', 5 * MINUTE);
    expect(describe_(rows)).toEqual(['secops@2026-03-29T01:30:00.000Z schedule open']);
  });

  test('New York 01:30 on the fall-back night (2026-11-01) is posted once, not again an hour later', async () => {
    const rows = await firedThrough(oneActivityIn('America/New_York', '30 1 * * *'), '2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z', 5 * MINUTE);
    expect(describe_(rows)).toEqual(['secops@2026-11-01T05:30:00.000Z schedule open']);
  });

  test('Berlin 09:00 on the fall-back day (2026-10-25) is posted at 09:00 CET', async () => {
    const rows = await firedThrough(oneActivityIn('Europe/Berlin', '0 9 * * *'), '2026-10-25T07:50:00Z', '2026-10-25T08:10:00Z', MINUTE);
    expect(describe_(rows)).toEqual(['secops@2026-10-25T08:00:00.000Z schedule open']);
  });
});

describe('holiday calendars (issue 15.1)', () => {
  /** Weekly Monday 10:00 in Seoul for a team on the KR calendar and a 24×7 team. 2026-10-05 is 개천절's 대체공휴일. */
  const KR_WEEKLY = makeCatalog(`
timezone: Asia/Seoul
calendar: KR
teams:
  - id: secops
    name: SecOps
  - id: monitoring
    name: Monitoring
    allHours: true
activities:
  - id: secure-score-report
    title: Secure Score report
    description: Weekly.
    teams: [secops, monitoring]
    schedule: "0 10 * * 1"
`);
  const MOVED_NOTE = 'moved from 2026-10-05 (National Foundation Day (substitute day) / 개천절 (대체공휴일))';

  test('a run moved off a holiday is created once, on the next working day, across a restart, a catch-up and two replicas', async () => {
    const clock = new FakeClock('2026-10-04T12:00:00Z'); // Sunday 21:00 in Seoul
    await makeEngine({ store: temp.store, catalog: KR_WEEKLY, clock }).scheduler.runDue();

    clock.set('2026-10-05T01:00:05Z'); // Monday 10:00:05, the holiday: only the 24×7 team works
    expect(await makeEngine({ store: temp.store, catalog: KR_WEEKLY, clock }).scheduler.runDue()).toMatchObject({ created: 1, caughtUp: 0, missed: 0 });
    expect(describe_(await occurrences(temp.store))).toEqual(['monitoring@2026-10-05T01:00:00.000Z schedule open']);

    // Down over Tuesday 10:00; two replicas come back at noon from the same checkpoint, and one restarts again.
    clock.set('2026-10-06T03:00:00Z');
    const replicas = [makeEngine({ store: temp.store, catalog: KR_WEEKLY, clock }), makeEngine({ store: temp.store, catalog: KR_WEEKLY, clock })];
    const results = await Promise.all(replicas.map((r) => r.scheduler.runDue()));
    expect(results.reduce((n, r) => n + r.caughtUp, 0)).toBe(1);
    clock.advance(30 * SECOND);
    expect(await makeEngine({ store: temp.store, catalog: KR_WEEKLY, clock }).scheduler.runDue()).toMatchObject({ created: 0, caughtUp: 0, missed: 0 });

    const rows = await occurrences(temp.store);
    expect(describe_(rows)).toEqual(['monitoring@2026-10-05T01:00:00.000Z schedule open', 'secops@2026-10-06T01:00:00.000Z catch-up open']);
    expect(await duplicateSlots(temp.store)).toEqual([]);
    const moved = (await listEvents(temp.store.db)).filter((e) => e.occurrenceId === rows[1]!.id);
    expect(moved.map((e) => [e.type, e.note])).toEqual([['created', `catch-up; ${MOVED_NOTE}`]]);
  });

  test('on time, the moved run is created at Tuesday 10:00 with why it moved, and not again on the next tick', async () => {
    const clock = new FakeClock('2026-10-06T00:59:00Z');
    const { scheduler, service } = makeEngine({ store: temp.store, catalog: KR_WEEKLY, clock });
    await scheduler.runDue();
    clock.set('2026-10-06T01:00:02Z');
    expect(await scheduler.runDue()).toMatchObject({ created: 1 });
    clock.advance(30 * SECOND);
    expect(await scheduler.runDue()).toMatchObject({ created: 0 });
    const rows = await occurrences(temp.store);
    expect(describe_(rows)).toEqual(['secops@2026-10-06T01:00:00.000Z schedule open']);
    expect((await listEvents(temp.store.db)).map((e) => e.note)).toEqual([MOVED_NOTE]);
    // The occurrence itself carries where it came from, for the card; due time counts from the moved time.
    const o = await service.get(HOME_TENANT, rows[0]!.id);
    expect(o.movedFrom).toEqual({ at: ms('2026-10-05T01:00:00Z'), reason: 'National Foundation Day (substitute day)', reason_ko: '개천절 (대체공휴일)' });
    expect(o.dueAt).toBe(ms('2026-10-06T01:00:00Z') + 8 * HOUR);
    expect(scheduler.nextFireTime()).toEqual({ activityId: 'secure-score-report', at: ms('2026-10-12T01:00:00Z') });
  });
});
