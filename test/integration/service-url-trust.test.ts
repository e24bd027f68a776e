/**
 * Only Teams' own endpoints are trusted (issue 11, point 3). Teams' cloud is the fake Bot Connector; "the
 * attacker's host" is a second fake connector on another port, which answers like Teams would, so anything sent
 * there would land and be seen (`requests`, with the Authorization header).
 *
 * In local mode every loopback URL is trusted by design, and tests can only run servers on loopback: so the
 * attacks that need an off-list host that answers run either in authenticated mode with SERVICE_URL_ALLOWLIST
 * naming the stand-in Teams origin, or against the edge with a policy that trusts only that origin.
 */
import { FakeClock } from '../support/fake-clock';
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { ServiceClientCredentialsFactory, TokenCredentials, type ServiceClientCredentials } from 'botframework-connector';
import { createApp, type App } from '../../src/app';
import { BindingService } from '../../src/reminders/binding.service';
import { UntrustedServiceUrl } from '../../src/reminders/errors';
import { ReminderService } from '../../src/reminders/reminder.service';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { findInstallation, listBindings, upsertBinding } from '../../src/storage/binding.repository';
import { openStore, type Store } from '../../src/storage/database';
import { listOutbox } from '../../src/storage/outbox.repository';
import { rememberTenant } from '../../src/storage/scheduler-state.repository';
import { BotAdapter, createAdapter, processBotRequest } from '../../src/teams/adapter';
import { CardViews } from '../../src/teams/card-views.builder';
import { ServiceUrlPolicy } from '../../src/teams/service-url';
import { TeamsPoster } from '../../src/teams/teams-poster';
import { BOT_ID, BotHarness, CHANNELS, TEAM_ID, TENANT } from '../support/bot-harness';
import { DIALECTS, createTestDatabase, openTestStore, type TestDatabase, type TestStore } from '../support/databases';
import { FakeBotConnector } from '../support/fake-bot-connector';
import { runCli } from '../support/process';

const APP_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const AUTHENTICATED = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret-value', MicrosoftAppType: 'MultiTenant' };
const ACTOR = { userId: '29:alex', name: 'Alex Morgan' };
const origin = (url: string) => new URL(url).origin;

async function counts(store: Store) {
  const n = async (table: 'occurrence_events' | 'bindings' | 'installations' | 'occurrences' | 'outbox') =>
    Number((await store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c);
  return { events: await n('occurrence_events'), bindings: await n('bindings'), installations: await n('installations'), occurrences: await n('occurrences'), outbox: await n('outbox') };
}

async function serviceUrls(store: Store): Promise<Record<string, string>> {
  return Object.fromEntries((await listBindings(store.db, TENANT)).map((b) => [b.socTeamId, b.serviceUrl]));
}

const mention = { entities: [{ type: 'mention', mentioned: { id: BOT_ID, name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }] };

describe('local mode: only Teams activities from Teams endpoints reach the bot', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await new BotHarness().start();
    await h.install();
    await h.say('bind monitoring');
    await h.deliver();
  });
  afterAll(() => h.stop());

  it('refuses an activity of another channel (a Web Chat token with forged Teams channelData) before any handler: 403, nothing stored, no reply', async () => {
    const before = await counts(h.store);
    const requests = h.connector.requests.length;
    for (const channelId of ['webchat', 'directline', 'emulator', 'MSTEAMS', 'msteams ']) {
      const res = await h.post(h.activity({ type: 'message', text: '<at>SOC Reminders</at> bind secops', channelId, ...mention }, { channel: CHANNELS.secops }));
      expect([channelId, res.status, res.body?.error?.code]).toEqual([channelId, 403, 'UnsupportedChannel']);
      const install = await h.post(h.activity({ type: 'installationUpdate', action: 'add', channelId }, { conversationId: '19:other-team@thread.tacv2' }));
      expect(install.status).toBe(403);
    }
    expect(await counts(h.store)).toEqual(before);
    expect(h.connector.requests.length).toBe(requests);
    expect((await fetch(`http://127.0.0.1:${h.port}/healthz`)).status).toBe(200);
  });

  it('refuses the help-message service-URL rewrite: the bindings keep Teams\' URL and the next reminder goes there', async () => {
    const stored = await serviceUrls(h.store);
    expect(stored.monitoring).toBe(h.connector.url);
    const requests = h.connector.requests.length;
    for (const serviceUrl of ['https://attacker.example/', 'http://10.20.30.40:8080/', 'https://smba.trafficmanager.net.attacker.example/amer/', 'https://attacker.trafficmanager.net/amer/']) {
      const res = await h.post(h.activity({ type: 'message', text: '<at>SOC Reminders</at> help', serviceUrl, ...mention }));
      expect([serviceUrl, res.status, res.body?.error?.code]).toEqual([serviceUrl, 403, 'UntrustedServiceUrl']);
      expect(res.body.error.message).toContain(new URL(serviceUrl).host);
    }
    expect(await serviceUrls(h.store)).toEqual(stored);
    expect(h.connector.requests.length).toBe(requests); // and no reply anywhere
    const creates = () => h.connector.posts().filter((p) => p.kind === 'create').length;
    const before = creates();
    await h.app.reminders.runOnDemand(TENANT, 'secure-score-report', 'monitoring', ACTOR);
    await h.deliver();
    expect(creates()).toBe(before + 1);
    expect(await listOutbox(h.store.db, { status: ['pending', 'sending', 'dead'] })).toEqual([]);
  });

  it('records no installation and no binding from an off-list service URL', async () => {
    const before = await counts(h.store);
    const install = await h.post(h.activity({ type: 'installationUpdate', action: 'add', serviceUrl: 'https://attacker.example/' }, { conversationId: '19:fresh-team@thread.tacv2' }));
    expect(install.status).toBe(403);
    const bind = await h.post(h.activity({ type: 'message', text: '<at>SOC Reminders</at> bind secops', serviceUrl: 'https://attacker.example/', ...mention }, { channel: CHANNELS.secops }));
    expect(bind.status).toBe(403);
    expect(await counts(h.store)).toEqual(before);
    expect(await findInstallation(h.store.db, TENANT, '19:fresh-team@thread.tacv2')).toBeUndefined();
  });
});

describe('the edge with an allow-list that names only the Teams origin', () => {
  let teams: FakeBotConnector;
  let attacker: FakeBotConnector;
  let adapter: BotAdapter;
  const lines: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });

  beforeAll(async () => {
    teams = new FakeBotConnector();
    attacker = new FakeBotConnector();
    await teams.start();
    await attacker.start();
    // Anonymous (local-mode) adapter, so botbuilder would run and answer any activity; only the gate stands between.
    adapter = createAdapter(parseConfig({ LOG_LEVEL: 'silent' }), logger, new ServiceUrlPolicy([{ kind: 'origin', origin: origin(teams.url) }], { allowLoopback: false }));
  });
  afterAll(async () => {
    await teams.stop();
    await attacker.stop();
  });

  const activity = (serviceUrl: string) => ({
    type: 'message',
    id: 'act-1',
    channelId: 'msteams',
    serviceUrl,
    text: 'help',
    from: { id: '29:mallory', name: 'Mallory' },
    recipient: { id: BOT_ID, name: 'SOC Reminders' },
    conversation: { id: CHANNELS.monitoring.id, conversationType: 'channel', isGroup: true, tenantId: TENANT },
    channelData: { tenant: { id: TENANT }, team: { id: TEAM_ID } },
  });

  it('answers 403 before botbuilder runs, and the off-list host receives nothing', async () => {
    let ran = 0;
    const logic = async (ctx: { sendActivity(text: string): Promise<unknown> }) => {
      ran++;
      await ctx.sendActivity('hello');
    };
    const refused = await processBotRequest(adapter, { body: activity(`${attacker.url}steal?code=s3cr3t`), headers: { authorization: 'Bearer their-token' } }, logic, logger);
    expect(refused).toEqual({ status: 403, body: { error: { code: 'UntrustedServiceUrl', message: expect.stringContaining(new URL(attacker.url).host) } } });
    expect(ran).toBe(0);
    expect(attacker.requests).toEqual([]);
    // One warn line naming the host; not the URL's path or query, not the request's token.
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 40, activityId: 'act-1', serviceUrlHost: new URL(attacker.url).host, msg: expect.stringMatching(/refused an activity whose serviceUrl/) });
    expect(lines[0]).not.toMatch(/s3cr3t|their-token/);
    // The control: the same activity from the listed origin runs, and botbuilder answers at its serviceUrl.
    const served = await processBotRequest(adapter, { body: activity(teams.url), headers: {} }, logic, logger);
    expect(served.status).toBe(200);
    expect(ran).toBe(1);
    expect(teams.posts().map((p) => p.activity.text)).toEqual(['hello']);
    expect(attacker.requests).toEqual([]);
  });
});

describe('authenticated mode with SERVICE_URL_ALLOWLIST: the off-list host check comes before authentication', () => {
  let teams: FakeBotConnector;
  let attacker: FakeBotConnector;
  let h: BotHarness;
  beforeAll(async () => {
    teams = new FakeBotConnector();
    attacker = new FakeBotConnector();
    await teams.start();
    await attacker.start();
    h = await new BotHarness({ connector: teams, env: { ...AUTHENTICATED, SERVICE_URL_ALLOWLIST: origin(teams.url) } }).start();
  });
  afterAll(async () => {
    await h.stop();
    await teams.stop();
    await attacker.stop();
  });

  it('answers 403 UntrustedServiceUrl for an off-list host (whatever the token), 401 for a listed one without a valid token', async () => {
    const before = await counts(h.store);
    const evil = await h.post(h.activity({ type: 'installationUpdate', action: 'add', serviceUrl: attacker.url }), { authorization: 'Bearer garbage' });
    expect(evil).toEqual({ status: 403, body: { error: { code: 'UntrustedServiceUrl', message: expect.stringContaining(new URL(attacker.url).host) } } });
    const loopback = await h.post(h.activity({ type: 'installationUpdate', action: 'add', serviceUrl: 'http://localhost:3978/' }));
    expect(loopback.status).toBe(403); // loopback is not trusted in authenticated mode unless listed
    expect((await h.post(h.activity({ type: 'installationUpdate', action: 'add' }), { authorization: 'Bearer garbage' })).status).toBe(401);
    expect(await counts(h.store)).toEqual(before);
    expect(attacker.requests).toEqual([]);
    expect(teams.requests).toEqual([]);
  });
});

/**
 * Stand-in for Entra ID's token endpoint (offline here): hands botbuilder a fixed bearer token, exactly as the
 * real credentials factory would hand it the one it fetched, so the test can see which hosts it is sent to.
 */
class StandInTokenFactory extends ServiceClientCredentialsFactory {
  static readonly TOKEN = 'stand-in-bot-framework-token';
  async isValidAppId(appId: string): Promise<boolean> {
    return appId === APP_ID;
  }
  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }
  async createCredentials(): Promise<ServiceClientCredentials> {
    return new TokenCredentials(StandInTokenFactory.TOKEN);
  }
}

describe.each(DIALECTS)('a database that already holds an off-list service URL (%s)', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let app: App;
  let config: Config;
  let teams: FakeBotConnector;
  let attacker: FakeBotConnector;
  const clock = new FakeClock(Date.parse('2026-03-09T01:00:00Z'));

  beforeAll(async () => {
    teams = new FakeBotConnector();
    attacker = new FakeBotConnector();
    await teams.start();
    await attacker.start();
    database = await createTestDatabase(dialect);
    store = await openStore(database.location);
    config = parseConfig({ ...AUTHENTICATED, SERVICE_URL_ALLOWLIST: origin(teams.url), SOC_TIMEZONE: 'Asia/Seoul', LOG_LEVEL: 'silent' });
    const catalog = loadCatalog({ defaultTimezone: config.timezone });
    // The app's own wiring, except that its poster gets the stand-in token: every send carries the bot's bearer.
    const tokenAdapter = new BotAdapter(() => new ConfigurationBotFrameworkAuthentication({ MicrosoftAppId: APP_ID }, new StandInTokenFactory()), new ServiceUrlPolicy(config.serviceUrlAllowlist, { allowLoopback: config.localMode }));
    const poster = new TeamsPoster({ adapter: tokenAdapter, appId: APP_ID, views: new CardViews(catalog), clock, locale: 'en', timezone: catalog.timezone, serviceUrls: tokenAdapter.serviceUrls });
    app = createApp({ config, catalog, store, logger: createLogger('silent'), clock, autoRun: false, poster });
    await app.start(0, '127.0.0.1');
    // As an older version left it: one activity with the attacker's serviceUrl rewrote the monitoring binding.
    await rememberTenant(store.db, TENANT, clock.now());
    const bound = { tenantId: TENANT, teamsTeamId: TEAM_ID, botId: BOT_ID, boundAt: clock.now() };
    await upsertBinding(store.db, { ...bound, socTeamId: 'monitoring', channelId: CHANNELS.monitoring.id, serviceUrl: attacker.url });
    await upsertBinding(store.db, { ...bound, socTeamId: 'secops', channelId: CHANNELS.secops.id, serviceUrl: teams.url });
  });
  afterAll(async () => {
    await app?.stop();
    await store?.close();
    await database?.drop();
    await teams.stop();
    await attacker.stop();
  });

  it('dead-letters a post at once with UntrustedServiceUrl, sends nothing (and no token) to that host, and marks the binding inactive', async () => {
    await app.reminders.runOnDemand(TENANT, 'secure-score-report', 'monitoring', ACTOR);
    await app.reminders.runOnDemand(TENANT, 'ir-tabletop-exercise', 'secops', ACTOR);
    const outcomes = await app.worker.drain();
    expect(outcomes.sort()).toEqual(['dead', 'sent']);
    const [dead] = await listOutbox(store.db, { status: ['dead'] });
    expect(dead).toMatchObject({ kind: 'reminder.post', attempts: 1 });
    expect(dead.lastError).toMatch(/^untrusted-service-url UntrustedServiceUrl: not sent: "127\.0\.0\.1:\d+" is not a Microsoft Teams service host/);
    expect(dead.lastError).toContain(new URL(attacker.url).host);
    expect(attacker.requests).toEqual([]);
    // The trusted team's post went out, with the bot's token: that token would have gone to the attacker too.
    expect(teams.posts().filter((p) => p.kind === 'create')).toHaveLength(1);
    expect(teams.requests.every((r) => r.authorization === `Bearer ${StandInTokenFactory.TOKEN}`)).toBe(true);
    const bindings = Object.fromEntries((await listBindings(store.db, TENANT)).map((b) => [b.socTeamId, b]));
    expect(bindings.monitoring).toMatchObject({ active: false, inactiveReason: 'UntrustedServiceUrl' });
    expect(bindings.secops).toMatchObject({ active: true });
  });

  it('shows the dead letter and its reason in `soc-reminders outbox list --failed`', () => {
    const r = runCli(['outbox', 'list', '--failed'], { DATABASE_URL: database.location.target, LOG_LEVEL: 'silent' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dead\s+reminder\.post\s+attempts=1 .*last error: untrusted-service-url UntrustedServiceUrl: not sent: "127\.0\.0\.1:\d+"/);
  });

  it('never sends an update of a card whose stored posted URL is off the list, and keeps bindings that do not hold it', async () => {
    const posted = (await store.db.selectFrom('occurrences').select(['id']).where('team_id', '=', 'secops').where('posted_activity_id', 'is not', null).executeTakeFirstOrThrow()).id;
    await store.db.updateTable('occurrences').set({ posted_service_url: attacker.url }).where('id', '=', posted).execute();
    const o = await app.reminders.acknowledge(TENANT, posted, ACTOR, { isSameConversation: () => true });
    expect(o.acknowledgedBy?.name).toBe(ACTOR.name);
    expect(await app.worker.drain()).toEqual(['dead']);
    const dead = await listOutbox(store.db, { status: ['dead'] });
    expect(dead.map((d) => d.kind).sort()).toEqual(['reminder.post', 'reminder.update']);
    expect(dead.find((d) => d.kind === 'reminder.update')!.lastError).toMatch(/UntrustedServiceUrl/);
    expect(attacker.requests).toEqual([]);
    expect((await listBindings(store.db, TENANT)).find((b) => b.socTeamId === 'secops')).toMatchObject({ active: true, serviceUrl: teams.url });
  });
});

describe.each(DIALECTS)('BindingService stores only trusted service URLs (%s)', (dialect) => {
  let store: TestStore;
  let bindings: BindingService;
  const TEAMS_URL = 'https://smba.trafficmanager.net/emea/';
  const OTHER_TEAM = '19:other-team@thread.tacv2';

  beforeAll(async () => {
    store = await openTestStore(dialect);
    const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
    const clock = new FakeClock(Date.parse('2026-03-09T01:00:00Z'));
    const reminders = new ReminderService({ db: store.db, catalog, clock });
    const policy = new ServiceUrlPolicy(parseConfig(AUTHENTICATED).serviceUrlAllowlist, { allowLoopback: false });
    bindings = new BindingService({ db: store.db, catalog, clock, reminders, trustServiceUrl: policy.check });
    const channel = (channelId: string, teamsTeamId = TEAM_ID) => ({ teamsTeamId, channelId, serviceUrl: TEAMS_URL, botId: BOT_ID });
    await bindings.bind(TENANT, 'monitoring', channel(CHANNELS.monitoring.id), ACTOR, { mayMoveFromAnotherTeam: true });
    await bindings.bind(TENANT, 'secops', channel('19:secops@thread.tacv2', OTHER_TEAM), ACTOR, { mayMoveFromAnotherTeam: true });
  });
  afterAll(() => store.close());

  it('refuses to record an installation, a binding or a refresh with an off-list URL, and records nothing', async () => {
    const before = await counts(store);
    const stored = await serviceUrls(store);
    const evil = 'https://attacker.example/amer/';
    await expect(bindings.recordInstallation(TENANT, TEAM_ID, 'team', evil, BOT_ID, 'Contoso SOC')).rejects.toBeInstanceOf(UntrustedServiceUrl);
    await expect(bindings.bind(TENANT, 'engineering', { teamsTeamId: TEAM_ID, channelId: '19:eng@thread.tacv2', serviceUrl: evil, botId: BOT_ID }, ACTOR, { mayMoveFromAnotherTeam: true })).rejects.toMatchObject({ code: 'UNTRUSTED_SERVICE_URL', host: 'attacker.example' });
    await expect(bindings.refreshServiceUrl(TENANT, TEAM_ID, evil)).rejects.toBeInstanceOf(UntrustedServiceUrl);
    await expect(bindings.refreshServiceUrl(TENANT, TEAM_ID, 'http://smba.trafficmanager.net/emea/')).rejects.toBeInstanceOf(UntrustedServiceUrl);
    expect(await counts(store)).toEqual(before);
    expect(await serviceUrls(store)).toEqual(stored);
  });

  it('follows Teams to a new trusted URL, for the bindings of that Teams team only', async () => {
    await bindings.refreshServiceUrl(TENANT, TEAM_ID, 'https://smba.trafficmanager.net/amer/');
    expect(await serviceUrls(store)).toEqual({ monitoring: 'https://smba.trafficmanager.net/amer/', secops: TEAMS_URL });
  });
});
