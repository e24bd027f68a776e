/**
 * The occurrence lifecycle over a real SQLite file: what people do from cards (acknowledge, done, snooze, skip),
 * what the timers do as the clock moves (wake, overdue, escalate), and on-demand runs. Each change must leave
 * exactly the events and outbox rows a user would see the consequences of.
 */
import type { Activity } from '../../src/catalog/catalog.types';
import {
  AlreadyAcknowledged,
  AlreadyClosed,
  InvalidInput,
  NotInThisConversation,
  NotOnDemand,
  OccurrenceNotFound,
  TeamNotAssigned,
  UnknownActivity,
  UnknownTeam,
} from '../../src/reminders/errors';
import type { Occurrence } from '../../src/reminders/occurrence.types';
import { statusOf } from '../../src/reminders/occurrence.types';
import { MAX_NOTE_LENGTH } from '../../src/reminders/card-actions';
import { countOccurrences, listEvents } from '../../src/storage/occurrence.repository';
import { listOutbox } from '../../src/storage/outbox.repository';
import {
  DAY,
  FakeClock,
  HOME_TENANT,
  HOUR,
  MINUTE,
  OTHER_CONVERSATION,
  SAME_CONVERSATION,
  actor,
  bindTeam,
  makeCatalog,
  makeEngine,
  ms,
  openTempStore,
  runReplicas,
  simulatePost,
  type Engine,
  type TempStore,
} from '../support/engine-fixtures';

const CATALOG = makeCatalog(`
timezone: Asia/Seoul
teams:
  - id: secops
    name: SecOps
    name_ko: 보안 운영
  - id: engineering
    name: Engineering
    name_ko: 엔지니어링
  - id: soc-oversight
    name: SOC Oversight
    name_ko: SOC 감독
activities:
  - id: ticket-update
    title: Update SOC escalation tickets
    title_ko: SOC 에스컬레이션 티켓 업데이트
    description: Daily.
    teams: [secops, engineering]
    schedule: "0 9 * * *"
    dueAfter: 8h
    escalateAfter: 4h
  - id: tabletop
    title: Run incident response tabletop exercises
    title_ko: IR 테이블탑 훈련 실행
    description: By hand.
    teams: [secops, engineering]
    dueAfter: 7d
    escalateAfter: 3d
  - id: portal-review
    title: Portal and license management
    description: Weekly, on schedule only.
    teams: [soc-oversight]
    schedule: "0 10 * * 1"
`);

const TICKETS = CATALOG.activities.find((a) => a.id === 'ticket-update')!;
const FIRE = ms('2026-03-10T00:00:00Z'); // 09:00 in Seoul
const DUE = FIRE + 8 * HOUR;
const ESCALATE = DUE + 4 * HOUR;

const alice = actor('Alice Kim');
const bob = actor('Bob Lee');

let temp: TempStore;
let clock: FakeClock;
let engine: Engine;

beforeEach(async () => {
  temp = await openTempStore();
  clock = new FakeClock(FIRE + 5_000);
  engine = makeEngine({ store: temp.store, catalog: CATALOG, clock });
});
afterEach(async () => {
  await temp.cleanup();
});

/** The daily task for SecOps, fired at 09:00 and posted in `conv-1` a minute later. */
async function postedTask(activity: Activity = TICKETS, teamId = 'secops'): Promise<Occurrence> {
  const created = await engine.service.createScheduled(HOME_TENANT, activity, teamId, FIRE, 'schedule');
  await simulatePost(temp.store.db, created!.id, FIRE + MINUTE);
  return engine.service.get(HOME_TENANT, created!.id);
}

async function eventsOf(id: string) {
  return listEvents(temp.store.db, { occurrenceId: id });
}

async function outboxKinds(id: string): Promise<string[]> {
  return (await listOutbox(temp.store.db)).filter((i) => i.occurrenceId === id).map((i) => i.kind);
}

/** The error a promise rejects with (failing the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('acknowledge, then done', () => {
  test('records who (user id, AAD id, name), when, and from → to statuses', async () => {
    const task = await postedTask();
    clock.set(FIRE + 10 * MINUTE);
    const acked = await engine.service.acknowledge(HOME_TENANT, task.id, alice, SAME_CONVERSATION);
    clock.set(FIRE + 40 * MINUTE);
    const done = await engine.service.complete(HOME_TENANT, task.id, alice, '  INC-1234 fixed  ', SAME_CONVERSATION);

    expect(statusOf(acked, clock.now())).toBe('acknowledged');
    expect(acked.acknowledgedBy).toEqual({ userId: '29:alice-kim', aadObjectId: 'aad-alice-kim', name: 'Alice Kim' });
    expect(acked.acknowledgedAt).toBe(FIRE + 10 * MINUTE);
    expect(done).toMatchObject({ state: 'done', closedAt: FIRE + 40 * MINUTE, closeNote: 'INC-1234 fixed', closedBy: alice });

    const events = await eventsOf(task.id);
    expect(events.map((e) => [e.type, e.fromStatus, e.toStatus, e.actor.name, e.at])).toEqual([
      ['created', undefined, 'pending', 'SOC Reminders', FIRE + 5_000],
      ['acknowledged', 'posted', 'acknowledged', 'Alice Kim', FIRE + 10 * MINUTE],
      ['done', 'acknowledged', 'done', 'Alice Kim', FIRE + 40 * MINUTE],
    ]);
    expect(events[2]!.actor).toEqual({ userId: '29:alice-kim', aadObjectId: 'aad-alice-kim', name: 'Alice Kim' });
    expect(events[2]!.note).toBe('INC-1234 fixed');
  });

  test('each change queues a card update for the posted card', async () => {
    await bindTeam(temp.store.db, HOME_TENANT, 'secops', clock.now());
    const task = await postedTask();
    await engine.service.acknowledge(HOME_TENANT, task.id, alice, SAME_CONVERSATION);
    await engine.service.complete(HOME_TENANT, task.id, alice, undefined, SAME_CONVERSATION);
    expect(await outboxKinds(task.id)).toEqual(['reminder.post', 'reminder.update', 'reminder.update']);
  });

  test('done without acknowledging first goes posted → done, by whoever pressed it', async () => {
    const task = await postedTask();
    await engine.service.complete(HOME_TENANT, task.id, bob, undefined, SAME_CONVERSATION);
    const [, done] = await eventsOf(task.id);
    expect([done!.type, done!.fromStatus, done!.toStatus, done!.actor.name, done!.note]).toEqual(['done', 'posted', 'done', 'Bob Lee', undefined]);
  });

  test('pressing "I\'m on it" again is harmless: no second event', async () => {
    const task = await postedTask();
    await engine.service.acknowledge(HOME_TENANT, task.id, alice, SAME_CONVERSATION);
    clock.advance(5 * MINUTE);
    const again = await engine.service.acknowledge(HOME_TENANT, task.id, alice, SAME_CONVERSATION);
    expect(again.acknowledgedAt).toBe(FIRE + 5_000);
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created', 'acknowledged']);
  });

  test('someone else acknowledging an acknowledged task is refused with who has it', async () => {
    const task = await postedTask();
    await engine.service.acknowledge(HOME_TENANT, task.id, alice, SAME_CONVERSATION);
    clock.advance(MINUTE);
    const err = await rejection(engine.service.acknowledge(HOME_TENANT, task.id, bob, SAME_CONVERSATION));
    expect(err).toBeInstanceOf(AlreadyAcknowledged);
    expect((err as AlreadyAcknowledged).by).toEqual(alice);
    expect((err as AlreadyAcknowledged).at).toBe(FIRE + 5_000);
    expect((await engine.service.get(HOME_TENANT, task.id)).acknowledgedBy).toEqual(alice);
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created', 'acknowledged']);
  });
});

describe('closed is closed', () => {
  test('done twice: AlreadyClosed naming the first person and time, and no new event', async () => {
    const task = await postedTask();
    clock.set(FIRE + HOUR);
    await engine.service.complete(HOME_TENANT, task.id, alice, 'INC-1', SAME_CONVERSATION);
    clock.set(FIRE + 2 * HOUR);
    const err = await rejection(engine.service.complete(HOME_TENANT, task.id, bob, 'INC-2', SAME_CONVERSATION));

    expect(err).toBeInstanceOf(AlreadyClosed);
    expect(err).toMatchObject({ status: 'done', by: alice, at: FIRE + HOUR, note: 'INC-1' });
    expect(await engine.service.get(HOME_TENANT, task.id)).toMatchObject({ closedBy: alice, closedAt: FIRE + HOUR, closeNote: 'INC-1' });
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created', 'done']);
  });

  test('acknowledge, snooze or skip after done are refused as AlreadyClosed with nothing recorded', async () => {
    const task = await postedTask();
    await engine.service.complete(HOME_TENANT, task.id, alice, undefined, SAME_CONVERSATION);
    await expect(engine.service.acknowledge(HOME_TENANT, task.id, bob, SAME_CONVERSATION)).rejects.toBeInstanceOf(AlreadyClosed);
    await expect(engine.service.snooze(HOME_TENANT, task.id, bob, 60, SAME_CONVERSATION)).rejects.toBeInstanceOf(AlreadyClosed);
    await expect(engine.service.skip(HOME_TENANT, task.id, bob, 'not needed', SAME_CONVERSATION)).rejects.toBeInstanceOf(AlreadyClosed);
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created', 'done']);
    expect((await engine.service.get(HOME_TENANT, task.id)).closedBy).toEqual(alice);
  });

  test('two people pressing Done at the same moment: exactly one wins, the other is told who did it', async () => {
    const task = await postedTask();
    const results = await Promise.allSettled([
      engine.service.complete(HOME_TENANT, task.id, alice, 'from Alice', SAME_CONVERSATION),
      engine.service.complete(HOME_TENANT, task.id, bob, 'from Bob', SAME_CONVERSATION),
    ]);

    const won = results.filter((r): r is PromiseFulfilledResult<Occurrence> => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(AlreadyClosed);
    expect((lost[0]!.reason as AlreadyClosed).by).toEqual(won[0]!.value.closedBy);
    const done = (await eventsOf(task.id)).filter((e) => e.type === 'done');
    expect(done).toHaveLength(1);
    expect(done[0]!.actor).toEqual(won[0]!.value.closedBy);
  });

  test('two replicas (separate processes and connections) completing at once: exactly one wins', async () => {
    const task = await postedTask();
    const now = FIRE + HOUR;
    const outcomes = await runReplicas(
      [alice, bob].map((who) => ({
        dbPath: temp.path,
        catalog: CATALOG,
        now,
        job: { kind: 'complete', tenantId: HOME_TENANT, occurrenceId: task.id, actor: who, note: `from ${who.name}` } as const,
      })),
    );

    const won = outcomes.filter((o) => o.ok);
    const lost = outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = (won[0] as { value: Occurrence }).value.closedBy!;
    expect(lost[0]).toMatchObject({ code: 'ALREADY_CLOSED', status: 'done', by: winner, at: now });
    const done = (await eventsOf(task.id)).filter((e) => e.type === 'done');
    expect(done).toHaveLength(1);
    expect(done[0]!.actor).toEqual(winner);
    expect((await engine.service.get(HOME_TENANT, task.id)).closedBy).toEqual(winner);
  });
});

describe('input is checked before anything is recorded', () => {
  test.each([0, 30, 45, -60, 61, Number.NaN])('snooze for %p minutes is InvalidInput', async (minutes) => {
    const task = await postedTask();
    const err = await rejection(engine.service.snooze(HOME_TENANT, task.id, alice, minutes, SAME_CONVERSATION));
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as InvalidInput).reason).toBe('bad-snooze');
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created']);
    expect((await engine.service.get(HOME_TENANT, task.id)).snoozedUntil).toBeUndefined();
  });

  test.each([undefined, '', '   ', '\r\n\t'])('skip with reason %p is InvalidInput and the task stays open', async (reason) => {
    const task = await postedTask();
    const err = await rejection(engine.service.skip(HOME_TENANT, task.id, alice, reason, SAME_CONVERSATION));
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as InvalidInput).reason).toBe('reason-required');
    expect((await engine.service.get(HOME_TENANT, task.id)).state).toBe('open');
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created']);
  });

  test('skip with a reason closes the task and keeps the reason', async () => {
    const task = await postedTask();
    const skipped = await engine.service.skip(HOME_TENANT, task.id, alice, ' Holiday ', SAME_CONVERSATION);
    expect(skipped).toMatchObject({ state: 'skipped', closeNote: 'Holiday', closedBy: alice });
    const last = (await eventsOf(task.id)).at(-1)!;
    expect([last.type, last.fromStatus, last.toStatus, last.note]).toEqual(['skipped', 'posted', 'skipped', 'Holiday']);
  });

  test(`a note of ${MAX_NOTE_LENGTH} characters is kept; one more is InvalidInput with nothing recorded`, async () => {
    const task = await postedTask();
    const tooLong = await rejection(engine.service.complete(HOME_TENANT, task.id, alice, 'x'.repeat(MAX_NOTE_LENGTH + 1), SAME_CONVERSATION));
    expect(tooLong).toBeInstanceOf(InvalidInput);
    expect((tooLong as InvalidInput).reason).toBe('note-too-long');
    expect((await engine.service.get(HOME_TENANT, task.id)).state).toBe('open');

    const skipTooLong = await rejection(engine.service.skip(HOME_TENANT, task.id, alice, 'y'.repeat(MAX_NOTE_LENGTH + 1), SAME_CONVERSATION));
    expect((skipTooLong as InvalidInput).reason).toBe('note-too-long');
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created']);

    const done = await engine.service.complete(HOME_TENANT, task.id, alice, 'x'.repeat(MAX_NOTE_LENGTH), SAME_CONVERSATION);
    expect(done.closeNote).toHaveLength(MAX_NOTE_LENGTH);
  });
});

describe('where an action may come from', () => {
  test('an action from another conversation is NotInThisConversation, for every verb, with nothing recorded', async () => {
    const task = await postedTask();
    const attempts = [
      engine.service.acknowledge(HOME_TENANT, task.id, alice, OTHER_CONVERSATION),
      engine.service.complete(HOME_TENANT, task.id, alice, undefined, OTHER_CONVERSATION),
      engine.service.snooze(HOME_TENANT, task.id, alice, 60, OTHER_CONVERSATION),
      engine.service.skip(HOME_TENANT, task.id, alice, 'reason', OTHER_CONVERSATION),
    ];
    for (const a of attempts) await expect(a).rejects.toBeInstanceOf(NotInThisConversation);
    const now = await engine.service.get(HOME_TENANT, task.id);
    expect(now).toMatchObject({ state: 'open', acknowledgedBy: undefined, snoozedUntil: undefined });
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created']);
  });

  test('a task whose card was never posted cannot be acted on', async () => {
    const created = (await engine.service.createScheduled(HOME_TENANT, TICKETS, 'secops', FIRE, 'schedule'))!;
    await expect(engine.service.complete(HOME_TENANT, created.id, alice, undefined, SAME_CONVERSATION)).rejects.toBeInstanceOf(NotInThisConversation);
  });

  test("another tenant's occurrence id is OccurrenceNotFound, indistinguishable from a missing one", async () => {
    const task = await postedTask();
    const foreign = await rejection(engine.service.complete('tenant-other', task.id, alice, undefined, SAME_CONVERSATION));
    const missing = await rejection(engine.service.complete(HOME_TENANT, 'no-such-id', alice, undefined, SAME_CONVERSATION));
    expect(foreign).toBeInstanceOf(OccurrenceNotFound);
    expect(missing).toBeInstanceOf(OccurrenceNotFound);
    await expect(engine.service.get('tenant-other', task.id)).rejects.toBeInstanceOf(OccurrenceNotFound);
    expect((await engine.service.get(HOME_TENANT, task.id)).state).toBe('open');
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created']);
  });
});

describe('timers, as the clock moves', () => {
  test('a snooze hides the task until it ends, then wakes it once with a nudge in its thread', async () => {
    const task = await postedTask();
    await engine.service.acknowledge(HOME_TENANT, task.id, alice, SAME_CONVERSATION);
    const snoozed = await engine.service.snooze(HOME_TENANT, task.id, alice, 60, SAME_CONVERSATION);
    expect(statusOf(snoozed, clock.now())).toBe('snoozed');
    expect(snoozed).toMatchObject({ snoozedUntil: clock.now() + HOUR, snoozedByName: 'Alice Kim' });
    const snoozedAt = clock.now();

    clock.set(snoozedAt + HOUR - 1);
    expect(await engine.service.processTimers()).toEqual({ woke: 0, overdue: 0, nudged: 0, escalated: 0 });

    clock.set(snoozedAt + HOUR);
    expect(await engine.service.processTimers()).toMatchObject({ woke: 1 });
    expect(await engine.service.processTimers()).toMatchObject({ woke: 0 });

    const awake = await engine.service.get(HOME_TENANT, task.id);
    expect(awake.snoozedUntil).toBeUndefined();
    expect(statusOf(awake, clock.now())).toBe('acknowledged');
    const woke = (await eventsOf(task.id)).filter((e) => e.type === 'woke');
    expect(woke).toHaveLength(1);
    expect(woke[0]).toMatchObject({ toStatus: 'acknowledged', actor: { userId: 'system' }, at: snoozedAt + HOUR });

    const outbox = (await listOutbox(temp.store.db)).filter((i) => i.occurrenceId === task.id);
    const nudges = outbox.filter((i) => i.kind === 'reminder.nudge');
    expect(nudges).toHaveLength(1);
    expect(JSON.parse(nudges[0]!.payload)).toEqual({ reason: 'snooze-ended' });
  });

  // The audit log (`events` in the CLI) reads "from → to": a wake-up goes from snoozed, not from what lies under it.
  test('the wake-up is recorded as snoozed → acknowledged', async () => {
    const task = await postedTask();
    await engine.service.acknowledge(HOME_TENANT, task.id, alice, SAME_CONVERSATION);
    await engine.service.snooze(HOME_TENANT, task.id, alice, 60, SAME_CONVERSATION);
    clock.advance(HOUR);
    await engine.service.processTimers();
    const woke = (await eventsOf(task.id)).find((e) => e.type === 'woke')!;
    expect([woke.fromStatus, woke.toStatus]).toEqual(['snoozed', 'acknowledged']);
  });

  test('past due, the task becomes overdue exactly once however often the timers run', async () => {
    const task = await postedTask();
    clock.set(DUE - 1);
    expect((await engine.service.processTimers()).overdue).toBe(0);

    clock.set(DUE + MINUTE);
    const runs = [await engine.service.processTimers(), ...(await Promise.all([engine.service.processTimers(), engine.service.processTimers()])), await engine.service.processTimers()];
    expect(runs.reduce((n, r) => n + r.overdue, 0)).toBe(1);

    const overdue = (await eventsOf(task.id)).filter((e) => e.type === 'overdue');
    expect(overdue).toHaveLength(1);
    expect(overdue[0]).toMatchObject({ fromStatus: 'posted', toStatus: 'overdue', at: DUE + MINUTE });
    const o = await engine.service.get(HOME_TENANT, task.id);
    expect(statusOf(o, clock.now())).toBe('overdue');
    expect(o.overdueAt).toBe(DUE + MINUTE);
    expect(await outboxKinds(task.id)).toEqual(['reminder.update', 'reminder.nudge']);
  });

  test('replicas running the timers at once mark a task overdue once', async () => {
    const task = await postedTask();
    const outcomes = await runReplicas([1, 2, 3].map(() => ({ dbPath: temp.path, catalog: CATALOG, now: DUE + MINUTE, job: { kind: 'processTimers' } as const })));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes.reduce((n, o) => n + (o.ok ? (o.value as { overdue: number }).overdue : 0), 0)).toBe(1);
    expect((await eventsOf(task.id)).filter((e) => e.type === 'overdue')).toHaveLength(1);
    expect((await outboxKinds(task.id)).filter((k) => k === 'reminder.nudge')).toHaveLength(1);
  });

  test('a task done in time never becomes overdue', async () => {
    const task = await postedTask();
    await engine.service.complete(HOME_TENANT, task.id, alice, undefined, SAME_CONVERSATION);
    clock.set(ESCALATE + DAY);
    expect(await engine.service.processTimers()).toEqual({ woke: 0, overdue: 0, nudged: 0, escalated: 0 });
    expect((await engine.service.get(HOME_TENANT, task.id)).state).toBe('done');
  });

  test('a snoozed task is not overdue while snoozed; it is once the snooze ends past due', async () => {
    const task = await postedTask();
    clock.set(DUE - HOUR);
    await engine.service.snooze(HOME_TENANT, task.id, alice, 240, SAME_CONVERSATION);
    clock.set(DUE + HOUR);
    expect(await engine.service.processTimers()).toEqual({ woke: 0, overdue: 0, nudged: 0, escalated: 0 });
    clock.set(DUE + 3 * HOUR);
    expect(await engine.service.processTimers()).toMatchObject({ woke: 1, overdue: 1 });
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(['created', 'snoozed', 'woke', 'overdue']);
  });

  test('past the escalation time the task escalates, and SOC Oversight gets an escalation post when it is bound', async () => {
    await bindTeam(temp.store.db, HOME_TENANT, 'soc-oversight', clock.now());
    const task = await postedTask();
    clock.set(DUE + MINUTE);
    await engine.service.processTimers();
    clock.set(ESCALATE - 1);
    expect((await engine.service.processTimers()).escalated).toBe(0);
    clock.set(ESCALATE);
    expect(await engine.service.processTimers()).toMatchObject({ escalated: 1 });
    expect(await engine.service.processTimers()).toMatchObject({ escalated: 0 });

    const o = await engine.service.get(HOME_TENANT, task.id);
    expect(statusOf(o, clock.now())).toBe('escalated');
    expect(o.escalatedAt).toBe(ESCALATE);
    const escalated = (await eventsOf(task.id)).filter((e) => e.type === 'escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({ fromStatus: 'overdue', toStatus: 'escalated' });

    const posts = (await listOutbox(temp.store.db)).filter((i) => i.kind === 'escalation.post');
    expect(posts).toHaveLength(1);
    // One card per task in Oversight's channel: its post and updates share the card's key.
    expect(posts[0]).toMatchObject({ occurrenceId: task.id, conversationKey: `esc:${HOME_TENANT}|${task.activityId}|${task.scheduledAt}|soc-oversight` });
    expect(JSON.parse(posts[0]!.payload)).toMatchObject({ target: { channelId: '19:soc-oversight@thread.tacv2' } });
  });

  test('without a bound SOC Oversight channel the task still escalates, but no escalation post is queued', async () => {
    const task = await postedTask();
    clock.set(ESCALATE + MINUTE); // the timers did not run in between: overdue and escalated in one pass
    expect(await engine.service.processTimers()).toMatchObject({ overdue: 1, escalated: 1 });
    const o = await engine.service.get(HOME_TENANT, task.id);
    expect(o).toMatchObject({ overdueAt: ESCALATE + MINUTE, escalatedAt: ESCALATE + MINUTE });
    expect((await listOutbox(temp.store.db)).filter((i) => i.kind === 'escalation.post')).toEqual([]);
  });

  test('an activity without escalateAfter never escalates', async () => {
    const portal = CATALOG.activities.find((a) => a.id === 'portal-review')!;
    const task = await postedTask(portal, 'soc-oversight');
    expect(task.escalateAt).toBeUndefined();
    clock.set(task.dueAt + 30 * DAY);
    expect(await engine.service.processTimers()).toMatchObject({ overdue: 1, escalated: 0 });
  });
});

describe('on demand', () => {
  test('by id: one occurrence per assigned team, started by the person, with a created event', async () => {
    await bindTeam(temp.store.db, HOME_TENANT, 'secops', clock.now());
    const { activity, occurrences } = await engine.service.runOnDemand(HOME_TENANT, 'tabletop', undefined, alice);

    expect(activity.id).toBe('tabletop');
    expect(occurrences.map((o) => o.teamId).sort()).toEqual(['engineering', 'secops']);
    for (const o of occurrences) {
      expect(o).toMatchObject({ trigger: 'on-demand', state: 'open', startedByName: 'Alice Kim', scheduledAt: clock.now(), dueAt: clock.now() + 7 * DAY, escalateAt: clock.now() + 10 * DAY });
      const events = await eventsOf(o.id);
      expect(events.map((e) => [e.type, e.toStatus, e.actor.name, e.note])).toEqual([['created', 'pending', 'Alice Kim', 'on demand']]);
    }
    // Posted only where a channel is bound.
    const secops = occurrences.find((o) => o.teamId === 'secops')!;
    expect((await listOutbox(temp.store.db)).map((i) => [i.kind, i.occurrenceId])).toEqual([['reminder.post', secops.id]]);
  });

  test.each([
    ['English title, any case and spacing', '  run incident response TABLETOP exercises '],
    ['Korean title', 'IR 테이블탑 훈련 실행'],
  ])('by %s', async (_, ref) => {
    const { activity, occurrences } = await engine.service.runOnDemand(HOME_TENANT, ref, undefined, bob);
    expect(activity.id).toBe('tabletop');
    expect(occurrences).toHaveLength(2);
  });

  test.each([['secops'], ['SecOps'], ['보안 운영']])('for one team (%s): only that team', async (teamRef) => {
    const { occurrences } = await engine.service.runOnDemand(HOME_TENANT, 'tabletop', teamRef, alice);
    expect(occurrences.map((o) => o.teamId)).toEqual(['secops']);
    expect(await countOccurrences(temp.store.db)).toBe(1);
  });

  test('a scheduled activity that is not on demand is refused, nothing created', async () => {
    await expect(engine.service.runOnDemand(HOME_TENANT, 'portal-review', undefined, alice)).rejects.toBeInstanceOf(NotOnDemand);
    await expect(engine.service.runOnDemand(HOME_TENANT, 'Update SOC escalation tickets', undefined, alice)).rejects.toBeInstanceOf(NotOnDemand);
    expect(await countOccurrences(temp.store.db)).toBe(0);
  });

  test('a team the activity is not assigned to is refused, nothing created', async () => {
    const err = await rejection(engine.service.runOnDemand(HOME_TENANT, 'tabletop', 'SOC Oversight', alice));
    expect(err).toBeInstanceOf(TeamNotAssigned);
    expect(err).toMatchObject({ activityId: 'tabletop', teamId: 'soc-oversight' });
    expect(await countOccurrences(temp.store.db)).toBe(0);
  });

  test('an unknown activity or team is refused by name', async () => {
    await expect(engine.service.runOnDemand(HOME_TENANT, 'tabletop exercise', undefined, alice)).rejects.toBeInstanceOf(UnknownActivity);
    await expect(engine.service.runOnDemand(HOME_TENANT, 'tabletop', 'red team', alice)).rejects.toBeInstanceOf(UnknownTeam);
    expect(await countOccurrences(temp.store.db)).toBe(0);
  });

  test('a second run while the first is open answers with it; "again" makes two tasks', async () => {
    const first = await engine.service.runOnDemand(HOME_TENANT, 'tabletop', 'secops', alice);
    clock.advance(1_000);
    const second = await engine.service.runOnDemand(HOME_TENANT, 'tabletop', 'secops', bob);
    expect(second.occurrences).toEqual([]);
    expect(second.alreadyOpen.map((o) => o.id)).toEqual(first.occurrences.map((o) => o.id));
    expect(await countOccurrences(temp.store.db)).toBe(1);
    clock.advance(1_000);
    await engine.service.runOnDemand(HOME_TENANT, 'tabletop', 'secops', bob, { again: true });
    expect(await countOccurrences(temp.store.db)).toBe(2);
  });
});

describe('scheduled fire times created in a batch (a catch-up after downtime)', () => {
  test('taken slots are left alone; each new one gets one event, and a post only when on time or caught up and bound', async () => {
    await bindTeam(temp.store.db, HOME_TENANT, 'secops', clock.now());
    const earlier = await engine.service.createScheduled(HOME_TENANT, TICKETS, 'secops', FIRE - DAY, 'schedule');
    const slots = [
      { activity: TICKETS, tenantId: HOME_TENANT, teamId: 'secops', scheduledAt: FIRE - DAY, trigger: 'catch-up' as const }, // taken
      { activity: TICKETS, tenantId: HOME_TENANT, teamId: 'secops', scheduledAt: FIRE, trigger: 'schedule' as const },
      { activity: TICKETS, tenantId: HOME_TENANT, teamId: 'engineering', scheduledAt: FIRE - DAY, trigger: 'catch-up' as const }, // not bound
      { activity: TICKETS, tenantId: HOME_TENANT, teamId: 'engineering', scheduledAt: FIRE, trigger: 'schedule' as const },
      { activity: TICKETS, tenantId: HOME_TENANT, teamId: 'engineering', scheduledAt: FIRE, trigger: 'schedule' as const }, // listed twice
    ];
    const created = await engine.service.createScheduledMany(slots);

    expect(created.map((o) => o && [o.teamId, o.scheduledAt, o.state, o.trigger])).toEqual([
      undefined,
      ['secops', FIRE, 'open', 'schedule'],
      ['engineering', FIRE - DAY, 'open', 'catch-up'],
      ['engineering', FIRE, 'open', 'schedule'],
      undefined,
    ]);
    expect(await countOccurrences(temp.store.db)).toBe(4);
    for (const o of created.filter((x): x is Occurrence => x !== undefined)) {
      expect((await eventsOf(o.id)).map((e) => [e.type, e.note])).toEqual([['created', o.trigger === 'catch-up' ? 'catch-up' : undefined]]);
    }
    expect(await eventsOf(earlier!.id)).toHaveLength(1);
    // Only SecOps is bound: its on-time task is posted (the earlier one was queued when it was created).
    expect((await listOutbox(temp.store.db)).map((i) => i.occurrenceId).sort()).toEqual([earlier!.id, created[1]!.id].sort());
  });
});
