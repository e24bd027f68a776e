/**
 * Who may change what (issue 13), end to end over real HTTP and real SQLite: the fake Bot Connector answers Teams'
 * roster (`userRole`) and team details (`aadGroupId`); GraphStandIn answers team owners. Local mode, so the bot
 * asks the loopback Graph stand-in without a token (authenticated mode's MSAL token is not exercised here).
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { listBindings } from '../../src/storage/binding.repository';
import { countOccurrences, listOpenOccurrences } from '../../src/storage/occurrence.repository';
import { BotHarness, CHANNELS, TEAM_ID, TENANT, type Person, rosterOf } from '../support/bot-harness';
import { GraphStandIn } from '../support/graph.stand-in';

const guid = (n: number) => `0b6c2d4e-1f3a-4e5b-8c7d-00000000000${n}`;
const OWNER: Person = { id: '29:olivia', name: 'Olivia Owner', aadObjectId: guid(1), locale: 'en-US' };
const MEMBER: Person = { id: '29:alex', name: 'Alex Member', aadObjectId: guid(2), locale: 'en-US' };
const GUEST: Person = { id: '29:gary', name: 'Gary Guest', aadObjectId: guid(3), locale: 'en-US' };
const ADMIN: Person = { id: '29:sora', name: 'Sora Admin', aadObjectId: guid(4), locale: 'en-US' };
const MINJI: Person = { id: '29:minji', name: '김민지', aadObjectId: guid(5), locale: 'ko-KR' };
/** Someone's own Teams team, where they are the owner. */
const ROGUE_TEAM = '19:rogue-team@thread.tacv2';
const ROGUE_CHANNEL = { id: '19:rogue-channel@thread.tacv2', name: 'My channel' };
const SOC_GROUP = 'aad-group-contoso-soc';
const ROGUE_GROUP = 'aad-group-rogue';


describe('permissions (issue 13)', () => {
  let h: BotHarness;
  let graph: GraphStandIn;

  beforeEach(async () => {
    graph = new GraphStandIn();
    await graph.start();
    graph.setMembers(SOC_GROUP, [
      { userId: OWNER.aadObjectId, displayName: OWNER.name, roles: ['owner'] },
      { userId: MEMBER.aadObjectId, displayName: MEMBER.name, roles: [] },
      { userId: GUEST.aadObjectId, displayName: GUEST.name, roles: ['guest'] },
    ]);
    graph.setMembers(ROGUE_GROUP, [{ userId: MEMBER.aadObjectId, displayName: MEMBER.name, roles: ['owner'] }]);
    h = await new BotHarness({ env: { SOC_ADMINS: ADMIN.aadObjectId, GRAPH_ENDPOINT: graph.url } }).start();
    h.connector.setTeam(TEAM_ID, {
      name: 'Contoso SOC',
      aadGroupId: SOC_GROUP,
      channels: Object.values(CHANNELS).map((c) => (c.id === TEAM_ID ? { id: c.id } : { id: c.id, name: c.name })),
      members: rosterOf([OWNER, MEMBER, ADMIN, MINJI], [GUEST]),
    });
    h.connector.setTeam(ROGUE_TEAM, { name: 'Alex private', aadGroupId: ROGUE_GROUP, channels: [{ id: ROGUE_TEAM }, ROGUE_CHANNEL], members: rosterOf([MEMBER]) });
  });

  afterEach(async () => {
    await h.stop();
    await graph.stop();
  });

  /** A message from a channel of another Teams team than the harness's. */
  const sayInRogueTeam = async (text: string, person: Person) => {
    const before = h.connector.posts().length;
    const activity = h.activity(
      { type: 'message', text: `<at>SOC Reminders</at> ${text}`, entities: [{ type: 'mention', mentioned: { id: '28:soc-reminders-bot', name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }] },
      { person, conversationId: ROGUE_CHANNEL.id },
    );
    activity.channelData = { tenant: { id: TENANT }, team: { id: ROGUE_TEAM, name: 'Alex private' }, channel: { id: ROGUE_CHANNEL.id, name: ROGUE_CHANNEL.name } };
    const res = await h.post(activity);
    expect(res.status).toBe(200);
    return h.connector.posts().slice(before).map(BotHarness.textOf).join('\n');
  };
  const say = async (text: string, person: Person, channel: { id: string; name: string } = CHANNELS.monitoring) =>
    (await h.say(text, { person, channel })).replies.map(BotHarness.textOf).join('\n');
  const bindings = async () => (await listBindings(h.store.db, TENANT)).map((b) => `${b.socTeamId}@${b.channelId}`).sort();

  it('lets an owner of the Teams team bind, and refuses a member and a guest with nothing changed', async () => {
    expect(await say('bind monitoring', MEMBER)).toMatch(/Only a SOC admin or an owner of this Teams team can bind this channel/);
    expect(await say('bind monitoring', GUEST)).toMatch(/Only a SOC admin or an owner of this Teams team can bind/);
    expect(await say('연결 monitoring', MINJI)).toMatch(/SOC 관리자 또는 이 Teams 팀의 소유자만/);
    expect(await bindings()).toEqual([]);
    expect(await say('bind monitoring', OWNER)).toMatch(/This channel now receives the reminders of Monitoring/);
    expect(await bindings()).toEqual([`monitoring@${CHANNELS.monitoring.id}`]);
    // The SecOps intern cannot unbind either.
    expect(await say('unbind', MEMBER)).toMatch(/can unbind this channel/);
    expect(await say('unbind', GUEST)).toMatch(/can unbind this channel/);
    expect(await bindings()).toEqual([`monitoring@${CHANNELS.monitoring.id}`]);
    // Graph was asked once for the owner's two turns in five minutes (the role answer is kept).
    expect(graph.requests.filter((r) => r.path === `/v1.0/teams/${SOC_GROUP}/members`).length).toBeLessThanOrEqual(4);
  });

  it('keeps a SOC team in its Teams team unless a SOC admin moves it, and tells the old channel who moved it where', async () => {
    await say('bind monitoring', OWNER);
    await h.deliver();
    const inMonitoring = () => h.connector.posts().filter((p) => p.threadId === CHANNELS.monitoring.id && p.kind === 'create');
    // Alex owns a Teams team of his own; from there he may not take Monitoring's reminders.
    expect(await sayInRogueTeam('bind monitoring', MEMBER)).toMatch(/Monitoring receives its reminders in another Teams team\. Only a SOC admin can move it/);
    expect(await bindings()).toEqual([`monitoring@${CHANNELS.monitoring.id}`]);
    expect(inMonitoring()).toHaveLength(0);
    // He may bind a team nobody bound yet in his own team (he owns it)…
    expect(await sayInRogueTeam('bind engineering', MEMBER)).toMatch(/now receives the reminders of Engineering/);
    // …and a SOC admin may move Monitoring anywhere: the old channel is told.
    h.connector.setTeam(ROGUE_TEAM, { name: 'Alex private', aadGroupId: ROGUE_GROUP, channels: [{ id: ROGUE_TEAM }, ROGUE_CHANNEL], members: rosterOf([MEMBER, ADMIN]) });
    expect(await sayInRogueTeam('bind monitoring', ADMIN)).toMatch(/moved here from Monitoring[\s\S]*The previous channel \(Monitoring\) was told/);
    await h.deliver();
    const notes = inMonitoring().map(BotHarness.textOf);
    expect(notes).toEqual([expect.stringMatching(/Sora Admin moved Monitoring to My channel in Alex private\. This channel no longer receives its reminders\./)]);
  });

  it('answers a second `run` with the open card, starts another only with "again", and limits runs per person', async () => {
    await say('bind monitoring', OWNER);
    expect(await say('run secure-score-report', MEMBER)).toMatch(/Started .* for Monitoring/);
    await h.deliver();
    const second = await say('run secure-score-report', MEMBER);
    expect(second).toMatch(/already open for Monitoring: https:\/\/teams\.microsoft\.com\/l\/message\//);
    expect(second).toMatch(/run secure-score-report again/);
    expect(await listOpenOccurrences(h.store.db, TENANT, { teamId: 'monitoring' })).toHaveLength(1);
    // Each run is a moment of its own (the unique key holds the start time): people do not type twice in one millisecond.
    h.clock.advance(1000);
    expect(await say('실행 secure-score-report 다시', MINJI)).toMatch(/시작/);
    expect(await listOpenOccurrences(h.store.db, TENANT, { teamId: 'monitoring' })).toHaveLength(2);
    // Alex started 1; four more "again"s reach the limit of 5 in 10 minutes, the sixth is refused with when to retry.
    for (let i = 0; i < 4; i++) {
      h.clock.advance(1000);
      expect(await say('run secure-score-report again', MEMBER)).toMatch(/Started/);
    }
    h.clock.advance(1000);
    const before = await countOccurrences(h.store.db);
    expect(await say('run secure-score-report again', MEMBER)).toMatch(/You started 5 activities in the last 10 minutes, the most allowed\. Try again after/);
    expect(await countOccurrences(h.store.db)).toBe(before);
    h.clock.advance(10 * 60_000 + 1);
    expect(await say('run secure-score-report again', MEMBER)).toMatch(/Started/);
    // A guest reads only; and a member of another Teams team cannot start Monitoring's activity.
    expect(await say('run secure-score-report again', GUEST)).toMatch(/Guests can read tasks here, but cannot start activities/);
    expect(await sayInRogueTeam('run secure-score-report again', MEMBER)).toMatch(/Only members of a Teams team whose channel receives .* can start it/);
  });

  it('refuses a skip by a member where the catalog says owners, and takes the owner\'s', async () => {
    await say('bind monitoring', OWNER);
    await say('run secure-score-report', MEMBER);
    await h.deliver();
    const post = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.monitoring.id)!;
    const [o] = await listOpenOccurrences(h.store.db, TENANT, { teamId: 'monitoring' });
    const where = { conversationId: post.conversationId, replyToId: post.activityId };
    const refused = await h.press('skip', { occurrenceId: o!.id, reason: 'not needed' }, { ...where, person: MEMBER });
    expect(refused.body.value).toMatch(/Only an owner of this Teams team or a SOC admin can skip/);
    const guestAck = await h.press('ack', { occurrenceId: o!.id }, { ...where, person: GUEST });
    expect(guestAck.body.value).toMatch(/Guests can read tasks here, but cannot change them/);
    expect((await listOpenOccurrences(h.store.db, TENANT, { teamId: 'monitoring' }))[0]).toMatchObject({ id: o!.id, acknowledgedBy: undefined });
    const ack = await h.press('ack', { occurrenceId: o!.id }, { ...where, person: MEMBER });
    expect(ack.body.type).toBe('application/vnd.microsoft.card.adaptive');
    const skipped = await h.press('skip', { occurrenceId: o!.id, reason: 'not needed' }, { ...where, person: OWNER });
    expect(skipped.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(await listOpenOccurrences(h.store.db, TENANT, { teamId: 'monitoring' })).toHaveLength(0);
  });

  it('takes an owner for a member when Graph cannot answer, and says so', async () => {
    graph.failWith = 503;
    expect(await say('bind monitoring', OWNER)).toMatch(/could not check with Microsoft Graph whether you own this Teams team/);
    expect(await bindings()).toEqual([]);
    graph.failWith = undefined;
    expect(await say('bind monitoring', OWNER)).toMatch(/now receives/);
  });
});

describe('SOC_ADMINS in local mode without Graph', () => {
  let h: BotHarness;
  afterEach(async () => h.stop());

  it('refuses a bind by anyone else with nothing changed (logged with their Entra object id), and accepts the admin\'s', async () => {
    const logs: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    h = await new BotHarness({ env: { SOC_ADMINS: `${ADMIN.aadObjectId},someone@contoso.com` }, logger: createLogger('warn', sink) }).start();
    h.connector.setTeam(TEAM_ID, { name: 'Contoso SOC', aadGroupId: SOC_GROUP, members: rosterOf([OWNER, ADMIN]) });
    const refused = await h.say('bind monitoring', { person: OWNER });
    expect(BotHarness.textOf(refused.replies[0]!)).toMatch(/Only a SOC admin or an owner of this Teams team can bind/);
    expect(await listBindings(h.store.db, TENANT)).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'command refused', aadObjectId: OWNER.aadObjectId, command: 'bind', refusal: 'NOT_PERMITTED' }));
    // The start-up warning says who is an admin here, and that ownership is unknown without Graph.
    expect(logs).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/LOCAL MODE: SOC_ADMINS names 2 SOC admin\(s\); team ownership is not known/) }));
    const accepted = await h.say('bind monitoring', { person: ADMIN });
    expect(BotHarness.textOf(accepted.replies[0]!)).toMatch(/now receives the reminders of Monitoring/);
    expect((await listBindings(h.store.db, TENANT)).map((b) => b.socTeamId)).toEqual(['monitoring']);
  });
});
