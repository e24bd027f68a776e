/**
 * Authenticated mode end to end, offline: the built service as a real child process with MicrosoftAppId and
 * MicrosoftAppPassword, its Bot Framework endpoints pointed at local stand-ins through the variables
 * ConfigurationBotFrameworkAuthentication reads:
 *  - BotFrameworkOpenIdStandIn stands in for login.botframework.com (ToBotFromChannelOpenIdMetadataUrl): the keys
 *    Teams' channel service signs inbound requests with, one endorsed for msteams and one for webchat only;
 *  - EntraIdStandIn (HTTPS, throwaway CA trusted through NODE_EXTRA_CA_CERTS) stands in for Entra ID
 *    (ToChannelFromBotLoginUrl, and ToBotFromEmulatorOpenIdMetadataUrl for Entra's `common` keys): the bot's
 *    client-credentials grant for its outbound token;
 *  - FakeBotConnector stands in for Teams' Bot Connector, with requireBearer: it answers 401 to any request whose
 *    bearer token is not one the stand-in Entra issued for the channel's audience.
 * The whole flow (install, bind, run, done, card update) passes; every forged or broken inbound token gets 401,
 * changes no row of any table, and is logged as a warning with its reason and without the token.
 */
import SqliteDatabase from 'better-sqlite3';
import { EmulatorValidation } from 'botframework-connector';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BotFrameworkOpenIdStandIn } from '../support/bot-framework-openid.stand-in';
import { BotHarness, cardText, CHANNELS, TEAM_ID, TENANT } from '../support/bot-harness';
import { EntraIdStandIn } from '../support/entra-id.stand-in';
import { FakeBotConnector } from '../support/fake-bot-connector';
import { GraphStandIn } from '../support/graph.stand-in';
import { decodeJwt, newRsaKeyPair, type JwtClaims } from '../support/jwt';
import { startService, type ServiceProcess } from '../support/process';
import { makeThrowawayTls } from '../support/throwaway-tls';

const APP_ID = '0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9';
const APP_SECRET = 'stand-in-client-secret-3f9a1c';
const BOT_ID = `28:${APP_ID}`;
/** Public-cloud values, kept: they are identifiers, not addresses (and the audience decides botbuilder's path). */
const CHANNEL_ISSUER = 'https://api.botframework.com';
const CHANNEL_AUDIENCE = 'https://api.botframework.com';
const PERSON = { id: '29:alex', name: 'Alex Morgan', aadObjectId: 'aad-alex' };

const CATALOG = `teams:
  - id: monitoring
    name: Monitoring
activities:
  - id: secure-score-report
    title: Generate the Secure Score report
    description: On demand only, so nothing fires while the test runs.
    teams: [monitoring]
`;

describe('authenticated mode with stand-ins for the Bot Framework, Entra ID and the Bot Connector', () => {
  let dir: string;
  let openId: BotFrameworkOpenIdStandIn;
  let entra: EntraIdStandIn;
  let connector: FakeBotConnector;
  let graph: GraphStandIn;
  let service: ServiceProcess;
  let dbFile: string;
  let seq = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soc-auth-'));
    const tls = makeThrowawayTls(dir);
    openId = new BotFrameworkOpenIdStandIn([
      { kid: 'teams-signing-key', endorsements: ['msteams'] },
      { kid: 'webchat-signing-key', endorsements: ['webchat'] },
    ]);
    await openId.start();
    // The Graph token is asked for in the customer's tenant (team owners are read there: issue 13).
    entra = new EntraIdStandIn({ tls, clients: { [APP_ID]: APP_SECRET }, alsoTenants: [TENANT] });
    await entra.start();
    graph = new GraphStandIn();
    await graph.start();
    graph.setMembers('aad-group-contoso-soc', [{ userId: PERSON.aadObjectId, displayName: PERSON.name, roles: ['owner'] }]);
    connector = new FakeBotConnector({ requireBearer: { publicKey: entra.publicKey, audience: CHANNEL_AUDIENCE, issuer: entra.tokenIssuer } });
    await connector.start();
    connector.setTeam(TEAM_ID, {
      name: 'Contoso SOC',
      aadGroupId: 'aad-group-contoso-soc',
      channels: Object.values(CHANNELS).map((c) => (c.id === TEAM_ID ? { id: c.id } : { id: c.id, name: c.name })),
      members: [{ id: PERSON.id, name: PERSON.name, aadObjectId: PERSON.aadObjectId, userRole: 'user' }],
    });
    writeFileSync(join(dir, 'catalog.yaml'), CATALOG);
    dbFile = join(dir, 'soc.db');
    service = await startService(
      {
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: APP_SECRET,
        MicrosoftAppType: 'MultiTenant',
        ToBotFromChannelOpenIdMetadataUrl: openId.metadataUrl,
        ToChannelFromBotLoginUrl: entra.authorityUrl,
        ToBotFromEmulatorOpenIdMetadataUrl: entra.commonMetadataUrl,
        NODE_EXTRA_CA_CERTS: tls.caFile,
        GRAPH_ENDPOINT: graph.url,
        // Another change's setting (ignored until it lands: today every service URL is trusted).
        SERVICE_URL_ALLOWLIST: new URL(connector.url).origin,
        DATABASE_URL: dbFile,
        SOC_CATALOG_FILE: join(dir, 'catalog.yaml'),
        SOC_TIMEZONE: 'UTC',
        SOC_CATCHUP: '0',
        LOG_LEVEL: 'info',
      },
      dir,
    );
  });

  afterAll(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await connector?.stop();
    await graph?.stop();
    await entra?.stop();
    await openId?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Claims of a token Teams' channel service would send with an activity to this bot. */
  function channelClaims(overrides: JwtClaims = {}): JwtClaims {
    const now = Math.floor(Date.now() / 1000);
    return { serviceurl: connector.url, nbf: now - 60, exp: now + 3600, iss: CHANNEL_ISSUER, aud: APP_ID, ...overrides };
  }

  function validToken(): string {
    return openId.sign(channelClaims());
  }

  function activity(fields: Record<string, unknown>, channel: { id: string } = CHANNELS.monitoring): Record<string, unknown> {
    return {
      id: `auth-act-${++seq}`,
      timestamp: new Date().toISOString(),
      serviceUrl: connector.url,
      channelId: 'msteams',
      from: PERSON,
      recipient: { id: BOT_ID, name: 'SOC Reminders' },
      conversation: { id: channel.id, conversationType: 'channel', isGroup: true, tenantId: TENANT },
      channelData: { tenant: { id: TENANT }, team: { id: TEAM_ID, name: 'Contoso SOC' }, channel: { id: channel.id } },
      locale: 'en-US',
      ...fields,
    };
  }

  function mention(text: string): Record<string, unknown> {
    return activity({
      type: 'message',
      text: `<at>SOC Reminders</at> ${text}`,
      entities: [{ type: 'mention', mentioned: { id: BOT_ID, name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }],
    });
  }

  async function post(body: Record<string, unknown>, authorization?: string): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    const res = await fetch(`http://127.0.0.1:${service.port}/api/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Rows of every table of the service's database (read-only, alongside the running service). */
  function rowCounts(): Record<string, number> {
    const db = new SqliteDatabase(dbFile, { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
      return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT COUNT(*) AS c FROM "${name}"`).get() as { c: number }).c]));
    } finally {
      db.close();
    }
  }

  /** The service's JSON log lines (pino). */
  function logLines(): Array<Record<string, any>> {
    return service
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, any>;
        } catch {
          return {};
        }
      });
  }

  /** Waits (bounded) for the log line the service writes for a refused request. */
  async function refusalLogged(activityId: string): Promise<Record<string, any>> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const line = logLines().find((l) => l.activityId === activityId && l.msg === 'rejected unauthenticated Bot Framework request');
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no refusal logged for ${activityId} within 5 s:\n${service.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  function bearerClaims(authorization: string | undefined): JwtClaims {
    return decodeJwt((authorization ?? '').replace(/^Bearer /, ''))?.claims ?? {};
  }

  it('runs install → bind → run → done → card update, with the outbound token from the stand-in Entra ID', async () => {
    const installed = await post(activity({ type: 'installationUpdate', action: 'add' }, CHANNELS.general), `Bearer ${validToken()}`);
    expect(installed.status).toBe(200);
    expect(connector.posts()).toHaveLength(1);
    expect(cardText(connector.posts()[0]!.activity.attachments) + (connector.posts()[0]!.activity.text ?? '')).toMatch(/Bind each SOC team to its channel/);

    const bound = await post(mention('bind monitoring'), `Bearer ${validToken()}`);
    expect(bound.status).toBe(200);
    // Replies are cards (people's text in them is never Markdown).
    expect(cardText(connector.posts()[1]!.activity.attachments)).toMatch(/now receives the reminders of Monitoring/);
    // Alex may bind because Graph, asked with the bot's app token for Graph in Contoso's tenant, says he owns the team.
    const graphToken = graph.requests[0]?.authorization?.replace(/^Bearer /, '');
    expect(decodeJwt(graphToken!)?.claims).toMatchObject({ aud: graph.url, appid: APP_ID });
    expect(entra.grants.map((g) => `${g.scope} ${g.clientAuthenticated}`)).toContainEqual(expect.stringContaining(`${graph.url}/.default`));

    const run = await post(mention('run secure-score-report'), `Bearer ${validToken()}`);
    expect(run.status).toBe(200);
    const [card] = (await connector.waitForPosts(4, 10_000)).filter((p) => p.kind === 'create');
    expect(card).toBeDefined();
    expect(card!.threadId).toBe(CHANNELS.monitoring.id);
    expect(cardText(connector.attachmentsOf(card!))).toMatch(/Generate the Secure Score report/);
    const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(card!.activity))![1];

    const done = await post(
      activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        replyToId: card!.activityId,
        conversation: { id: card!.conversationId, conversationType: 'channel', isGroup: true, tenantId: TENANT },
        value: { action: { type: 'Action.Execute', verb: 'done', data: { occurrenceId, note: 'https://tickets.contoso.com/SOC-7' } }, trigger: 'manual' },
      }),
      `Bearer ${validToken()}`,
    );
    expect(done.status).toBe(200);
    expect(done.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(done.body.value)).toMatch(/Done\n · \nby Alex Morgan/);
    await connector.waitFor(() => connector.updates().some((u) => u.activityId === card!.activityId), 10_000);
    expect(cardText(connector.message(card!.conversationId, card!.activityId)!.attachments)).toMatch(/Done\n · \nby Alex Morgan/);

    // Every call the bot made to the Bot Connector carried a token the connector accepted ...
    expect(connector.requests.length).toBeGreaterThanOrEqual(5);
    expect(connector.requests.filter((r) => r.authProblem !== undefined || (r.status ?? 0) >= 400)).toEqual([]);
    // ... and that token is the one the stand-in Entra ID issued to this app, for the channel's audience.
    // The Bot Connector's tokens (the Graph token of the bind above is Graph's: asserted there).
    const issued = entra.grants.filter((g) => g.accessToken !== undefined && !g.scope.includes(graph.url));
    expect(issued.length).toBeGreaterThanOrEqual(1);
    expect(issued.every((g) => g.clientId === APP_ID && g.clientAuthenticated && g.grantType === 'client_credentials' && g.scope === `${CHANNEL_AUDIENCE}/.default`)).toBe(true);
    const issuedTokens = new Set(issued.map((g) => g.accessToken));
    for (const r of connector.requests) {
      expect(issuedTokens.has(r.authorization!.replace(/^Bearer /, ''))).toBe(true);
      expect(bearerClaims(r.authorization)).toMatchObject({ aud: CHANNEL_AUDIENCE, appid: APP_ID, iss: entra.tokenIssuer });
    }
    // MSAL read the authority's metadata and posted the grant there; the inbound keys came from the stand-in.
    expect(entra.requests).toEqual(expect.arrayContaining(['GET /botframework.com/v2.0/.well-known/openid-configuration', 'POST /botframework.com/oauth2/v2.0/token']));
    expect(openId.requests).toEqual(expect.arrayContaining(['/v1/.well-known/openidconfiguration', '/v1/.well-known/keys']));
  });

  it('checks the outbound token for real: the fake connector refuses a bearer the stand-in Entra did not issue', async () => {
    const forged = openId.sign({ aud: CHANNEL_AUDIENCE, iss: entra.tokenIssuer, exp: Math.floor(Date.now() / 1000) + 600, appid: APP_ID });
    const res = await fetch(`${connector.url}v3/conversations/${encodeURIComponent(CHANNELS.monitoring.id)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` },
      body: JSON.stringify({ type: 'message', text: 'not from the bot' }),
    });
    expect(res.status).toBe(401);
    expect(connector.requests.at(-1)!.authProblem).toBe('bad signature');
    expect(connector.posts().some((p) => p.activity.text === 'not from the bot')).toBe(false);
  });

  const webchatSigned = () => openId.sign(channelClaims(), { kid: 'webchat-signing-key' });
  const now = () => Math.floor(Date.now() / 1000);

  const REFUSALS: Array<{ name: string; authorization: () => string | undefined; reason: RegExp }> = [
    { name: 'no Authorization header', authorization: () => undefined, reason: /no Authorization header/ },
    { name: 'a garbage bearer', authorization: () => 'Bearer garbage', reason: /not a Bearer JWT/ },
    { name: 'a token for another bot (audience)', authorization: () => `Bearer ${openId.sign(channelClaims({ aud: '99999999-0000-0000-0000-000000000000' }))}`, reason: /Invalid AppId passed on token/ },
    { name: 'a token from another issuer', authorization: () => `Bearer ${openId.sign(channelClaims({ iss: 'https://api.botframework.evil.example' }))}`, reason: /not issued by the Bot Framework channel service/ },
    { name: 'an expired token (past the 5-minute skew)', authorization: () => `Bearer ${openId.sign(channelClaims({ nbf: now() - 7200, exp: now() - 600 }))}`, reason: /expired/ },
    { name: 'a token not yet valid (past the 5-minute skew)', authorization: () => `Bearer ${openId.sign(channelClaims({ nbf: now() + 600 }))}`, reason: /jwt not active/ },
    {
      name: 'a token without exp',
      authorization: () => {
        const { exp: _exp, ...rest } = channelClaims();
        void _exp;
        return `Bearer ${openId.sign(rest)}`;
      },
      reason: /no exp claim/,
    },
    { name: 'a serviceurl claim other than the activity’s', authorization: () => `Bearer ${openId.sign(channelClaims({ serviceurl: 'https://smba.attacker.example/' }))}`, reason: /ServiceUrl claim do not match/ },
    { name: 'an unknown key id', authorization: () => `Bearer ${openId.sign(channelClaims(), { kid: 'rotated-out-key', keyPair: newRsaKeyPair() })}`, reason: /Signing Key could not be retrieved/ },
    { name: 'alg none', authorization: () => `Bearer ${openId.unsigned(channelClaims())}`, reason: /not RSA-signed/ },
    { name: 'a key endorsed for webchat only', authorization: () => `Bearer ${webchatSigned()}`, reason: /Could not validate endorsement/ },
    { name: 'the right kid signed with another key', authorization: () => `Bearer ${openId.sign(channelClaims(), { kid: 'teams-signing-key', keyPair: newRsaKeyPair() })}`, reason: /invalid signature/ },
    {
      // The token the bot sent the Bot Connector, replayed to the bot: signed by Entra, appid = this bot. botbuilder
      // alone authenticates it on its Emulator path; only building the reply connector (aud is not an app id) failed.
      name: 'the bot’s own outbound token replayed to it',
      authorization: () => connector.requests.find((r) => r.authorization && !r.authProblem)!.authorization,
      reason: /not issued by the Bot Framework channel service/,
    },
  ];

  it.each(REFUSALS)('refuses $name: 401, no row changed, a warning without the token', async ({ authorization, reason }) => {
    const header = authorization();
    const before = rowCounts();
    const postsBefore = connector.posts().length;
    const body = mention('bind monitoring');
    const res = await post(body, header);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'Unauthorized', message: 'The request is not authenticated as Bot Framework traffic.' } });
    expect(rowCounts()).toEqual(before);
    expect(connector.posts()).toHaveLength(postsBefore);
    const line = await refusalLogged(body.id as string);
    expect(line.level).toBe(40); // warn
    expect(line.reason).toMatch(reason);
    const token = header?.replace(/^Bearer /, '');
    if (token && token.length > 20) expect(service.output()).not.toContain(token);
  });

  it('is still up and serving after all of it', async () => {
    expect(service.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${service.port}/healthz`)).status).toBe(200);
    const teams = await post(mention('teams'), `Bearer ${validToken()}`);
    expect(teams.status).toBe(200);
    // No token (inbound or outbound) and not the app secret ever reached the logs.
    const out = service.output();
    expect(out).not.toContain(APP_SECRET);
    for (const g of entra.grants) if (g.accessToken) expect(out).not.toContain(g.accessToken);
  });
});

describe('authenticated mode in-process: what botbuilder keeps between requests', () => {
  let openId: BotFrameworkOpenIdStandIn;
  let h: BotHarness;
  let teams: FakeBotConnector;

  beforeAll(async () => {
    openId = new BotFrameworkOpenIdStandIn([{ kid: 'teams-signing-key', endorsements: ['msteams'] }]);
    await openId.start();
    // Authenticated mode trusts only Teams' hosts: the fake connector (on loopback) is listed to count as one.
    teams = new FakeBotConnector();
    await teams.start();
    h = await new BotHarness({
      connector: teams,
      env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: APP_SECRET, ToBotFromChannelOpenIdMetadataUrl: openId.metadataUrl, SERVICE_URL_ALLOWLIST: new URL(teams.url).origin },
    }).start();
  });
  afterAll(async () => {
    await h?.stop();
    await teams?.stop();
    await openId?.stop();
  });

  it('does not let unauthenticated requests with made-up tenant ids grow a process-wide list', async () => {
    const issuers = EmulatorValidation.ToBotFromEmulatorTokenValidationParameters.issuer as string[];
    const before = issuers.length;
    const now = Math.floor(Date.now() / 1000);
    const unpublished = newRsaKeyPair();
    for (let i = 0; i < 50; i++) {
      // Well formed, channel issuer, exp present: past the gate, then refused by botbuilder (unknown key).
      const token = openId.sign({ serviceurl: h.connector.url, nbf: now - 60, exp: now + 3600, iss: CHANNEL_ISSUER, aud: APP_ID, tid: `made-up-tenant-${i}` }, { kid: 'unknown-kid', keyPair: unpublished });
      const res = await h.post(h.activity({ type: 'message', text: 'teams' }), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
    }
    expect(issuers.length).toBe(before);
    expect(h.connector.posts()).toHaveLength(0);
  });
});
