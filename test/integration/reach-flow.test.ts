/**
 * Reaching a person (issue 14) over the real HTTP path, with the fake Bot Connector standing in for Teams: the post,
 * the overdue nudge and the escalation mention the person on the task (an `msteams.entities` mention whose text is
 * the `<at>` tag in the card's text), a task with no person mentions the team's tag, the assignee gets the card in a
 * 1:1 chat the bot creates, that card is updated with the channel card and takes actions from that chat only, and a
 * person the app is not installed for is reported in `teams` and the workload card and not tried again in a loop.
 *
 * Until rotation assignment lands (the assign part of issue 14) the tests give a task its assignee in the database
 * and enqueue its personal card with `personalEntries`, as creation does for an assigned task.
 */
import { personalEntries, UNREACHABLE_RETRY_MS } from '../../src/reminders/personal';
import { enqueueMessages } from '../../src/reminders/transaction';
import { findOccurrence } from '../../src/storage/occurrence.repository';
import { BotHarness, CHANNELS, MINJI, TENANT, cardText } from '../support/bot-harness';
import type { RecordedPost } from '../support/fake-bot-connector';
import { mentionsOf, textBlocksOf } from '../support/mentions';

const KIM = { aadObjectId: '7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f', name: 'Kim Minji' };
const LEE = { aadObjectId: '2b9e4f10-3c2d-4e1f-8a7b-6c5d4e3f2a1b', name: 'Lee Jun' };
const TAG = { id: 'MjQzMmYzYmEtNzBkOS00YzVhLTk4NzQtNjQ4ZDc1MjU3ZDk4IyMxMzI0', name: 'Monitoring on call' };

const CATALOG = `
teams:
  - id: monitoring
    name: Monitoring
    name_ko: 모니터링
    allHours: true
    rotation:
      - { id: ${KIM.aadObjectId}, name: ${KIM.name} }
      - { id: ${LEE.aadObjectId}, name: ${LEE.name} }
    tag: { id: ${TAG.id}, name: ${TAG.name} }
  - id: soc-oversight
    name: SOC Oversight
    name_ko: SOC 감독
activities:
  - id: queue-review
    title: Review the incident queue
    description: Review the incident queue.
    title_ko: 인시던트 큐 검토
    teams: [monitoring]
    dueAfter: 1h
    escalateAfter: 2h
  - id: mail-review
    title: Review reported mail
    description: Review reported mail.
    title_ko: 신고 메일 검토
    teams: [monitoring]
    dueAfter: 1h
  - id: tag-check
    title: Check the sensors
    description: Check the sensors.
    title_ko: 센서 점검
    teams: [monitoring]
    dueAfter: 1h
`;

const HOUR = 3_600_000;

function verbsOf(card: unknown): string[] {
  return [...JSON.stringify(card).matchAll(/"verb":"(\w+)"/g)].map((m) => m[1]!);
}

describe('mentions and personal reminders', () => {
  let h: BotHarness;

  beforeAll(async () => {
    // Monday 2026-03-09 09:30 in Seoul.
    h = await new BotHarness({ catalogYaml: CATALOG, start: Date.parse('2026-03-09T00:30:00Z') }).start();
    h.connector.setNotInstalled(LEE.aadObjectId, true);
    await h.install();
    await h.say('bind monitoring');
    await h.say('bind soc-oversight', { channel: CHANNELS.oversight });
    await h.deliver();
  });
  afterAll(() => h.stop());

  /** Starts `activity` by hand and gives its task to `person` (as rotation assignment will), with the personal card. */
  async function startAssigned(activity: string, person: { aadObjectId: string; name: string } | undefined): Promise<string> {
    const before = h.connector.posts().length;
    await h.say(`run ${activity}`);
    const row = await h.store.db.selectFrom('occurrences').select('id').where('activity_id', '=', activity).where('state', '=', 'open').executeTakeFirstOrThrow();
    if (person) {
      const now = h.clock.now();
      await h.store.db.transaction().execute(async (trx) => {
        await trx.updateTable('occurrences').set({ assignee_aad_id: person.aadObjectId, assignee_name: person.name, assigned_at: now }).where('id', '=', row.id).execute();
        const o = (await findOccurrence(trx, TENANT, row.id))!;
        await enqueueMessages(trx, await personalEntries(trx, o, person, 'assigned', now));
      });
    }
    await h.deliver();
    expect(h.connector.posts().length).toBeGreaterThan(before);
    return row.id;
  }

  const channelPostOf = (id: string): RecordedPost => h.connector.posts().find((p) => p.kind === 'create' && JSON.stringify(p.activity).includes(id))!;
  const chatWith = (aad: string) => h.connector.personalChats().find((c) => c.memberId === aad);
  const postsIn = (conversationId: string) => h.connector.posts().filter((p) => p.conversationId === conversationId);

  let kimTask: string;
  let kimChat: string;

  it('mentions the assignee on the channel post: an entity by Entra object id, and the same <at> text in a TextBlock', async () => {
    kimTask = await startAssigned('queue-review', KIM);
    const card = h.connector.attachmentsOf(channelPostOf(kimTask))[0];
    expect(mentionsOf(card)).toEqual([{ type: 'mention', text: '<at>Kim Minji</at>', mentioned: { id: KIM.aadObjectId, name: KIM.name } }]);
    expect(textBlocksOf(card)).toContain('For <at>Kim Minji</at>');
  });

  it('posts the same card, with its actions and no mention, in a 1:1 chat it creates with the assignee', () => {
    const chat = chatWith(KIM.aadObjectId);
    expect(chat).toMatchObject({ tenantId: TENANT });
    kimChat = chat!.conversationId;
    const personal = postsIn(kimChat);
    expect(personal).toHaveLength(1);
    const card = h.connector.attachmentsOf(personal[0]!)[0];
    expect(cardText(card)).toMatch(/Review the incident queue/);
    expect(verbsOf(card)).toEqual(expect.arrayContaining(['ack', 'done', 'snooze']));
    expect(mentionsOf(card)).toEqual([]);
  });

  it('takes an action from that 1:1 chat and updates the channel card and the personal card together', async () => {
    const personal = postsIn(kimChat)[0]!;
    const res = await h.post({
      ...h.activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'ack', data: { occurrenceId: kimTask } }, trigger: 'manual' } }, { person: MINJI }),
      conversation: { id: kimChat, conversationType: 'personal', tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
    });
    expect(res.status).toBe(200);
    // The answer replaces the card where it was pressed, in Minji's language, and mentions nobody in her own chat.
    expect(cardText(res.body.value)).toMatch(/진행 중/);
    expect(mentionsOf(res.body.value)).toEqual([]);
    await h.deliver();
    const channel = channelPostOf(kimTask);
    expect(cardText(h.connector.message(channel.conversationId, channel.activityId)!.attachments)).toMatch(/In progress\n · \nMinji Kim is on it/);
    expect(cardText(h.connector.message(kimChat, personal.activityId)!.attachments)).toMatch(/In progress\n · \nMinji Kim is on it/);
  });

  it('refuses the same action from any other 1:1 chat', async () => {
    const res = await h.post({
      ...h.activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'done', data: { occurrenceId: kimTask } }, trigger: 'manual' } }),
      conversation: { id: 'a:1someone-else', conversationType: 'personal', tenantId: TENANT },
      channelData: { tenant: { id: TENANT } },
    });
    expect(JSON.stringify(res.body)).toContain('This card was not posted in this conversation.');
    const o = await findOccurrence(h.store.db, TENANT, kimTask);
    expect(o?.state).toBe('open');
  });

  it('mentions the assignee in the overdue nudge and the escalation, and brings the overdue card to their chat', async () => {
    h.clock.advance(HOUR + 60_000);
    await h.app.reminders.processTimers();
    await h.deliver();
    const thread = channelPostOf(kimTask);
    const nudge = h.connector.posts().filter((p) => p.conversationId === thread.conversationId && p.kind !== 'create').at(-1)!;
    const nudgeCard = h.connector.attachmentsOf(nudge)[0];
    expect(mentionsOf(nudgeCard)).toEqual([{ type: 'mention', text: '<at>Kim Minji</at>', mentioned: { id: KIM.aadObjectId, name: KIM.name } }]);
    expect(textBlocksOf(nudgeCard)).toContain('For <at>Kim Minji</at>');
    const personal = postsIn(kimChat);
    expect(personal).toHaveLength(2);
    expect(cardText(h.connector.attachmentsOf(personal[1]!))).toMatch(/Overdue/);
    // One chat with Kim, created once.
    expect(h.connector.personalChats().filter((c) => c.memberId === KIM.aadObjectId)).toHaveLength(1);

    h.clock.advance(2 * HOUR);
    await h.app.reminders.processTimers();
    await h.deliver();
    const escalation = h.connector.posts().filter((p) => p.kind === 'create' && p.threadId === CHANNELS.oversight.id).at(-1)!;
    const escalationCard = h.connector.attachmentsOf(escalation)[0];
    expect(mentionsOf(escalationCard)).toEqual([{ type: 'mention', text: '<at>Kim Minji</at>', mentioned: { id: KIM.aadObjectId, name: KIM.name } }]);
    expect(textBlocksOf(escalationCard)).toContain('For <at>Kim Minji</at>');
  });

  it('mentions the team tag when the task has no person', async () => {
    const id = await startAssigned('tag-check', undefined);
    const card = h.connector.attachmentsOf(channelPostOf(id))[0];
    expect(mentionsOf(card)).toEqual([{ type: 'mention', text: '<at>Monitoring on call</at>', mentioned: { id: TAG.id, name: TAG.name, type: 'tag' } }]);
    expect(textBlocksOf(card)).toContain('For <at>Monitoring on call</at>');
  });

  it('keeps the channel mention for a person the app is not installed for, says so in teams and workload, and does not retry in a loop', async () => {
    const createsFor = (aad: string) =>
      h.connector.requests.filter((r) => r.operation === 'createConversation' && (r.body as { members?: { id?: string }[] }).members?.[0]?.id === aad).length;
    const id = await startAssigned('mail-review', LEE);
    expect(mentionsOf(h.connector.attachmentsOf(channelPostOf(id))[0])).toEqual([
      { type: 'mention', text: '<at>Lee Jun</at>', mentioned: { id: LEE.aadObjectId, name: LEE.name } },
    ]);
    expect(chatWith(LEE.aadObjectId)).toBeUndefined();
    expect(createsFor(LEE.aadObjectId)).toBe(1);

    const teams = await h.say('teams');
    expect(BotHarness.textOf(teams.replies[0]!)).toContain('Lee Jun cannot be reached in chat (the app is not installed for them).');
    expect(BotHarness.textOf(teams.replies[0]!)).not.toContain('Kim Minji cannot');
    const workload = await h.say('workload monitoring');
    expect(BotHarness.textOf(workload.replies[0]!)).toContain('Lee Jun cannot be reached in chat (the app is not installed for them).');
    const korean = await h.say('팀', { person: MINJI });
    expect(BotHarness.textOf(korean.replies[0]!)).toContain('Lee Jun 님에게는 개인 채팅으로 알릴 수 없습니다(앱이 설치되어 있지 않음).');

    // Overdue: the nudge still mentions Lee in the channel, and Teams is not asked again for the chat.
    h.clock.advance(HOUR + 60_000);
    await h.app.reminders.processTimers();
    await h.deliver();
    await h.deliver();
    expect(createsFor(LEE.aadObjectId)).toBe(1);
    const thread = channelPostOf(id);
    const nudge = h.connector.posts().filter((p) => p.conversationId === thread.conversationId && p.kind !== 'create').at(-1)!;
    expect(mentionsOf(h.connector.attachmentsOf(nudge)[0])[0]?.mentioned.id).toBe(LEE.aadObjectId);
    // The channel's binding is untouched by the refused chat.
    const channels = await h.say('teams');
    expect(BotHarness.textOf(channels.replies[0]!)).not.toMatch(/inactive/i);
  });

  it('tries an unreachable person again after a day, and reaches them once the app is installed for them', async () => {
    const closeAll = () => h.store.db.updateTable('occurrences').set({ state: 'done', closed_at: h.clock.now() }).where('state', '=', 'open').execute();
    h.connector.setNotInstalled(LEE.aadObjectId, false);
    await closeAll();
    // Within the day: a new task for Lee asks Teams nothing, although the app is now installed for him.
    await startAssigned('tag-check', LEE);
    expect(chatWith(LEE.aadObjectId)).toBeUndefined();
    await closeAll();
    h.clock.advance(UNREACHABLE_RETRY_MS);
    await startAssigned('tag-check', LEE);
    const chat = chatWith(LEE.aadObjectId);
    expect(chat).toBeDefined();
    expect(postsIn(chat!.conversationId)).toHaveLength(1);
    const teams = await h.say('teams');
    expect(BotHarness.textOf(teams.replies[0]!)).not.toContain('Lee Jun cannot be reached');
  });
});
