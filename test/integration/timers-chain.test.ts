/**
 * Issue 14's timers over the real HTTP path, the fake Bot Connector and a moved clock: repeat nudges at 30 min,
 * 2 h and 4 h after due while nobody acknowledged; the escalation chain (a team, a person, a team with no channel)
 * each step once; one escalation card per task listing every team's state, updated when a task is done, with
 * Acknowledge allowed from it; and quiet hours that hold a nudge and a step until they end, then send one.
 */
import { listEvents } from '../../src/storage/occurrence.repository';
import { BotHarness, CHANNELS, MINJI, cardText } from '../support/bot-harness';
import type { RecordedPost } from '../support/fake-bot-connector';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const KIM = { id: '7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f', name: 'Kim Minji' };

const CATALOG = `timezone: Asia/Seoul
teams:
  - id: monitoring
    name: Monitoring
    name_ko: 모니터링
    quietHours: 22:00-08:00
  - id: secops
    name: SecOps
    name_ko: SecOps
    allHours: true
  - id: engineering
    name: Engineering
    name_ko: 엔지니어링
    quietHours: 22:00-08:00
  - id: soc-oversight
    name: SOC Oversight
    name_ko: SOC 감독
activities:
  - id: log-review
    title: Review the logs
    title_ko: 로그 검토
    description: For this test.
    teams: [monitoring, secops]
    onDemand: true
    dueAfter: 2h
    nudges: [30m, 2h, 4h]
    escalate:
      - { after: 1h, to: soc-oversight }
      - { after: 3h, to: { id: ${KIM.id}, name: ${KIM.name} } }
      - { after: 5h, to: engineering }
  - id: night-check
    title: Night check
    title_ko: 야간 점검
    description: For this test.
    teams: [monitoring]
    onDemand: true
    dueAfter: 1h
    nudges: [30m, 2h, 4h]
    escalate:
      - { after: 90m, to: soc-oversight }
      - { after: 2h, to: engineering }
`;

const occurrenceOf = (p: RecordedPost): string => /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(p.activity))![1]!;

describe('repeat nudges, the escalation chain and the escalation card (English)', () => {
  let h: BotHarness;
  /** Each team's task: its occurrence and its card's thread. */
  const task: Record<'monitoring' | 'secops', { id: string; conversationId: string; activityId: string }> = {} as never;

  beforeAll(async () => {
    // Monday 2026-03-09 09:00 in Seoul; due 11:00.
    h = await new BotHarness({ start: Date.parse('2026-03-09T00:00:00Z'), catalogYaml: CATALOG }).start();
    await h.install();
    await h.say('bind monitoring');
    await h.say('bind secops', { channel: CHANNELS.secops });
    await h.say('bind soc-oversight', { channel: CHANNELS.oversight });
    // Engineering binds no channel: its step is recorded, and nobody there is told.
    await h.say('run log-review');
    await h.deliver();
    for (const p of h.connector.posts().filter((x) => x.kind === 'create' && x.threadId !== CHANNELS.oversight.id)) {
      const team = p.threadId === CHANNELS.secops.id ? 'secops' : 'monitoring';
      task[team] = { id: occurrenceOf(p), conversationId: p.conversationId, activityId: p.activityId };
    }
  });
  afterAll(() => h.stop());

  const repliesIn = (t: { conversationId: string }) => h.connector.posts().filter((p) => p.conversationId === t.conversationId && p.kind !== 'create');
  const escalationPosts = () => h.connector.posts().filter((p) => p.kind === 'create' && p.threadId === CHANNELS.oversight.id);
  const escalationCard = () => {
    const [post] = escalationPosts();
    return cardText(h.connector.message(post!.conversationId, post!.activityId)!.attachments);
  };
  /** Timers at `at` after 09:00 Seoul, twice: the second run must find nothing left to do. */
  const timersAt = async (offset: number) => {
    h.clock.set(Date.parse('2026-03-09T00:00:00Z') + offset);
    const first = await h.app.reminders.processTimers();
    const again = await h.app.reminders.processTimers();
    await h.deliver();
    return { first, again };
  };

  it('turns the cards overdue at due without a nudge (the first is at 30 min), then nudges both at 30 min, once', async () => {
    const due = await timersAt(2 * HOUR + 30_000);
    expect(due.first).toMatchObject({ overdue: 2, nudged: 0 });
    expect(repliesIn(task.monitoring)).toHaveLength(0);
    const thirty = await timersAt(2 * HOUR + 30 * MINUTE + 30_000);
    expect(thirty.first).toMatchObject({ nudged: 2, escalated: 0 });
    expect(thirty.again).toEqual({ woke: 0, overdue: 0, nudged: 0, escalated: 0 });
    // The first nudge says the task is overdue, as the one nudge of an activity without `nudges` does.
    expect(cardText(h.connector.attachmentsOf(repliesIn(task.monitoring)[0]!))).toMatch(/This task was due Mon 9 Mar, 11:00\. Deal with it now or snooze it\./);
    expect(repliesIn(task.secops)).toHaveLength(1);
  });

  it('posts one escalation card for the task (not one per team) at the first step, listing each team', async () => {
    // Minji takes SecOps' task before the first step.
    await h.press('ack', { occurrenceId: task.secops.id }, { conversationId: task.secops.conversationId, person: MINJI });
    const step = await timersAt(3 * HOUR + 30_000);
    expect(step.first).toMatchObject({ escalated: 2 });
    expect(step.again.escalated).toBe(0);
    expect(escalationPosts()).toHaveLength(1);
    const text = escalationCard();
    expect(text).toMatch(/Escalation: Review the logs/);
    expect(text).toMatch(/Monitoring\nOpen: nobody is on it/);
    expect(text).toMatch(/SecOps\nMinji Kim is on it since/);
    // Acknowledge and Assign, for the team chosen in the list of open tasks; a link to each team's thread.
    const card = JSON.stringify(h.connector.attachmentsOf(escalationPosts()[0]!));
    expect(card).toContain('"verb":"ack"');
    expect(card).toContain('"verb":"reassign"');
    expect(card).toContain('graph.microsoft.com/users');
    expect(card).toContain(encodeURIComponent(task.monitoring.activityId));
  });

  it('stops nudging a task once someone acknowledged it; the other is nudged at 2 h and 4 h', async () => {
    expect((await timersAt(4 * HOUR + 30_000)).first).toMatchObject({ nudged: 1 });
    expect((await timersAt(6 * HOUR + 30_000)).first).toMatchObject({ nudged: 1 });
    expect((await timersAt(9 * HOUR)).first).toMatchObject({ nudged: 0 });
    const repeats = (t: { conversationId: string }) => repliesIn(t).filter((p) => /Still nobody on this task/.test(cardText(h.connector.attachmentsOf(p))));
    // Nudges 2 and 3 of Monitoring's task; none for SecOps' after Minji acknowledged it.
    expect(repeats(task.monitoring)).toHaveLength(2);
    expect(repeats(task.secops)).toHaveLength(0);
    expect(cardText(h.connector.attachmentsOf(repeats(task.monitoring)[0]!))).toMatch(/Still nobody on this task: it was due Mon 9 Mar, 11:00\. Take it, or snooze it\./);
    const nudged = (await listEvents(h.store.db, { occurrenceId: task.monitoring.id })).filter((e) => e.type === 'nudged');
    expect(nudged.map((e) => e.note)).toEqual(['nudge 1 of 3', 'nudge 2 of 3', 'nudge 3 of 3']);
  });

  it('takes each step of the chain once: the person is named in each thread, the team with no channel is recorded as never told', async () => {
    const named = (t: { conversationId: string }) => repliesIn(t).filter((p) => /Escalated to Kim Minji: this task is still not finished/.test(cardText(h.connector.attachmentsOf(p))));
    expect(named(task.monitoring)).toHaveLength(1);
    expect(named(task.secops)).toHaveLength(1);
    for (const t of [task.monitoring, task.secops]) {
      const steps = (await listEvents(h.store.db, { occurrenceId: t.id })).filter((e) => e.type === 'escalated');
      expect(steps.map((e) => [e.subject?.name, e.note])).toEqual([
        ['SOC Oversight', 'step 1 of 3'],
        ['Kim Minji', 'step 2 of 3'],
        ['Engineering', 'step 3 of 3'],
      ]);
      expect(steps[1]!.subject?.aadObjectId).toBe(KIM.id);
    }
    expect(escalationPosts()).toHaveLength(1);
    expect(escalationCard()).toMatch(/Also escalated to Engineering: never told, no channel is bound\./);
  });

  it('accepts Acknowledge from the escalation card, and refuses it from any other conversation', async () => {
    const [post] = escalationPosts();
    const elsewhere = await h.press('ack', { occurrenceId: task.monitoring.id }, { conversationId: CHANNELS.general.id });
    expect(elsewhere.body.value).toBe('This card was not posted in this conversation.');
    expect((await listEvents(h.store.db, { occurrenceId: task.monitoring.id })).filter((e) => e.type === 'acknowledged')).toEqual([]);
    const fromCard = await h.press('ack', { occurrenceId: task.monitoring.id }, { conversationId: post!.conversationId });
    expect(fromCard.body.value).toMatch(/Recorded for Monitoring: Escalated to SOC Oversight/);
    await h.deliver();
    expect(escalationCard()).toMatch(/Monitoring\nAlex Morgan is on it since/);
  });

  it('updates the escalation card when a task is done, and says nothing is waiting once both are', async () => {
    await h.press('done', { occurrenceId: task.monitoring.id }, { conversationId: task.monitoring.conversationId });
    await h.deliver();
    expect(escalationCard()).toMatch(/Monitoring\nDone by Alex Morgan at/);
    expect(escalationCard()).toMatch(/SecOps\nMinji Kim is on it/);
    await h.press('done', { occurrenceId: task.secops.id }, { conversationId: task.secops.conversationId, person: MINJI });
    await h.deliver();
    expect(escalationCard()).toMatch(/Every team's task is closed: nothing is waiting\./);
    expect(JSON.stringify(h.connector.message(escalationPosts()[0]!.conversationId, escalationPosts()[0]!.activityId)!.attachments)).not.toContain('"verb":"ack"');
  });
});

describe('quiet hours (Korean)', () => {
  let h: BotHarness;
  let thread: { conversationId: string; activityId: string };
  // Monday 2026-03-09 20:00 in Seoul; due 21:00.
  const START = Date.parse('2026-03-09T11:00:00Z');

  beforeAll(async () => {
    h = await new BotHarness({ start: START, catalogYaml: CATALOG, env: { SOC_LOCALE: 'ko' } }).start();
    await h.install();
    await h.say('bind monitoring');
    await h.say('bind soc-oversight', { channel: CHANNELS.oversight });
    await h.say('bind engineering', { channel: CHANNELS.secops });
    await h.say('run night-check');
    await h.deliver();
    const post = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.monitoring.id)!;
    thread = { conversationId: post.conversationId, activityId: post.activityId };
  });
  afterAll(() => h.stop());

  const replies = () => h.connector.posts().filter((p) => p.conversationId === thread.conversationId && p.kind !== 'create');
  const cardsIn = (channel: string) => h.connector.posts().filter((p) => p.kind === 'create' && p.threadId === channel);
  const timersAt = async (offset: number) => {
    h.clock.set(START + offset);
    const result = await h.app.reminders.processTimers();
    await h.deliver();
    return result;
  };

  it('nudges at 21:30 in Korean, and escalates to SOC Oversight at 22:30: its hours are not Monitoring\'s', async () => {
    expect(await timersAt(HOUR + 30_000)).toMatchObject({ overdue: 1, nudged: 0 });
    expect(await timersAt(90 * MINUTE + 30_000)).toMatchObject({ nudged: 1 });
    expect(cardText(h.connector.attachmentsOf(replies()[0]!))).toMatch(/^기한\(3월 9일\(월\) 오후 9:00\)이 지났습니다\./);
    expect(await timersAt(150 * MINUTE + 30_000)).toMatchObject({ escalated: 1 });
    const [card] = cardsIn(CHANNELS.oversight.id);
    expect(cardText(h.connector.attachmentsOf(card!))).toMatch(/에스컬레이션: 야간 점검[\s\S]*모니터링\n미처리: 맡은 사람 없음/);
  });

  it('sends nothing to Monitoring or Engineering in their quiet hours, then one nudge and the step when they end', async () => {
    // 23:00 (nudge 2; the step to Engineering), 01:00 (nudge 3), 07:59: all inside 22:00-08:00.
    for (const offset of [3 * HOUR + 30_000, 5 * HOUR + 30_000, 11 * HOUR + 59 * MINUTE]) {
      expect(await timersAt(offset)).toMatchObject({ nudged: 0, escalated: 0 });
    }
    expect(replies()).toHaveLength(1);
    expect(cardsIn(CHANNELS.secops.id)).toHaveLength(0);
    // 08:00: one nudge for the two that waited, and the step to Engineering.
    expect(await timersAt(12 * HOUR + 30_000)).toEqual({ woke: 0, overdue: 0, nudged: 1, escalated: 1 });
    expect(replies()).toHaveLength(2);
    expect(cardText(h.connector.attachmentsOf(replies()[1]!))).toMatch(/^아직 이 작업을 맡은 사람이 없습니다\(기한: 3월 9일\(월\) 오후 9:00\)\. 직접 맡거나 알림을 미루세요\./);
    expect(cardsIn(CHANNELS.secops.id)).toHaveLength(1);
    const nudged = (await listEvents(h.store.db)).filter((e) => e.type === 'nudged');
    expect(nudged.map((e) => [e.note, new Date(e.at).toISOString()])).toEqual([
      ['nudge 1 of 3', '2026-03-09T12:30:30.000Z'],
      // 23:00 and 01:00 waited for 08:00: one nudge stands for both.
      ['nudge 2 of 3', '2026-03-09T23:00:30.000Z'],
    ]);
    expect(await timersAt(16 * HOUR)).toEqual({ woke: 0, overdue: 0, nudged: 0, escalated: 0 });
    expect(replies()).toHaveLength(2);
  });
});

describe('a nudge that falls inside a snooze', () => {
  let h: BotHarness;
  const START = Date.parse('2026-03-09T00:00:00Z');

  beforeAll(async () => {
    h = await new BotHarness({ start: START, catalogYaml: CATALOG }).start();
    await h.install();
    await h.say('bind monitoring');
    await h.say('bind soc-oversight', { channel: CHANNELS.oversight });
    await h.say('run log-review for monitoring');
    await h.deliver();
  });
  afterAll(() => h.stop());

  it('is dropped: the snooze end brings the task back with one nudge, and the next nudge time counts on', async () => {
    const post = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.monitoring.id)!;
    const id = occurrenceOf(post);
    const replies = () => h.connector.posts().filter((p) => p.conversationId === post.conversationId && p.kind !== 'create').map((p) => cardText(h.connector.attachmentsOf(p)));
    const timersAt = async (offset: number) => {
      h.clock.set(START + offset);
      const result = await h.app.reminders.processTimers();
      await h.deliver();
      return result;
    };
    // Due 11:00; snoozed at 11:25 for an hour, over the 11:30 nudge and the 12:00 step.
    await timersAt(2 * HOUR + 30_000);
    h.clock.set(START + 2 * HOUR + 25 * MINUTE);
    await h.press('snooze', { occurrenceId: id, minutes: '60' }, { conversationId: post.conversationId });
    expect(await timersAt(2 * HOUR + 30 * MINUTE + 30_000)).toMatchObject({ nudged: 0 });
    expect(await timersAt(3 * HOUR + 30_000)).toMatchObject({ nudged: 0, escalated: 0 });
    expect(replies()).toEqual([]);
    // 12:25: the snooze ends: one nudge, and the step that waited for it.
    expect(await timersAt(3 * HOUR + 25 * MINUTE + 30_000)).toEqual({ woke: 1, overdue: 0, nudged: 0, escalated: 1 });
    expect(replies()).toHaveLength(1);
    expect(replies()[0]).toMatch(/^Snooze ended: this task is back\./);
    // 13:00: nudge 2 of 3, as planned.
    expect(await timersAt(4 * HOUR + 30_000)).toMatchObject({ nudged: 1 });
    expect(replies()[1]).toMatch(/^Still nobody on this task/);
    const nudged = (await listEvents(h.store.db, { occurrenceId: id })).filter((e) => e.type === 'nudged');
    expect(nudged.map((e) => e.note)).toEqual(['nudge 2 of 3']);
  });
});
