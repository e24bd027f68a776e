/**
 * Assignees and rotations (issue 14), end to end over real HTTP and real SQLite, Teams' cloud being the fake Bot
 * Connector (its roster answers TeamsInfo.getMember by Entra object id, as Teams does): the rotation's next person
 * on each new task, recorded as an `assigned` event and shown on the card; Take it, Reassign and Hand over from the
 * card, with who may and what is refused (nothing recorded); who is on it surviving overdue and escalation; the
 * `rotation` commands, admins only and audited; `tasks` in personal chat with the cards' actions.
 */
import { listEvents, listOpenOccurrences } from '../../src/storage/occurrence.repository';
import { listRotationChanges } from '../../src/storage/rotation.repository';
import { BotHarness, CHANNELS, TEAM_ID, TENANT, cardText, type Person, rosterOf } from '../support/bot-harness';

const guid = (n: number) => `5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5${String(n).padStart(2, '0')}`;
const KIM: Person = { id: '29:kim', name: 'Kim Minji', aadObjectId: guid(1), locale: 'en-US' };
const LEE: Person = { id: '29:lee', name: 'Lee Jun', aadObjectId: guid(2), locale: 'en-US' };
const PARK: Person = { id: '29:park', name: 'Park Sora', aadObjectId: guid(3), locale: 'ko-KR' };
/** In the Teams team, not in the rotation. */
const CHOI: Person = { id: '29:choi', name: 'Choi Yuna', aadObjectId: guid(4), locale: 'en-US' };
const ADMIN: Person = { id: '29:admin', name: 'Sam Admin', aadObjectId: guid(9), locale: 'en-US' };
const NOBODY_KNOWN = guid(77);

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
      - { id: ${PARK.aadObjectId}, name: 박소라 }
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
    escalateAfter: 30m
  - id: team-task
    title: Team task
    title_ko: 팀 작업
    description: Anyone takes it.
    description_ko: 누구나 맡습니다.
    teams: [monitoring]
    onDemand: true
    dueAfter: 1h
`;

const MIN = 60_000;

describe('assignees and rotations (issue 14)', () => {
  let h: BotHarness;

  beforeEach(async () => {
    h = await new BotHarness({ catalogYaml: CATALOG, env: { SOC_ADMINS: ADMIN.aadObjectId } }).start();
    h.connector.setTeam(TEAM_ID, {
      name: 'Contoso SOC',
      channels: Object.values(CHANNELS).map((c) => (c.id === TEAM_ID ? { id: c.id } : { id: c.id, name: c.name })),
      members: rosterOf([KIM, LEE, PARK, CHOI, ADMIN]),
    });
    await h.install();
    await h.say('bind monitoring', { person: ADMIN });
    await h.say('bind soc-oversight', { person: ADMIN, channel: CHANNELS.oversight });
  });
  afterEach(() => h.stop());

  /** Starts an activity now and returns its task's id and where its card was posted. */
  const start = async (activity: string) => {
    // Past the on-demand run limit's window (5 runs in 10 minutes a person).
    h.clock.advance(2 * MIN);
    const said = await h.say(`run ${activity} again`, { person: ADMIN });
    expect(BotHarness.textOf(said.replies[0]!)).toMatch(/^Started/);
    const before = h.connector.posts().length;
    await h.deliver();
    const post = h.connector.posts().slice(before).find((p) => p.kind === 'create')!;
    const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(post.activity))![1]!;
    return { occurrenceId, post, where: { conversationId: post.conversationId, replyToId: post.activityId } };
  };
  const shown = (post: { conversationId: string; activityId: string }) => cardText(h.connector.message(post.conversationId, post.activityId)!.attachments);
  const assignedEvents = async (occurrenceId: string) => (await listEvents(h.store.db, { tenantId: TENANT, occurrenceId })).filter((e) => e.type === 'assigned');
  const verbsOf = (card: unknown) => [...JSON.stringify(card).matchAll(/"verb":"(\w+)"/g)].map((m) => m[1]);

  it('gives each new task the next person of the rotation, round-robin, recorded and shown on the card', async () => {
    const names: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { occurrenceId, post } = await start('shift-check');
      const [event] = await assignedEvents(occurrenceId);
      expect(event).toMatchObject({ actor: { userId: 'system' }, note: 'rotation' });
      names.push(event!.subject!.name);
      expect(cardText(h.connector.attachmentsOf(post))).toContain(`Assigned to \n${event!.subject!.name}`);
    }
    expect(names).toEqual(['Kim Minji', 'Lee Jun', '박소라', 'Kim Minji']);
    // An activity without `assign: rotation` is the team's, and does not move the rotation.
    const team = await start('team-task');
    expect(await assignedEvents(team.occurrenceId)).toEqual([]);
    expect(cardText(h.connector.attachmentsOf(team.post))).not.toContain('Assigned to');
    expect(BotHarness.textOf((await h.say('rotation monitoring', { person: CHOI })).replies[0]!)).toMatch(/Monitoring: Kim Minji, Lee Jun, 박소라\. Next: Lee Jun\. \(from the catalog\)/);
  });

  it('takes a turn once per created task: the same slot created again (a restart, a catch-up racing a tick) takes none', async () => {
    const activity = h.app.reminders.activity('shift-check')!;
    const at = h.clock.now() - 5 * MIN;
    const [first] = await h.app.reminders.createScheduledMany([{ activity, tenantId: TENANT, teamId: 'monitoring', scheduledAt: at, trigger: 'catch-up' }]);
    const again = await Promise.all([1, 2, 3].map(() => h.app.reminders.createScheduled(TENANT, activity, 'monitoring', at, 'schedule')));
    expect(again).toEqual([undefined, undefined, undefined]);
    expect(first!.assignee).toEqual({ aadObjectId: KIM.aadObjectId, name: 'Kim Minji' });
    // A catch-up of three missed runs takes the next three turns in fire-time order.
    const slots = [1, 2, 3].map((n) => ({ activity, tenantId: TENANT, teamId: 'monitoring', scheduledAt: at + n * MIN, trigger: 'catch-up' as const }));
    const created = await h.app.reminders.createScheduledMany(slots);
    expect(created.map((o) => o?.assignee?.name)).toEqual(['Lee Jun', '박소라', 'Kim Minji']);
    const open = await listOpenOccurrences(h.store.db, TENANT, { teamId: 'monitoring' });
    expect(open).toHaveLength(4);
  });

  it('lets a member take an unassigned task (and be on it); a second Take it is told who has it, with nothing changed', async () => {
    const { occurrenceId, post, where } = await start('team-task');
    expect(verbsOf(h.connector.attachmentsOf(post))).toEqual(['refresh', 'reassign', 'handover', 'take', 'done', 'snooze', 'skip']);
    const taken = await h.press('take', { occurrenceId }, { ...where, person: CHOI });
    expect(taken.status).toBe(200);
    const card = cardText(taken.body.value);
    expect(card).toContain('Assigned to \nChoi Yuna');
    expect(card).toMatch(/In progress\n · \nChoi Yuna is on it since/);
    expect(verbsOf(taken.body.value)).toEqual(['refresh', 'reassign', 'handover', 'done', 'snooze', 'skip']);
    const [event] = await assignedEvents(occurrenceId);
    expect(event).toMatchObject({ actor: { name: 'Choi Yuna' }, note: 'take', subject: { aadObjectId: CHOI.aadObjectId, name: 'Choi Yuna' } });

    const late = await h.press('take', { occurrenceId }, { ...where, person: LEE });
    expect(late.body.value).toMatch(/^Choi Yuna already has this task \(since .*\)\. They, an owner of this Teams team or a SOC admin can reassign it\.$/);
    expect(await assignedEvents(occurrenceId)).toHaveLength(1);
    // The whole channel sees it: the posted card is updated.
    await h.deliver();
    expect(shown(post)).toContain('Assigned to \nChoi Yuna');
  });

  it('of two Take it pressed at once, exactly one wins', async () => {
    const { occurrenceId, where } = await start('team-task');
    const answers = await Promise.all([KIM, LEE, PARK, CHOI].map((person) => h.press('take', { occurrenceId }, { ...where, person })));
    const winners = answers.filter((a) => typeof a.body.value !== 'string');
    expect(winners).toHaveLength(1);
    expect(await assignedEvents(occurrenceId)).toHaveLength(1);
  });

  it('reassigns through the people picker: the assignee or an admin may, a member may not; names come from the rotation or the roster', async () => {
    const { occurrenceId, where, post } = await start('shift-check'); // Kim's turn
    // A member who is not on it: refused, nothing recorded.
    const refused = await h.press('reassign', { occurrenceId, assignee: CHOI.aadObjectId }, { ...where, person: LEE });
    expect(refused.body.value).toBe('Only the person on this task, an owner of this Teams team or a SOC admin can reassign it or hand it over.');
    expect(await assignedEvents(occurrenceId)).toHaveLength(1);

    // Kim hands over to Choi (named by the roster), with a note; Kim had acknowledged: that goes with her.
    await h.press('ack', { occurrenceId }, { ...where, person: KIM });
    const handed = await h.press('handover', { occurrenceId, assignee: CHOI.aadObjectId.toUpperCase(), handoverNote: 'Console 3 is flaky' }, { ...where, person: KIM });
    const card = cardText(handed.body.value);
    expect(card).toContain('Assigned to \nChoi Yuna');
    expect(card).toMatch(/Open\n · \nWaiting for Choi Yuna to take it/);
    expect(verbsOf(handed.body.value)).toContain('ack');
    const events = await assignedEvents(occurrenceId);
    expect(events.at(-1)).toMatchObject({ note: 'handover: Console 3 is flaky', actor: { name: 'Kim Minji' }, subject: { aadObjectId: CHOI.aadObjectId, name: 'Choi Yuna' } });

    // An admin reassigns to Park: her name is the rotation's (박소라), not the roster's.
    const byAdmin = await h.press('reassign', { occurrenceId, assignee: PARK.aadObjectId }, { ...where, person: ADMIN });
    expect(cardText(byAdmin.body.value)).toContain('Assigned to \n박소라');
    await h.deliver();
    expect(shown(post)).toContain('Assigned to \n박소라');
  });

  it('refuses a forged or unknown person with a clear answer and records nothing', async () => {
    const { occurrenceId, where } = await start('shift-check');
    const count = (await listEvents(h.store.db, { tenantId: TENANT, occurrenceId })).length;
    for (const forged of ['Eve <at>admin</at>', '', 42, { id: CHOI.aadObjectId }, '29:choi']) {
      const answer = await h.press('reassign', { occurrenceId, assignee: forged }, { ...where, person: ADMIN });
      expect(answer.body.value).toBe('Choose a person from the list: that is not a Microsoft Entra user. Nothing was recorded.');
    }
    const unknown = await h.press('reassign', { occurrenceId, assignee: NOBODY_KNOWN }, { ...where, person: ADMIN });
    expect(unknown.body.value).toBe('I could not find that person in the rotation or in this team, so nothing was recorded. Choose someone from the team.');
    const ko = await h.press('reassign', { occurrenceId, assignee: 'not-a-guid' }, { ...where, person: PARK });
    expect(ko.body.value).toMatch(/담당자 변경과 인계는 현재 담당자/);
    expect(await listEvents(h.store.db, { tenantId: TENANT, occurrenceId })).toHaveLength(count);
    expect((await h.app.reminders.get(TENANT, occurrenceId)).assignee?.name).toBe('Kim Minji');
  });

  it('keeps who is on it through overdue and escalation, and does not offer "I\'m on it" again', async () => {
    const { occurrenceId, where, post } = await start('shift-check');
    await h.press('ack', { occurrenceId }, { ...where, person: KIM });
    h.clock.advance(61 * MIN);
    await h.app.reminders.processTimers();
    await h.deliver();
    const overdue = h.connector.message(post.conversationId, post.activityId)!;
    expect(cardText(overdue.attachments)).toMatch(/Overdue\n · \nwas due .*; Kim Minji is on it/);
    expect(verbsOf(overdue.attachments)).not.toContain('ack');
    h.clock.advance(30 * MIN);
    await h.app.reminders.processTimers();
    await h.deliver();
    const escalated = h.connector.message(post.conversationId, post.activityId)!;
    expect(cardText(escalated.attachments)).toMatch(/Escalated\n · \nto SOC Oversight at .*; Kim Minji is on it/);
    expect(cardText(escalated.attachments)).toContain('Assigned to \nKim Minji');
    expect(verbsOf(escalated.attachments)).not.toContain('ack');
  });

  it('shows, sets and resets a rotation from chat: admins only, audited, used by the next task without a restart', async () => {
    const mention = (p: Person) => ({ type: 'mention', mentioned: { id: p.id, name: p.name }, text: `<at>${p.name}</at>` });
    const setBy = async (person: Person, people: Person[], word = 'rotation set monitoring') => {
      const before = h.connector.posts().length;
      const text = `<at>SOC Reminders</at> ${word} ${people.map((p) => `<at>${p.name}</at>`).join(' ')}`;
      await h.post(h.activity({ type: 'message', text, entities: [{ type: 'mention', mentioned: { id: '28:soc-reminders-bot', name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }, ...people.map(mention)] }, { person }));
      return h.connector.posts().slice(before).map(BotHarness.textOf).join('\n');
    };
    expect(await setBy(CHOI, [LEE, CHOI])).toBe('Only a SOC admin, or an owner of the Teams team where Monitoring receives its reminders, can change its rotation.');
    expect(await setBy(PARK, [LEE], '순번 초기화 monitoring')).toBe('모니터링의 순번은 SOC 관리자 또는 해당 팀 알림을 받는 Teams 팀의 소유자만 바꿀 수 있습니다.');
    expect(await listRotationChanges(h.store.db)).toEqual([]);
    expect(await setBy(ADMIN, [])).toBe('Mention the people of the rotation in order: rotation set «team» @person @person…');

    expect(await setBy(ADMIN, [CHOI, LEE])).toBe("Monitoring's rotation is now: Choi Yuna, Lee Jun. Next: Choi Yuna. It was: Kim Minji, Lee Jun, 박소라.");
    const { occurrenceId } = await start('shift-check');
    expect((await assignedEvents(occurrenceId))[0]!.subject).toEqual({ aadObjectId: CHOI.aadObjectId, name: 'Choi Yuna' });
    const show = BotHarness.textOf((await h.say('순번 monitoring', { person: PARK })).replies[0]!);
    expect(show).toMatch(/모니터링: Choi Yuna, Lee Jun\. 다음 차례: Lee Jun\. \(Sam Admin 님이 .*에 설정\)/);

    expect(BotHarness.textOf((await h.say('rotation reset monitoring', { person: ADMIN })).replies[0]!)).toBe(
      "Monitoring uses the catalog's rotation again: Kim Minji, Lee Jun, 박소라. It was: Choi Yuna, Lee Jun.",
    );
    const changes = await listRotationChanges(h.store.db);
    expect(changes.map((c) => [c.teamId, c.actor.aadObjectId, c.from?.map((p) => p.name), c.to?.map((p) => p.name)])).toEqual([
      ['monitoring', ADMIN.aadObjectId, undefined, ['Choi Yuna', 'Lee Jun']],
      ['monitoring', ADMIN.aadObjectId, ['Choi Yuna', 'Lee Jun'], undefined],
    ]);
  });

  it('lists my tasks in personal chat as cards whose actions work there, and refuses them from anyone else\'s chat', async () => {
    const mine = await start('shift-check'); // Kim's turn
    const other = await start('team-task');
    await h.press('take', { occurrenceId: other.occurrenceId }, { ...other.where, person: LEE });
    const personal = (person: Person, conversationId: string) => {
      h.connector.setMembers(conversationId, rosterOf([person]));
      return (fields: Record<string, unknown>) => {
        const a = h.activity(fields, { person, conversationId });
        return h.post({ ...a, conversation: { id: conversationId, conversationType: 'personal', isGroup: false, tenantId: TENANT }, channelData: { tenant: { id: TENANT } } });
      };
    };
    const kimChat = personal(KIM, 'a:personal-kim');
    const before = h.connector.posts().length;
    await kimChat({ type: 'message', text: 'tasks' });
    const replies = h.connector.posts().slice(before);
    expect(replies.map(BotHarness.textOf)[0]).toMatch(/You have 1 open task, assigned to you or acknowledged by you:/);
    expect(replies).toHaveLength(2);
    expect(BotHarness.textOf(replies[1]!)).toContain('Shift check');
    expect(verbsOf(h.connector.attachmentsOf(replies[1]!))).toContain('ack');

    const press = (verb: string) => kimChat({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data: { occurrenceId: mine.occurrenceId } }, trigger: 'manual' } });
    expect(cardText((await press('ack')).body.value)).toMatch(/Kim Minji is on it since/);
    // Handed over from her chat, whose roster is only her: Choi is named by the roster of the task's Teams team.
    const handover = await kimChat({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'handover', data: { occurrenceId: mine.occurrenceId, assignee: CHOI.aadObjectId } }, trigger: 'manual' } });
    expect(cardText(handover.body.value)).toContain('Assigned to \nChoi Yuna');
    // Lee's task is not Kim's: from her chat it is refused.
    const foreign = await kimChat({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'done', data: { occurrenceId: other.occurrenceId } }, trigger: 'manual' } });
    expect(foreign.body.value).toBe('This card was not posted in this conversation.');
    expect((await h.app.reminders.get(TENANT, other.occurrenceId)).state).toBe('open');
    // In a channel, `tasks` lists the assigned task too.
    expect(BotHarness.textOf((await h.say('tasks', { person: LEE })).replies[0]!)).toMatch(/Team task/);
  });
});
