/**
 * The whole Teams flow over real HTTP: install → bind → run → card posted in the bound channel → ack and done
 * from the card → updated card in the invoke answer and a message update sent → workload shows it → restart on
 * the same database → state and bindings kept. In English and in Korean. Teams' cloud is the fake Bot
 * Connector (test/support/fake-bot-connector.ts).
 */
import { listEvents } from '../../src/storage/occurrence.repository';
import { ALEX, BotHarness, CHANNELS, MINJI, cardText, type Person } from '../support/bot-harness';

interface LanguageCase {
  readonly lang: 'en' | 'ko';
  readonly person: Person;
  readonly expect: {
    welcome: RegExp;
    bound: RegExp;
    started: RegExp;
    cardTitle: RegExp;
    ackStatus: RegExp;
    doneStatus: RegExp;
    alreadyDone: RegExp;
    workloadHeading: RegExp;
    teamsBound: RegExp;
  };
}

const CASES: LanguageCase[] = [
  {
    lang: 'en',
    person: ALEX,
    expect: {
      welcome: /Bind each SOC team to its channel/,
      bound: /This channel now receives the reminders of Monitoring/,
      started: /Started Generate the Secure Score report for Monitoring/,
      cardTitle: /Generate the Secure Score report/,
      ackStatus: /Alex Morgan is on it since/,
      doneStatus: /Done\n · \nby Alex Morgan at .* — https:\/\/tickets\.contoso\.com\/SOC-42/,
      alreadyDone: /Already done by Alex Morgan/,
      workloadHeading: /Monitoring/,
      teamsBound: /Monitoring/,
    },
  },
  {
    lang: 'ko',
    person: MINJI,
    expect: {
      welcome: /연결하세요/,
      bound: /이제 이 채널에서 모니터링 팀 알림을 받습니다/,
      started: /보안 점수 보고서 생성 작업을 시작했습니다\. 대상 팀: 모니터링/,
      cardTitle: /보안 점수 보고서 생성/,
      ackStatus: /Minji Kim/,
      doneStatus: /Minji Kim[\s\S]*https:\/\/tickets\.contoso\.com\/SOC-42/,
      alreadyDone: /Minji Kim/,
      workloadHeading: /모니터링/,
      teamsBound: /모니터링/,
    },
  },
];

describe.each(CASES)('Teams flow in $lang', ({ lang, person, expect: want }) => {
  let h: BotHarness;

  beforeAll(async () => {
    h = await new BotHarness({ env: { SOC_LOCALE: lang } }).start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('runs install → bind → run → ack → done → workload, and keeps it all across a restart', async () => {
    const installed = await h.install();
    expect(installed.status).toBe(200);
    expect(installed.replies).toHaveLength(1);
    expect(BotHarness.textOf(installed.replies[0])).toMatch(want.welcome);
    // Teams repeats installation events; the welcome is said once.
    expect((await h.install()).replies).toHaveLength(0);

    const bound = await h.say(lang === 'ko' ? '연결 monitoring' : 'bind monitoring', { person });
    expect(bound.status).toBe(200);
    expect(BotHarness.textOf(bound.replies[0])).toMatch(want.bound);

    const started = await h.say(lang === 'ko' ? '실행 secure-score-report' : 'run secure-score-report', { person });
    expect(BotHarness.textOf(started.replies[0])).toMatch(want.started);

    // The card goes out through the outbox: a new post (new conversation) in the bound channel.
    const before = h.connector.posts().length;
    await h.deliver();
    const posts = h.connector.posts().slice(before);
    expect(posts).toHaveLength(1);
    const post = posts[0];
    expect(post.kind).toBe('create');
    expect(post.threadId).toBe(CHANNELS.monitoring.id);
    const card = h.connector.attachmentsOf(post)[0];
    expect(cardText(card)).toMatch(want.cardTitle);
    const verbs = JSON.stringify(card).match(/"verb":"(\w+)"/g);
    // Nobody is assigned: Take it is offered (issue 14); I'm on it is still accepted, as pressed below.
    expect(verbs).toEqual(expect.arrayContaining(['"verb":"take"', '"verb":"done"', '"verb":"snooze"', '"verb":"skip"']));
    const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(card))![1];

    const ack = await h.press('ack', { occurrenceId }, { conversationId: post.conversationId, replyToId: post.activityId, person });
    expect(ack.status).toBe(200);
    expect(ack.body.statusCode).toBe(200);
    expect(ack.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(ack.body.value)).toMatch(want.ackStatus);

    const done = await h.press('done', { occurrenceId, note: 'https://tickets.contoso.com/SOC-42' }, { conversationId: post.conversationId, replyToId: post.activityId, person });
    expect(done.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(done.body.value)).toMatch(want.doneStatus);
    // A done card has no buttons left.
    expect(JSON.stringify(done.body.value)).not.toMatch(/"verb":"(ack|done|snooze|skip)"/);

    // Everyone else sees the new state: the posted message is updated in place.
    const updatesBefore = h.connector.updates().length;
    await h.deliver();
    const updates = h.connector.updates().slice(updatesBefore);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.every((u) => u.activityId === post.activityId)).toBe(true);
    const shown = h.connector.message(post.conversationId, post.activityId)!;
    expect(cardText(shown.attachments)).toMatch(want.doneStatus);

    const again = await h.press('done', { occurrenceId }, { conversationId: post.conversationId, person });
    expect(again.body.type).toBe('application/vnd.microsoft.activity.message');
    expect(again.body.value).toMatch(want.alreadyDone);

    const events = await listEvents(h.store.db, { occurrenceId });
    expect(events.map((e) => e.type)).toEqual(['created', 'posted', 'acknowledged', 'done']);
    expect(events[3].actor).toEqual({ userId: person.id, aadObjectId: person.aadObjectId, name: person.name });
    expect(events[3].note).toBe('https://tickets.contoso.com/SOC-42');

    const workload = await h.say(lang === 'ko' ? '업무량 monitoring' : 'workload monitoring', { person });
    const workloadText = BotHarness.textOf(workload.replies[0]);
    expect(workloadText).toMatch(want.workloadHeading);
    const workloadJson = await (await fetch(`http://127.0.0.1:${h.port}/api/workload?team=monitoring`)).json();
    expect(workloadJson.doneLast7Days).toBe(1);
    expect(workloadJson.open).toHaveLength(0);

    // Restart on the same database: the binding, the events and the done state survive.
    await h.stopApp();
    const restarted = await new BotHarness({ env: { SOC_LOCALE: lang }, dbFile: h.dbFile, connector: h.connector, start: h.clock.now() }).start();
    try {
      const teams = await restarted.say(lang === 'ko' ? '팀' : 'teams', { person });
      expect(BotHarness.textOf(teams.replies[0])).toMatch(want.teamsBound);
      expect(BotHarness.textOf(teams.replies[0])).toContain(CHANNELS.monitoring.name);
      const after = await listEvents(restarted.store.db, { occurrenceId });
      expect(after).toEqual(events);
      const stillDone = await restarted.press('done', { occurrenceId }, { conversationId: post.conversationId, person });
      expect(stillDone.body.value).toMatch(want.alreadyDone);
      const w = await (await fetch(`http://127.0.0.1:${restarted.port}/api/workload?team=monitoring`)).json();
      expect(w.doneLast7Days).toBe(1);
    } finally {
      await restarted.stopApp();
      // Let afterAll's stop() close a live app again.
      h = Object.assign(restarted, { stop: async () => undefined }) as BotHarness;
      await restarted.connector.stop();
    }
  });
});
