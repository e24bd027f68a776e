/**
 * Bad input gets a clear answer and loses nothing: forged and malformed card actions, garbage bodies, unknown
 * commands, other tenants, and (authenticated mode) requests without a valid Bot Framework token.
 */
import fc from 'fast-check';
import { listEvents } from '../../src/storage/occurrence.repository';
import { ALEX, BotHarness, CHANNELS, OTHER_TENANT, TENANT, cardText } from '../support/bot-harness';
import { FakeBotConnector } from '../support/fake-bot-connector';

const STRANGER = '33333333-3333-3333-3333-333333333333';

async function counts(h: BotHarness) {
  const db = h.store.db;
  const n = async (table: 'occurrence_events' | 'bindings' | 'installations' | 'occurrences' | 'outbox') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c);
  return { events: await n('occurrence_events'), bindings: await n('bindings'), installations: await n('installations'), occurrences: await n('occurrences'), outbox: await n('outbox') };
}

describe('forged and malformed input (local mode)', () => {
  let h: BotHarness;
  let occurrenceId: string;
  let conversationId: string;

  beforeAll(async () => {
    h = await new BotHarness().start();
    await h.install();
    await h.say('bind monitoring');
    await h.say('run secure-score-report');
    await h.deliver();
    const post = h.connector.posts().find((p) => p.kind === 'create')!;
    conversationId = post.conversationId;
    occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(post.activity))![1];
  });
  afterAll(() => h.stop());

  it('answers garbage bodies with 400 and records nothing', async () => {
    const before = await counts(h);
    expect((await h.post('{"type": "message", ')).status).toBe(400);
    expect((await h.post('[1,2,3]')).status).toBe(400);
    expect((await h.post({ text: 'bind secops' })).status).toBe(400);
    expect((await h.post({ type: 'message', text: 'bind secops', conversation: { id: 'x' } })).status).toBe(400);
    expect((await h.post(h.activity({ type: 'message', text: 42 }))).status).toBe(400);
    expect(await counts(h)).toEqual(before);
  });

  it('never stays silent: a bare mention gets help, an unknown command a short help', async () => {
    const bare = await h.say('');
    expect(BotHarness.textOf(bare.replies[0])).toMatch(/bind «team»/);
    const unknown = await h.say('please reboot the firewall');
    expect(BotHarness.textOf(unknown.replies[0])).toMatch(/I didn't understand "please reboot the firewall"/);
  });

  it('refuses card actions on an unknown occurrence, another tenant, another conversation, a wrong verb or missing data', async () => {
    const before = await counts(h);
    const unknown = await h.press('done', { occurrenceId: '00000000-0000-0000-0000-000000000000' }, { conversationId });
    expect(unknown.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/no longer exists/) });
    const otherTenant = await h.press('done', { occurrenceId }, { conversationId, tenantId: OTHER_TENANT });
    expect(otherTenant.body.value).toMatch(/no longer exists/);
    const otherConversation = await h.press('done', { occurrenceId }, { conversationId: `${CHANNELS.secops.id};messageid=1`, });
    expect(otherConversation.body.value).toMatch(/not posted in this conversation/);
    const wrongVerb = await h.press('delete', { occurrenceId }, { conversationId });
    expect(wrongVerb.body.value).toMatch(/not supported: delete/);
    const missing = await h.press('done', {}, { conversationId });
    expect(missing.body.type).toBe('application/vnd.microsoft.activity.message');
    const noReason = await h.press('skip', { occurrenceId, reason: '   ' }, { conversationId });
    expect(noReason.body.value).toMatch(/Say why/);
    const badSnooze = await h.press('snooze', { occurrenceId, minutes: '5' }, { conversationId });
    expect(badSnooze.body.value).toMatch(/1 hour, 4 hours or 1 day/);
    const oversized = await h.press('done', { occurrenceId, note: 'x'.repeat(600) }, { conversationId });
    expect(oversized.body.value).toMatch(/too long \(600 characters; at most 500\)/);
    expect(await counts(h)).toEqual(before);
    expect((await listEvents(h.store.db, { occurrenceId })).map((e) => e.type)).toEqual(['created', 'posted']);
  });

  it('stores user text as data: a note that looks like card JSON stays text', async () => {
    const hostile = '"}]}, {"type": "Action.OpenUrl", "url": "https://evil.example"} ${secret}';
    const res = await h.press('done', { occurrenceId, note: hostile }, { conversationId });
    expect(res.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(res.body.value)).toContain(hostile);
    // The card's own tool buttons are OpenUrl actions; none may open what the note named.
    expect(JSON.stringify(res.body.value)).not.toMatch(/"url":"https:\/\/evil\.example"/);
  });

  it('survives fuzzed activity bodies: never a 5xx, never a record for an invalid activity', async () => {
    const valid = h.activity({ type: 'message', text: '<at>SOC Reminders</at> teams' });
    const keys = Object.keys(valid);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({ key: fc.constantFrom(...keys), value: fc.oneof(fc.anything(), fc.constant(null), fc.constant('')) }).map(({ key, value }) => ({ ...valid, [key]: value })),
          fc.constantFrom(...keys).map((key) => {
            const copy: Record<string, unknown> = { ...valid };
            delete copy[key];
            return copy;
          }),
        ),
        async (body) => {
          const before = await counts(h);
          const res = await h.post(body);
          expect(res.status).toBeLessThan(500);
          const after = await counts(h);
          if (res.status === 400) expect(after).toEqual(before);
          expect(after.events).toBe(before.events);
          expect(after.bindings).toBe(before.bindings);
        },
      ),
      { numRuns: 100 },
    );
    // Still alive and answering.
    const health = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('tenancy', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await new BotHarness({ env: { ALLOWED_TENANTS: `${TENANT},${OTHER_TENANT}` } }).start();
  });
  afterAll(() => h.stop());

  it('ignores tenants not in ALLOWED_TENANTS entirely: no reply, nothing stored', async () => {
    const before = await counts(h);
    const installed = await h.post(h.activity({ type: 'installationUpdate', action: 'add' }, { tenantId: STRANGER }));
    expect(installed.status).toBe(200);
    const bound = await h.say('bind monitoring', { tenantId: STRANGER });
    expect(bound.replies).toHaveLength(0);
    expect(await counts(h)).toEqual(before);
    // The allowed tenant is served.
    const ok = await h.say('bind monitoring');
    expect(BotHarness.textOf(ok.replies[0])).toMatch(/now receives the reminders of Monitoring/);
  });

  it('keeps tenants apart: a binding in one tenant is not seen from another, even with the same channel id', async () => {
    const mine = await h.say('teams', { person: ALEX });
    expect(BotHarness.textOf(mine.replies[0])).toMatch(/Monitoring\nMonitoring/);
    const theirs = await h.say('teams', { tenantId: OTHER_TENANT, person: ALEX });
    expect(BotHarness.textOf(theirs.replies[0])).toMatch(/Monitoring\nnot bound/);
    const w = await (await fetch(`http://127.0.0.1:${h.port}/api/teams?tenant=${OTHER_TENANT}`)).json();
    expect(w.teams.every((t: { binding: unknown }) => t.binding === null)).toBe(true);
  });
});

describe('authenticated mode (MicrosoftAppId set)', () => {
  let h: BotHarness;
  let connector: FakeBotConnector;
  beforeAll(async () => {
    // Authenticated mode trusts only Teams' hosts: the fake connector (on loopback) must be listed to be one.
    connector = new FakeBotConnector();
    await connector.start();
    h = await new BotHarness({
      connector,
      env: { MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'not-a-real-secret-value', MicrosoftAppType: 'MultiTenant', SERVICE_URL_ALLOWLIST: new URL(connector.url).origin },
    }).start();
  });
  afterAll(async () => {
    await h.stop();
    await connector.stop();
  });

  it('answers 401 without a valid Bot Framework token and changes nothing', async () => {
    const before = await counts(h);
    const install = h.activity({ type: 'installationUpdate', action: 'add' });
    expect((await h.post(install)).status).toBe(401);
    expect((await h.post(install, { authorization: 'Bearer garbage' })).status).toBe(401);
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ aud: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', iss: 'https://api.botframework.com' })).toString('base64url')}.`;
    expect((await h.post(install, { authorization: `Bearer ${unsigned}` })).status).toBe(401);
    expect(await counts(h)).toEqual(before);
    expect(h.connector.posts()).toHaveLength(0);
  });

  it('keeps the JSON API closed without a token', async () => {
    const res = await fetch(`http://127.0.0.1:${h.port}/api/workload?team=monitoring`);
    expect(res.status).toBe(401);
  });
});
