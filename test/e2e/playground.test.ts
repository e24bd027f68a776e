/**
 * SOC Reminders in the Microsoft 365 Agents Playground (a local Teams emulator), through its HTTP API and
 * WebSocket stream, no browser: install → bind (a channel and General) → run → card posted → ack → restart →
 * done → workload → a scheduled firing with nobody typing → a Korean user. Then the same core scenario against the
 * fake Bot Connector (test/support/fake-bot-connector.ts), to check that the fake tells the truth.
 *
 * The bot runs in-process (createApp with a moved clock, autoRun off: the test drains the outbox and runs the
 * scheduler by hand); the playground is a real process on a free port, with the repository's mock tenant
 * (.m365agentsplayground.yml).
 */
import { FakeClock } from '../support/fake-clock';
import { listEvents } from '../../src/storage/occurrence.repository';
import { BotHarness, cardText, type Person } from '../support/bot-harness';
import type { RecordedPost, RecordedUpdate } from '../support/fake-bot-connector';
import {
  InProcessBot,
  PlaygroundClient,
  PlaygroundProcess,
  cardsOf,
  freePort,
  readPlaygroundTenant,
  tempDir,
  type PlaygroundFrame,
  type PlaygroundUser,
} from '../support/playground';

jest.setTimeout(60_000);

const tenant = readPlaygroundTenant();
const GENERAL = tenant.general;
const CHANNEL = tenant.channel;
const byName = (name: string): PlaygroundUser => {
  const user = [tenant.currentUser, ...tenant.users].find((u) => u.name === name);
  if (!user) throw new Error(`.m365agentsplayground.yml has no user "${name}"`);
  return user;
};
const ALEX = byName('Alex Morgan');
const SEOJUN = byName('박서준');

const MINUTE = 60_000;
/** Monday 2026-03-09 08:50 in Seoul. The scheduled check below fires at 09:00:30 (a 6-field cron). */
const START = Date.parse('2026-03-09T08:50:00+09:00');
const HEALTH_CHECK_FIRES = Date.parse('2026-03-09T09:00:30+09:00');
const TICKET = 'https://tickets.contoso.com/SOC-42';

/** The built-in teams, the built-in on-demand report, and a daily check with a seconds field. */
const CATALOG = `
timezone: Asia/Seoul
teams:
  - id: secops
    name: SecOps
    name_ko: SecOps
  - id: engineering
    name: Engineering
    name_ko: 엔지니어링
  - id: soc-oversight
    name: SOC Oversight
    name_ko: SOC 감독
  - id: monitoring
    name: Monitoring
    name_ko: 모니터링
activities:
  - id: secure-score-report
    title: Generate the Secure Score report
    title_ko: 보안 점수 보고서 생성
    description: The monitoring team tracks and reports Secure Score improvements.
    description_ko: 모니터링 팀은 보안 점수 개선을 추적하고 보고합니다.
    teams: [monitoring]
    schedule: 0 10 * * 1
    onDemand: true
    cadence: Weekly (Monday 10:00) and as needed
    cadence_ko: 매주 (월요일 10:00) 및 필요한 경우
    dueAfter: 2d
    escalateAfter: 1d
  - id: sentinel-health-check
    title: Check the health of the Sentinel data connectors
    title_ko: Sentinel 데이터 커넥터 상태 점검
    description: Look for connectors that stopped sending data overnight.
    description_ko: 밤사이 데이터 전송이 멈춘 커넥터를 찾습니다.
    teams: [secops]
    schedule: "30 0 9 * * *"
    cadence: Daily 09:00:30
    cadence_ko: 매일 09:00:30
    dueAfter: 4h
`;

const verbsOf = (card: unknown): string[] => [...JSON.stringify(card).matchAll(/"verb":"(\w+)"/g)].map((m) => m[1]!);
const occurrenceIdOf = (card: unknown): string => /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(card))![1]!;
// A reply's message text and its cards' text (chat replies are cards: their text is shown as written).
const textOf = (f: PlaygroundFrame): string => [f.message.text ?? '', ...cardsOf(f.message).map(cardText)].filter((t) => t !== '').join('\n');
const onlyCard = (f: PlaygroundFrame): unknown => {
  const cards = cardsOf(f.message);
  expect(cards).toHaveLength(1);
  return cards[0];
};

/** The big number above a label in the workload card ("1" above "Done in the last 7 days"). */
function statOf(card: unknown, label: string): string | undefined {
  let found: string | undefined;
  const walk = (node: unknown): void => {
    if (found !== undefined || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    const items = (node as { items?: Array<{ text?: string }> }).items;
    if (Array.isArray(items) && items.length >= 2 && items[1]?.text === label) found = items[0]?.text;
    Object.values(node).forEach(walk);
  };
  walk(card);
  return found;
}

describe('SOC Reminders in the Agents Playground', () => {
  const tmp = tempDir('soc-playground-e2e-');
  const clock = new FakeClock(START);
  const bot = new InProcessBot({ dbFile: `${tmp.dir}/soc.db`, clock, catalogYaml: CATALOG, env: { SOC_LOCALE: 'en' } });
  let playground: PlaygroundProcess;
  let client: PlaygroundClient;
  let botRunning = false;

  // Shared by the steps below, in order.
  let reminder: { occurrenceId: string; messageId: string; postConversationId: string };

  beforeAll(async () => {
    await bot.start(await freePort());
    botRunning = true;
    // The scheduler's first run only sets its checkpoint; firing is decided from here on.
    await bot.app.scheduler.runDue();
    playground = await PlaygroundProcess.start({ botEndpoint: bot.endpoint });
    client = await new PlaygroundClient(playground.url, tenant).connect();
  });

  afterAll(async () => {
    client?.close();
    await playground?.stop();
    if (botRunning) await bot.stop();
    tmp.cleanup();
  });

  it('loads the mock tenant of .m365agentsplayground.yml', async () => {
    const { config } = await client.testConfig();
    expect(config.tenantId).toBe(tenant.tenantId);
    expect(config.bot).toEqual(tenant.bot);
    expect(config.users).toHaveLength(5);
    expect(config.currentUser.name).toBe('김민지');
    expect(config.teams).toEqual([
      expect.objectContaining({
        name: 'Contoso SOC',
        channels: [
          expect.objectContaining({ id: GENERAL.id, name: 'General' }),
          expect.objectContaining({ id: CHANNEL.id, name: 'SOC Monitoring' }),
        ],
      }),
    ]);
  });

  it('welcomes the team once when the bot is installed', async () => {
    const from = client.mark();
    await client.install(GENERAL.id);
    const welcome = await client.waitFor((f) => f.action === 'createMessage' && f.actionConversationId === GENERAL.id, from);
    expect(textOf(welcome)).toMatch(/Welcome to SOC Reminders/);
    expect(textOf(welcome)).toMatch(/Thanks for adding SOC Reminders to Contoso SOC\. Bind each SOC team to its channel/);
    // The placeholder comes through the playground as written (a <team> was dropped as markup: "bind .").
    expect(textOf(welcome)).toContain('type @SOC Reminders bind «team». Teams: secops (SecOps)');
    // The playground sends installationUpdate and then conversationUpdate (bot added): one welcome only. The
    // next answer on the stream must be the bind reply, not a second welcome.
    const bound = await client.ask(CHANNEL.id, 'bind monitoring');
    expect(client.frames(from).filter((f) => /Welcome to SOC Reminders/.test(textOf(f)))).toHaveLength(1);
    expect(textOf(bound.replies[0]!)).toBe('This channel now receives the reminders of Monitoring.');
  });

  it('binds SecOps to General', async () => {
    const { replies } = await client.ask(GENERAL.id, 'bind secops');
    expect(textOf(replies[0]!)).toBe('This channel now receives the reminders of SecOps.');
  });

  it('posts the reminder card in the bound channel on "run secure-score-report"', async () => {
    clock.advance(MINUTE);
    const { replies } = await client.ask(CHANNEL.id, 'run secure-score-report');
    expect(textOf(replies[0]!)).toBe('Started Generate the Secure Score report for Monitoring.');

    const from = client.mark();
    await bot.app.worker.drain();
    const post = await client.waitFor((f) => f.action === 'createMessage' && f.actionConversationId === CHANNEL.id, from);
    const card = onlyCard(post);
    const text = cardText(card);
    expect(text).toMatch(/^Generate the Secure Score report/);
    expect(text).toContain('Started by 김민지.');
    expect(text).toContain('Wed 11 Mar, 08:51'); // due 2 days after the run, by the bot's (moved) clock
    expect(text).toMatch(/Open\n[\s\S]*Waiting for someone to take it/);
    // Nobody is assigned: Take it (issue 14) rather than I'm on it, and the people picker's Reassign / Hand over.
    expect(verbsOf(card)).toEqual(['refresh', 'reassign', 'handover', 'take', 'done', 'snooze', 'skip']);
    // A new post: its own thread, named after the message.
    expect(post.message.postConversationId).toBe(`${CHANNEL.id};messageid=${post.message.messageId}`);
    reminder = { occurrenceId: occurrenceIdOf(card), messageId: post.message.messageId, postConversationId: post.message.postConversationId! };
  });

  it('answers "Take it" with the updated card (assigned to him, and he is on it) and updates the post for everyone', async () => {
    clock.advance(MINUTE);
    const from = client.mark();
    const ack = await client.invoke('take', { occurrenceId: reminder.occurrenceId }, { conversationId: reminder.postConversationId, replyToId: reminder.messageId }, ALEX.id);
    expect(ack.status).toBe(200);
    expect(ack.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(ack.body.value)).toContain('Alex Morgan is on it since Mon 9 Mar, 08:52');
    expect(cardText(ack.body.value)).toContain('Assigned to \nAlex Morgan');
    expect(verbsOf(ack.body.value)).not.toContain('ack');
    expect(verbsOf(ack.body.value)).not.toContain('take');
    // Someone else pressing it a moment later is told who has it; nothing changes.
    const late = await client.invoke('take', { occurrenceId: reminder.occurrenceId }, { conversationId: reminder.postConversationId, replyToId: reminder.messageId }, SEOJUN.id);
    expect(late.body.value).toMatch(/^Alex Morgan already has this task/);
    // The invoke answer goes to the one who pressed; the playground broadcasts nothing for it. Everyone else
    // sees the change only through the bot's own update of the post.
    await new Promise((r) => setTimeout(r, 200));
    expect(client.frames(from)).toHaveLength(0);

    await bot.app.worker.drain();
    const update = await client.waitFor((f) => f.action === 'updateMessage', from);
    expect(update.message.messageId).toBe(reminder.messageId);
    expect(update.actionConversationId).toBe(CHANNEL.id);
    expect(onlyCard(update)).toEqual(ack.body.value);
  });

  it('keeps the bindings and the acknowledgement across a restart', async () => {
    await bot.restart();
    const events = await listEvents(bot.store.db, { occurrenceId: reminder.occurrenceId });
    expect(events.map((e) => e.type)).toEqual(['created', 'posted', 'assigned', 'acknowledged']);
    expect(events[2]).toMatchObject({ note: 'take', subject: { aadObjectId: ALEX.aadObjectId, name: 'Alex Morgan' } });
    expect(events[3]!.actor).toEqual({ userId: ALEX.id, aadObjectId: ALEX.aadObjectId, name: 'Alex Morgan' });

    const { replies } = await client.ask(GENERAL.id, 'teams');
    const rows = cardText(onlyCard(replies[0]!));
    expect(rows).toMatch(/SecOps\nGeneral/);
    // The playground, like Teams, sends only the channel's id with a message; the bot asked it for the name.
    expect(rows).toMatch(/Monitoring\nSOC Monitoring/);
    expect(rows.match(/not bound/g)).toHaveLength(2);

    // Alex asks for his tasks (as himself: a reply in a thread, see PlaygroundClient.sayAs).
    const thread = await client.startThread(CHANNEL.id, 'Shift handover: who has what?');
    const tasks = await client.askAs(thread, 'tasks', ALEX);
    expect(cardText(onlyCard(tasks))).toMatch(/^Your open tasks\nGenerate the Secure Score report[\s\S]*In progress · Alex Morgan/);
  });

  it('answers "Mark as done" after the restart with the done card, and updates the post', async () => {
    clock.advance(MINUTE);
    const from = client.mark();
    const done = await client.invoke('done', { occurrenceId: reminder.occurrenceId, note: TICKET }, { conversationId: reminder.postConversationId, replyToId: reminder.messageId }, ALEX.id);
    expect(done.status).toBe(200);
    expect(done.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(done.body.value)).toContain(`Done\n · \nby Alex Morgan at Mon 9 Mar, 08:53 — ${TICKET}`);
    expect(verbsOf(done.body.value).filter((v) => v !== 'refresh')).toEqual([]);

    await bot.app.worker.drain();
    const update = await client.waitFor((f) => f.action === 'updateMessage', from);
    expect(update.message.messageId).toBe(reminder.messageId);
    expect(onlyCard(update)).toEqual(done.body.value);

    const events = await listEvents(bot.store.db, { occurrenceId: reminder.occurrenceId });
    expect(events.map((e) => e.type)).toEqual(['created', 'posted', 'assigned', 'acknowledged', 'done']);
    expect(events[4]!.note).toBe(TICKET);
  });

  it('counts the done task in "workload monitoring"', async () => {
    const { replies } = await client.ask(CHANNEL.id, 'workload monitoring');
    const card = onlyCard(replies[0]!);
    expect(cardText(card)).toMatch(/^Workload\nMonitoring/);
    expect(statOf(card, 'Done in the last 7 days')).toBe('1');
    expect(statOf(card, 'Open')).toBe('0');
    const api = await (await fetch(`http://127.0.0.1:${bot.port}/api/workload?team=monitoring`)).json();
    expect(api.doneLast7Days).toBe(1);
  });

  it('posts a scheduled reminder with nobody typing anything', async () => {
    const from = client.mark();
    clock.set(HEALTH_CHECK_FIRES + 15_000);
    const run = await bot.app.scheduler.runDue();
    expect(run.created).toBe(1);
    await bot.app.worker.drain();
    const post = await client.waitFor((f) => f.action === 'createMessage' && f.actionConversationId === GENERAL.id, from);
    const text = cardText(onlyCard(post));
    expect(text).toMatch(/^Check the health of the Sentinel data connectors/);
    expect(text).toContain('SecOps');
    expect(text).toContain('Daily 09:00:30');
    expect(text).toContain('Mon 9 Mar, 13:00'); // due 4 h after the fire time
    // Nothing else was posted: no reply, no other card.
    expect(client.frames(from)).toHaveLength(1);
  });

  it('answers a Korean (ko-KR) user in Korean', async () => {
    // The playground says en-US in every activity it makes, and its config has no locale per user; a custom
    // activity (its "Mock an Activity" feature) carries ko-KR. It is a reply in a thread, as Teams sends it.
    const thread = await client.startThread(CHANNEL.id, '모니터링 팀 현황 확인');
    const workload = await client.askAs(thread, '업무량 monitoring', SEOJUN, 'ko-KR');
    const card = onlyCard(workload);
    expect(cardText(card)).toMatch(/^업무량\n모니터링/);
    expect(statOf(card, '주간 완료')).toBe('1');

    const teams = await client.askAs(thread, '팀', SEOJUN, 'ko-KR');
    expect(cardText(onlyCard(teams))).toMatch(/엔지니어링\n연결되지 않음/);

    // The same words through the playground's own message API arrive as en-US: English answer.
    const english = await client.ask(CHANNEL.id, '업무량 monitoring');
    expect(cardText(onlyCard(english.replies[0]!))).toMatch(/^Workload\nMonitoring/);
  });

  // -------------------------------------------------------------------------------------------------------------
  // The fake Bot Connector against the playground: same scenario, same bot behaviour?
  // -------------------------------------------------------------------------------------------------------------

  /** What the bot said or did, with ids that differ between the two worlds replaced. */
  interface Output {
    readonly kind: 'reply' | 'post' | 'update' | 'invoke';
    readonly where: 'general' | 'channel' | 'thread';
    readonly text?: string;
    readonly cards: unknown[];
    readonly invokeType?: string;
  }

  interface Driver {
    install(): Promise<Output[]>;
    say(where: 'general' | 'channel', text: string): Promise<Output[]>;
    deliver(): Promise<Output[]>;
    press(verb: string, data: Record<string, unknown>): Promise<Output>;
  }

  const invokeOutput = (body: { type: string; value: unknown }): Output => ({
    kind: 'invoke',
    where: 'thread',
    invokeType: body.type,
    cards: body.type === 'application/vnd.microsoft.card.adaptive' ? [body.value] : [],
    text: typeof body.value === 'string' ? body.value : undefined,
  });

  function normalise(value: unknown, occurrenceId: string | undefined): unknown {
    let json = JSON.stringify(value ?? null);
    if (occurrenceId) json = json.split(occurrenceId).join('<occurrence>');
    return JSON.parse(json);
  }

  /** Runs install → bind → run → card → ack → done → done again → teams, collecting what the bot did. */
  async function coreScenario(d: Driver, clockOf: () => FakeClock): Promise<Output[]> {
    const out: Output[] = [];
    out.push(...(await d.install()));
    out.push(...(await d.say('channel', 'bind monitoring')));
    clockOf().advance(MINUTE);
    out.push(...(await d.say('channel', 'run secure-score-report')));
    out.push(...(await d.deliver()));
    clockOf().advance(MINUTE);
    out.push(await d.press('ack', {}));
    out.push(...(await d.deliver()));
    clockOf().advance(MINUTE);
    out.push(await d.press('done', { note: TICKET }));
    out.push(...(await d.deliver()));
    out.push(await d.press('done', {}));
    out.push(...(await d.deliver()));
    out.push(...(await d.say('general', 'teams')));
    const occurrenceId = out.map((o) => JSON.stringify(o.cards)).map((s) => /"occurrenceId":"([0-9a-f-]{36})"/.exec(s)?.[1]).find(Boolean);
    return out.map((o) => normalise(o, occurrenceId) as Output);
  }

  /**
   * The same people in both worlds, with the playground's ids: 김민지 types (the playground sends every message as
   * its current user) and Alex Morgan presses the buttons (its invoke API does take `from`).
   */
  const asPerson = (u: PlaygroundUser): Person => ({ id: u.id, name: u.name, aadObjectId: u.aadObjectId, locale: 'en-US' });
  const MINJI_PERSON = asPerson(tenant.currentUser);
  const ALEX_PERSON = asPerson(ALEX);
  let playgroundRun: Output[];
  let fakeRun: Output[];

  it('runs the core scenario in the playground (fresh database, same clock)', async () => {
    // A fresh bot on the same port (the playground was told the endpoint once).
    await bot.stop();
    botRunning = false;
    const freshClock = new FakeClock(START);
    const fresh = new InProcessBot({ dbFile: `${tmp.dir}/compare-playground.db`, clock: freshClock, catalogYaml: CATALOG, env: { SOC_LOCALE: 'en' } });
    await fresh.start(bot.port);
    try {
      let card: { messageId: string; postConversationId: string; occurrenceId: string } | undefined;
      const whereOf = (f: PlaygroundFrame): Output['where'] => (f.actionConversationId === GENERAL.id ? 'general' : f.actionConversationId === CHANNEL.id ? 'channel' : 'thread');
      const toOutput = (f: PlaygroundFrame, kind: Output['kind']): Output => ({ kind, where: whereOf(f), text: f.message.text, cards: cardsOf(f.message) });
      const driver: Driver = {
        install: async () => {
          const from = client.mark();
          await client.install(GENERAL.id);
          await client.waitFor((x) => x.actionConversationId === GENERAL.id, from);
          // The second installation event (conversationUpdate) follows: give it time to be answered, or not.
          await new Promise((r) => setTimeout(r, 500));
          return client.frames(from).map((f) => toOutput(f, 'reply'));
        },
        say: async (where, text) => {
          const { replies } = await client.ask(where === 'general' ? GENERAL.id : CHANNEL.id, text);
          return replies.map((f) => toOutput(f, 'reply'));
        },
        deliver: async () => {
          const from = client.mark();
          const sent = (await fresh.app.worker.drain()).filter((r) => r === 'sent').length;
          const frames = sent === 0 ? [] : await client.waitForAll(() => true, sent, from);
          for (const f of frames) {
            if (f.action === 'createMessage' && f.actionConversationId === CHANNEL.id) {
              card = { messageId: f.message.messageId, postConversationId: f.message.postConversationId!, occurrenceId: occurrenceIdOf(cardsOf(f.message)) };
            }
          }
          return frames.map((f) => toOutput(f, f.action === 'updateMessage' ? 'update' : 'post'));
        },
        press: async (verb, data) => {
          const res = await client.invoke(verb, { occurrenceId: card!.occurrenceId, ...data }, { conversationId: card!.postConversationId, replyToId: card!.messageId }, ALEX.id);
          expect(res.status).toBe(200);
          return invokeOutput(res.body);
        },
      };
      playgroundRun = await coreScenario(driver, () => freshClock);
    } finally {
      await fresh.stop();
    }
    expect(playgroundRun.length).toBeGreaterThan(8);
  });

  it('runs the same scenario against the fake Bot Connector', async () => {
    const h = await new BotHarness({ catalogYaml: CATALOG, env: { SOC_LOCALE: 'en' }, start: START }).start();
    // The harness's activities (bot-harness.ts), with the playground's team and channel ids. Like the harness's
    // own, they carry the channel's name, which Teams and the playground do not send.
    const channelDataOf = (channelId: string, channelName: string) => ({
      tenant: { id: tenant.tenantId },
      team: { id: GENERAL.id, name: tenant.team.name },
      channel: { id: channelId, name: channelName },
    });
    try {
      let card: RecordedPost | undefined;
      let thread = 0;
      // Replies: in the conversation they answer. New posts and their updates: in the channel (their thread's root).
      const whereOf = (kind: Output['kind'], item: RecordedPost | RecordedUpdate): Output['where'] => {
        const id = kind === 'reply' ? item.conversationId : item.threadId;
        return id === GENERAL.id ? 'general' : id === CHANNEL.id ? 'channel' : 'thread';
      };
      const toOutput = (kind: Output['kind'], item: RecordedPost | RecordedUpdate): Output => ({
        kind,
        where: whereOf(kind, item),
        text: item.activity.text,
        cards: h.connector.attachmentsOf(item),
      });
      const driver: Driver = {
        install: async () => {
          const before = h.connector.posts().length;
          await h.post(h.activity({ type: 'installationUpdate', action: 'add', channelData: channelDataOf(GENERAL.id, 'General') }, { channel: { id: GENERAL.id, name: 'General' }, person: MINJI_PERSON }));
          return h.connector.posts().slice(before).map((p) => toOutput('reply', p));
        },
        say: async (where, text) => {
          // As Teams sends it: a new post's conversation is `<channel>;messageid=<id>`, so replies go in its thread.
          const channel = where === 'general' ? { id: GENERAL.id, name: 'General' } : { id: CHANNEL.id, name: CHANNEL.name };
          const before = h.connector.posts().length;
          const activity = h.activity(
            {
              type: 'message',
              text: `<at>${tenant.bot.name}</at> ${text}`,
              entities: [{ type: 'mention', mentioned: tenant.bot, text: `<at>${tenant.bot.name}</at>` }],
              channelData: channelDataOf(channel.id, channel.name),
            },
            { channel, person: MINJI_PERSON, conversationId: `${channel.id};messageid=${Date.now()}${++thread}` },
          );
          await h.post(activity);
          return h.connector.posts().slice(before).map((p) => toOutput('reply', p));
        },
        deliver: async () => {
          const posts = h.connector.posts().length;
          const updates = h.connector.updates().length;
          await h.deliver();
          const newPosts = h.connector.posts().slice(posts);
          for (const p of newPosts) if (p.kind === 'create' && p.threadId === CHANNEL.id) card = p;
          return [...newPosts.map((p) => toOutput('post', p)), ...h.connector.updates().slice(updates).map((u) => toOutput('update', u))];
        },
        press: async (verb, data) => {
          const occurrenceId = occurrenceIdOf(h.connector.attachmentsOf(card!));
          const res = await h.press(verb, { occurrenceId, ...data }, { conversationId: card!.conversationId, replyToId: card!.activityId, person: ALEX_PERSON });
          expect(res.status).toBe(200);
          expect(res.body.statusCode).toBe(200);
          return invokeOutput(res.body);
        },
      };
      fakeRun = await coreScenario(driver, () => h.clock);
    } finally {
      await h.stop();
    }
    expect(fakeRun.length).toBeGreaterThan(8);
  });

  it('shows the same bot behaviour in both', () => {
    expect(fakeRun.map((o) => `${o.kind}:${o.where}`)).toEqual(playgroundRun.map((o) => `${o.kind}:${o.where}`));
    const differences: string[] = [];
    playgroundRun.forEach((p, i) => {
      const f = fakeRun[i]!;
      const same = JSON.stringify({ text: f.text ?? undefined, cards: f.cards, invokeType: f.invokeType }) === JSON.stringify({ text: p.text ?? undefined, cards: p.cards, invokeType: p.invokeType });
      if (!same) differences.push(`${i} ${p.kind}:${p.where}\n  playground: ${p.text ?? ''} ${cardText(p.cards)}\n  fake:       ${f.text ?? ''} ${cardText(f.cards)}`);
    });
    // The harness used to send the channel's name, which Teams and the playground do not; now both name the
    // channel the same way (the bot asks Teams), and there is no difference left.
    expect(differences).toEqual([]);
    const last = playgroundRun.length - 1;
    expect(cardText(playgroundRun[last]!.cards)).toContain('Monitoring\nSOC Monitoring');
    expect(cardText(fakeRun[last]!.cards)).toContain('Monitoring\nSOC Monitoring');
  });
});
