/**
 * Gaps found in review of issue 14's merged work, over real HTTP, real SQLite and the fake Bot Connector:
 * - a person a task is handed over or reassigned to gets its card in their 1:1 chat, as an assignee at creation does;
 * - the overdue card reaches the assignee's 1:1 chat when the first nudge comes after the due time (`nudges: [30m]`),
 *   not only when it is sent at due;
 * - the escalation card's channel may Acknowledge and Assign, as its buttons say, and nothing else: a forged Done
 *   or Skip pressed there is refused and records nothing.
 */
import { listEvents } from '../../src/storage/occurrence.repository';
import { BotHarness, CHANNELS, TEAM_ID, TENANT, type Person, rosterOf } from '../support/bot-harness';
import { HOSTILE_TEXT } from '../support/people-text';

const guid = (n: number) => `6e1e2f3a-4b5c-4d6e-8f70-8192a3b4c5${String(n).padStart(2, '0')}`;
const KIM: Person = { id: '29:kim', name: 'Kim Minji', aadObjectId: guid(1), locale: 'en-US' };
const LEE: Person = { id: '29:lee', name: 'Lee Jun', aadObjectId: guid(2), locale: 'en-US' };
const CHOI: Person = { id: '29:choi', name: 'Choi Yuna', aadObjectId: guid(4), locale: 'en-US' };
const ADMIN: Person = { id: '29:admin', name: 'Sam Admin', aadObjectId: guid(9), locale: 'en-US' };
/** A member of a shared channel from another organisation: Teams' roster gives their home tenant. */
const EXTERNAL: Person = { id: '29:external', name: 'Eve Outside', aadObjectId: guid(6), locale: 'en-US' };
/** A member whose Teams display name is Markdown and HTML. */
const MALLORY: Person = { id: '29:mallory', name: HOSTILE_TEXT, aadObjectId: guid(5), locale: 'en-US' };

const CATALOG = `
timezone: Asia/Seoul
teams:
  - id: monitoring
    name: Monitoring
    name_ko: 모니터링
    allHours: true
    rotation:
      - { id: ${KIM.aadObjectId}, name: Kim Minji }
      - { id: ${LEE.aadObjectId}, name: Lee Jun }
  - id: soc-oversight
    name: SOC Oversight
    name_ko: SOC 감독
activities:
  - id: shift-check
    title: Shift check
    title_ko: 교대 점검
    description: Check the consoles.
    description_ko: 콘솔을 확인합니다.
    teams: [monitoring]
    onDemand: true
    assign: rotation
    dueAfter: 1h
    nudges: [30m]
    escalate:
      - { after: 2h, to: soc-oversight }
`;

const MIN = 60_000;

describe('review: personal cards and the escalation card’s actions (issue 14)', () => {
  let h: BotHarness;

  beforeEach(async () => {
    h = await new BotHarness({ catalogYaml: CATALOG, env: { SOC_ADMINS: ADMIN.aadObjectId } }).start();
    h.connector.setTeam(TEAM_ID, {
      name: 'Contoso SOC',
      channels: Object.values(CHANNELS).map((c) => (c.id === TEAM_ID ? { id: c.id } : { id: c.id, name: c.name })),
      members: [...rosterOf([KIM, LEE, CHOI, ADMIN, MALLORY]), { ...rosterOf([EXTERNAL])[0]!, tenantId: '99999999-8888-7777-6666-555555555555' }],
    });
    await h.install();
    await h.say('bind monitoring', { person: ADMIN });
    await h.say('bind soc-oversight', { person: ADMIN, channel: CHANNELS.oversight });
  });
  afterEach(() => h.stop());

  const start = async () => {
    h.clock.advance(2 * MIN);
    await h.say('run shift-check again', { person: ADMIN });
    const before = h.connector.posts().length;
    await h.deliver();
    const post = h.connector.posts().slice(before).find((p) => p.kind === 'create' && p.threadId !== CHANNELS.oversight.id && !h.connector.personalChats().some((c) => c.conversationId === p.conversationId))!;
    const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(post.activity))![1]!;
    return { occurrenceId, where: { conversationId: post.conversationId, replyToId: post.activityId } };
  };
  const chatOf = (p: Person) => h.connector.personalChats().find((c) => c.memberId === p.aadObjectId)?.conversationId;
  const postsInChatOf = (p: Person) => h.connector.posts().filter((x) => x.conversationId === chatOf(p));

  it('brings the card to the 1:1 chat of the person it is handed over or reassigned to', async () => {
    const { occurrenceId, where } = await start(); // Kim's turn
    expect(postsInChatOf(KIM)).toHaveLength(1);
    expect(chatOf(CHOI)).toBeUndefined();
    const handed = await h.press('handover', { occurrenceId, assignee: CHOI.aadObjectId, handoverNote: 'Console 3' }, { ...where, person: KIM });
    expect(JSON.stringify(handed.body.value)).toContain('Choi Yuna');
    await h.deliver();
    const choi = postsInChatOf(CHOI);
    expect(choi).toHaveLength(1);
    expect(JSON.stringify(choi[0]!.activity)).toContain(occurrenceId);
    // An admin reassigns to Lee: Lee gets it too, once.
    await h.press('reassign', { occurrenceId, assignee: LEE.aadObjectId }, { ...where, person: ADMIN });
    await h.press('reassign', { occurrenceId, assignee: CHOI.aadObjectId }, { ...where, person: ADMIN });
    await h.press('reassign', { occurrenceId, assignee: LEE.aadObjectId }, { ...where, person: ADMIN });
    await h.deliver();
    expect(postsInChatOf(LEE)).toHaveLength(1);
    expect(postsInChatOf(CHOI)).toHaveLength(1);
  });

  it('brings the overdue card to the assignee’s chat when the first nudge is 30 minutes after due', async () => {
    const { occurrenceId } = await start(); // Kim's turn
    expect(postsInChatOf(KIM)).toHaveLength(1);
    h.clock.advance(61 * MIN);
    await h.app.reminders.processTimers();
    await h.deliver();
    // Overdue at due, no nudge yet (the first is at 30 min).
    expect(postsInChatOf(KIM)).toHaveLength(1);
    h.clock.advance(30 * MIN);
    await h.app.reminders.processTimers();
    await h.app.reminders.processTimers();
    await h.deliver();
    const kim = postsInChatOf(KIM);
    expect(kim).toHaveLength(2);
    expect(JSON.stringify(kim[1]!.activity)).toContain(occurrenceId);
    expect(JSON.stringify(kim[1]!.activity)).toMatch(/Overdue/);
  });

  it('refuses Done, Skip, Snooze, Take it and Hand over pressed from the escalation card’s channel, which offers only Acknowledge and Assign', async () => {
    const { occurrenceId } = await start();
    h.clock.advance(3 * 60 * MIN);
    await h.app.reminders.processTimers();
    await h.deliver();
    const escalation = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.oversight.id)!;
    expect(escalation).toBeDefined();
    const there = { conversationId: escalation.conversationId, replyToId: escalation.activityId, person: ADMIN };
    const count = (await listEvents(h.store.db, { tenantId: TENANT, occurrenceId })).length;
    for (const [verb, data] of [
      ['done', { note: 'closed from Oversight' }],
      ['skip', { reason: 'not needed' }],
      ['snooze', { minutes: 60 }],
      ['take', {}],
      ['handover', { assignee: CHOI.aadObjectId }],
    ] as const) {
      const answer = await h.press(verb, { occurrenceId, ...data }, there);
      expect(JSON.stringify(answer.body)).toContain('This card was not posted in this conversation.');
    }
    expect(await listEvents(h.store.db, { tenantId: TENANT, occurrenceId })).toHaveLength(count);
    expect((await h.app.reminders.get(TENANT, occurrenceId)).state).toBe('open');
    // Acknowledge from there still works.
    const ack = await h.press('ack', { occurrenceId }, there);
    expect(ack.status).toBe(200);
    expect((await h.app.reminders.get(TENANT, occurrenceId)).acknowledgedBy?.name).toBe('Sam Admin');
  });

  it('says who acknowledged from the escalation card in a note that carries their name inert', async () => {
    const { occurrenceId } = await start();
    h.clock.advance(3 * 60 * MIN);
    await h.app.reminders.processTimers();
    await h.deliver();
    const escalation = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.oversight.id)!;
    const ack = await h.press('ack', { occurrenceId }, { conversationId: escalation.conversationId, replyToId: escalation.activityId, person: MALLORY });
    const note = String(ack.body.value);
    expect(note).toMatch(/^Recorded for Monitoring/);
    // The name reads as written, but nothing in it is a link, an image, a tag or an entity for Teams.
    expect(note.replace(/\u200B/g, '')).toContain(HOSTILE_TEXT);
    expect(/\]\(|<[A-Za-z/!]|&[#A-Za-z]/.test(note)).toBe(false);
  });

  it('refuses a person of another tenant in a rotation or as an assignee, and records nothing', async () => {
    const text = `<at>SOC Reminders</at> rotation set monitoring <at>${LEE.name}</at> <at>${EXTERNAL.name}</at>`;
    const mention = (p: Person) => ({ type: 'mention', mentioned: { id: p.id, name: p.name }, text: `<at>${p.name}</at>` });
    const before = h.connector.posts().length;
    await h.post(h.activity({ type: 'message', text, entities: [{ type: 'mention', mentioned: { id: '28:soc-reminders-bot', name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }, mention(LEE), mention(EXTERNAL)] }, { person: ADMIN }));
    expect(h.connector.posts().slice(before).map(BotHarness.textOf).join('\n')).toMatch(/could not find/i);
    expect((await h.app.reminders.rotation(TENANT, 'monitoring')).source).toBe('catalog');
    // The same when the mention carries the person's Entra object id: it is their home tenant's, so the roster decides.
    const withId = (p: Person) => ({ ...mention(p), mentioned: { ...mention(p).mentioned, aadObjectId: p.aadObjectId } });
    const again = h.connector.posts().length;
    await h.post(h.activity({ type: 'message', text, entities: [{ type: 'mention', mentioned: { id: '28:soc-reminders-bot', name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }, withId(LEE), withId(EXTERNAL)] }, { person: ADMIN }));
    expect(h.connector.posts().slice(again).map(BotHarness.textOf).join('\n')).toMatch(/could not find/i);
    expect((await h.app.reminders.rotation(TENANT, 'monitoring')).source).toBe('catalog');

    const { occurrenceId, where } = await start();
    const count = (await listEvents(h.store.db, { tenantId: TENANT, occurrenceId })).length;
    const answer = await h.press('reassign', { occurrenceId, assignee: EXTERNAL.aadObjectId }, { ...where, person: ADMIN });
    expect(String(answer.body.value)).toMatch(/could not find that person/);
    expect(await listEvents(h.store.db, { tenantId: TENANT, occurrenceId })).toHaveLength(count);
    expect((await h.app.reminders.get(TENANT, occurrenceId)).assignee?.name).toBe('Kim Minji');
  });
});
