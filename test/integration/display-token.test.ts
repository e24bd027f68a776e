/**
 * The wall display's DISPLAY_TOKEN over real HTTP (the app in authenticated mode, SQLite): it reads the JSON API
 * for the home tenant and nothing else — not another tenant through `?tenant=`, not /api/messages, not /metrics —
 * and is logged as display access without the token. Unset, it opens nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createApiAuth } from '../../src/http/api-auth';
import { createLogger } from '../../src/logger';
import { listEvents } from '../../src/storage/occurrence.repository';
import { openStore, type Store } from '../../src/storage/database';

const APP_ID = '3f2a8c1e-5b7d-4e9a-8c61-0d4b2f7e9a13';
const HOME = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER = '11111111-2222-3333-4444-555555555555';
const DISPLAY_TOKEN = 'f3c1e0a9b27d4c5e8a6b1d2c3e4f5a6b7c8d9e0f1a2b3c4d';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const AUTHENTICATED = { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x-not-a-real-secret', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: HOME, ALLOWED_TENANTS: `${HOME},${OTHER}` };
const MINJI = { userId: '29:minji', name: 'Minji Kim' };

interface Running {
  readonly app: App;
  readonly store: Store;
  readonly base: string;
  readonly logs: () => string;
  stop(): Promise<void>;
}

/** The real app on 127.0.0.1:0 with its own SQLite file and a logger whose lines the test reads. */
async function run(env: Record<string, string>): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'soc-display-'));
  let lines = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines += chunk.toString();
      done();
    },
  });
  const store = await openStore({ dialect: 'sqlite', target: join(dir, 'soc.db') });
  const app = createApp({
    config: parseConfig({ SOC_TIMEZONE: 'Asia/Seoul', LOG_LEVEL: 'debug', ...env }),
    catalog: loadCatalog({ defaultTimezone: 'Asia/Seoul' }),
    store,
    logger: createLogger('debug', sink),
    clock: { now: () => Date.parse('2026-03-09T01:00:00Z') },
    autoRun: false,
  });
  const port = await app.start(0, '127.0.0.1');
  return {
    app,
    store,
    base: `http://127.0.0.1:${port}`,
    logs: () => lines,
    async stop() {
      await app.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('DISPLAY_TOKEN (authenticated mode)', () => {
  let r: Running;

  beforeAll(async () => {
    r = await run({ ...AUTHENTICATED, DISPLAY_TOKEN, METRICS_TOKEN });
    // One open task in each tenant: the display may see the home tenant's only.
    await r.app.reminders.runOnDemand(HOME, 'secure-score-report', 'monitoring', MINJI);
    await r.app.reminders.runOnDemand(OTHER, 'secure-score-report', 'monitoring', MINJI);
  });
  afterAll(() => r.stop());

  test('reads the workload, the teams and the catalog of the home tenant', async () => {
    const workload = await fetch(`${r.base}/api/workload?team=monitoring`, { headers: bearer(DISPLAY_TOKEN) });
    expect(workload.status).toBe(200);
    const body = (await workload.json()) as { tenantId: string; open: { activityId: string }[] };
    expect(body.tenantId).toBe(HOME);
    expect(body.open.map((i) => i.activityId)).toEqual(['secure-score-report']);
    const teams = await fetch(`${r.base}/api/teams`, { headers: bearer(DISPLAY_TOKEN) });
    expect(teams.status).toBe(200);
    expect(((await teams.json()) as { tenantId: string }).tenantId).toBe(HOME);
    expect((await fetch(`${r.base}/api/catalog`, { headers: bearer(DISPLAY_TOKEN) })).status).toBe(200);
  });

  test('?tenant= cannot pick another tenant', async () => {
    for (const path of [`/api/workload?team=monitoring&tenant=${OTHER}`, `/api/teams?tenant=${OTHER}`]) {
      const res = await fetch(`${r.base}${path}`, { headers: bearer(DISPLAY_TOKEN) });
      expect([path, res.status]).toEqual([path, 200]);
      const body = (await res.json()) as { tenantId: string; open?: unknown[] };
      expect([path, body.tenantId]).toEqual([path, HOME]);
      if (body.open) expect(body.open).toHaveLength(1);
    }
  });

  test.each([
    ['no token', undefined],
    ['a wrong token of the same length', DISPLAY_TOKEN.replace(/.$/, (c) => (c === '0' ? '1' : '0'))],
    ['its prefix', DISPLAY_TOKEN.slice(0, -1)],
    ['it with more after it', `${DISPLAY_TOKEN}0`],
    ['it in another case', DISPLAY_TOKEN.toUpperCase()],
    ['the metrics token', METRICS_TOKEN],
  ])('refuses %s with 401', async (_name, token) => {
    for (const path of ['/api/workload?team=monitoring', '/api/teams', '/api/catalog']) {
      const res = await fetch(`${r.base}${path}`, { headers: token === undefined ? {} : bearer(token) });
      expect([path, res.status, res.headers.get('www-authenticate')]).toEqual([path, 401, 'Bearer']);
    }
  });

  test('is no Bot Framework token: /api/messages answers 401 and records nothing', async () => {
    const before = (await listEvents(r.store.db, {})).length;
    const activity = {
      type: 'message',
      id: 'a1',
      channelId: 'msteams',
      // A Teams service host, so the request reaches authentication (an off-list one is refused with 403 before it).
      serviceUrl: 'https://smba.trafficmanager.net/amer/',
      from: { id: '29:mallory', name: 'Mallory' },
      recipient: { id: `28:${APP_ID}` },
      conversation: { id: '19:c@thread.tacv2', tenantId: HOME },
      text: 'run secure-score-report',
    };
    const res = await fetch(`${r.base}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(DISPLAY_TOKEN) }, body: JSON.stringify(activity) });
    expect(res.status).toBe(401);
    expect((await listEvents(r.store.db, {})).length).toBe(before);
  });

  test('is no metrics token: /metrics answers 401', async () => {
    expect((await fetch(`${r.base}/metrics`, { headers: bearer(DISPLAY_TOKEN) })).status).toBe(401);
    expect((await fetch(`${r.base}/metrics`, { headers: bearer(METRICS_TOKEN) })).status).toBe(200);
  });

  test('is logged as display access with the tenant and the path, never the token', () => {
    const lines = r.logs().split('\n').filter((line) => line.includes('"access":"display"'));
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, access: 'display', tenantId: HOME, peer: expect.stringMatching(/127\.0\.0\.1/), path: expect.stringMatching(/^\/api\//) });
    expect(r.logs()).not.toContain(DISPLAY_TOKEN);
    expect(r.logs()).not.toContain(DISPLAY_TOKEN.slice(8, 24));
  });

  test('grants reads only, should a writing route ever use the same check', async () => {
    const auth = createApiAuth(r.app.config);
    const request = (method: string) => ({ method, header: (name: string) => (name === 'Authorization' ? `Bearer ${DISPLAY_TOKEN}` : undefined) }) as never;
    expect(await auth(request('GET'))).toEqual({ ok: true, access: 'display', tenantId: HOME });
    expect(await auth(request('POST'))).toMatchObject({ ok: false, status: 403 });
    expect(await auth(request('DELETE'))).toMatchObject({ ok: false, status: 403 });
  });
});

describe('without DISPLAY_TOKEN', () => {
  test('the same bearer opens nothing', async () => {
    const r = await run(AUTHENTICATED);
    try {
      for (const path of ['/api/workload?team=monitoring', '/api/teams', '/api/catalog']) {
        expect([path, (await fetch(`${r.base}${path}`, { headers: bearer(DISPLAY_TOKEN) })).status]).toEqual([path, 401]);
      }
      expect(r.logs()).not.toContain('"access":"display"');
    } finally {
      await r.stop();
    }
  });
});
