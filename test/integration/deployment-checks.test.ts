/**
 * What a Teams admin meets when deploying: `soc-reminders doctor` on real settings and real databases, the app
 * package built without the client secret, and the privacy and terms pages the manifest links to.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { openStore, parseDatabaseUrl } from '../../src/storage/database';
import { BotHarness } from '../support/bot-harness';
import { DIALECTS, createTestDatabase } from '../support/databases';
import { spawn } from 'node:child_process';
import { ROOT, cleanEnv, runCli } from '../support/process';

/** runCli, without blocking this process: the service it probes runs in here. */
function runCliAsync(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'soc-reminders.js'), ...args], { env: cleanEnv(env), cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const APP_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const TENANT = '11111111-2222-3333-4444-555555555555';
const SECRET = 'not-a-real-secret-but-never-print-it';

const deployed = (dir: string, extra: Record<string, string> = {}) => ({
  MicrosoftAppId: APP_ID,
  MicrosoftAppPassword: SECRET,
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: TENANT,
  PUBLIC_HOSTNAME: 'soc.contoso.com',
  TEAMS_APP_ID: '0f0e0d0c-0b0a-4909-8807-060504030201',
  DATABASE_URL: join(dir, 'soc.db'),
  ...extra,
});

describe('soc-reminders doctor', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-doctor-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a complete authenticated deployment and prints what the tab registration needs', async () => {
    const store = await openStore(parseDatabaseUrl(join(dir, 'soc.db')));
    await store.close();
    const r = runCli(['doctor'], deployed(dir), dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok {4}database sqlite .*soc\.db reachable, (\d+) of \1 migrations applied/);
    expect(r.stdout).toMatch(/ok {4}public host soc\.contoso\.com: the Azure Bot's messaging endpoint must be https:\/\/soc\.contoso\.com\/api\/messages/);
    expect(r.stdout).toContain(`Application ID URI api://soc.contoso.com/${APP_ID}, a scope access_as_user`);
    expect(r.stdout).toContain('1fec8e78-bce4-4aaf-ab1b-5451cc387264 (Teams desktop and mobile)');
    expect(r.stdout).toContain('5e3ce6c0-2b1f-4285-8d4b-75ee78787346 (Teams web)');
    expect(r.stdout).not.toContain(SECRET);
  });

  it('fails local mode, a missing secret and bad settings, each in plain words', () => {
    const local = runCli(['doctor'], { DATABASE_URL: join(dir, 'local.db') }, dir);
    expect(local.code).toBe(1);
    expect(local.stdout).toMatch(/FAIL {2}LOCAL MODE: MicrosoftAppId is not set/);

    const { MicrosoftAppPassword: _omit, ...noSecret } = deployed(dir);
    const secretless = runCli(['doctor'], noSecret, dir);
    expect(secretless.code).toBe(1);
    expect(secretless.stdout).toMatch(/FAIL {2}MicrosoftAppPassword is not set: the bot cannot answer Teams/);

    const bad = runCli(['doctor'], deployed(dir, { PORT: 'eighty', ALLOWED_TENANTS: 'contoso' }), dir);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}setting PORT: "eighty" is not a port number/);
    expect(bad.stdout).toMatch(/FAIL {2}setting ALLOWED_TENANTS: "contoso" is not a tenant id/);
  });

  it('warns about a multi-tenant bot open to every tenant and SQLite shared by replicas', () => {
    const r = runCli(['doctor'], deployed(dir, { MicrosoftAppType: 'MultiTenant', MicrosoftAppTenantId: '', DELIVERY_REPLICAS: '2' }), dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/warn {2}MultiTenant and ALLOWED_TENANTS is empty/);
    expect(r.stdout).toMatch(/FAIL {2}DELIVERY_REPLICAS is 2 with SQLite/);
  });

  describe('PostgreSQL', () => {
    let silent: Server;
    const sockets: Socket[] = [];
    beforeAll(async () => {
      // Accepts and never answers, as a dropped firewall route does.
      silent = createServer((s) => sockets.push(s));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('says the database cannot be reached within DATABASE_CONNECT_TIMEOUT, without the password', () => {
      const { port } = silent.address() as { port: number };
      const started = Date.now();
      const r = runCli(['doctor'], deployed(dir, { DATABASE_URL: `postgres://soc:${SECRET}@127.0.0.1:${port}/soc`, DATABASE_CONNECT_TIMEOUT: '1s' }), dir);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAIL {2}database postgres postgres:\/\/soc:\*\*\*@127\.0\.0\.1:\d+\/soc: cannot connect \(.*timeout.*\)/i);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    // Where PostgreSQL exists (always with CI=true): the same rule as every PostgreSQL suite (support/databases.ts).
    it.each(DIALECTS.filter((d) => d === 'postgres'))('reports a reachable %s server and its pending migrations', async () => {
      const db = await createTestDatabase('postgres');
      try {
        const r = runCli(['doctor'], deployed(dir, { DATABASE_URL: db.location.target }), dir);
        expect(r.stdout).toMatch(/ok {4}database postgres .* \(PostgreSQL \d+.*\) reachable, 0 of \d+ migrations applied \(the service applies the rest at start\)/);
        expect(r.code).toBe(0);
      } finally {
        await db.drop();
      }
    });
  });
});

describe('soc-reminders doctor --url', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-doctor-url-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the running service\'s /healthz and checks its mode against the settings', async () => {
    const settings = deployed(dir, { DATABASE_URL: join(dir, 'cli.db') });
    const authenticated = await new BotHarness({ env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: SECRET, MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT } }).start();
    try {
      const r = await runCliAsync(['doctor', '--url', `http://127.0.0.1:${authenticated.port}`], settings, dir);
      expect(r.stdout).toMatch(new RegExp(`ok {4}http://127\\.0\\.0\\.1:${authenticated.port}/healthz answers: ok, authenticated mode, version \\d+\\.\\d+\\.\\d+`));
      expect(r.stdout).toMatch(/warn {2}http:\/\/127\.0\.0\.1:\d+ is not HTTPS: Teams only calls https:\/\/ endpoints/);
      expect(r.code).toBe(0);
    } finally {
      await authenticated.stop();
    }
    const local = await new BotHarness().start();
    try {
      const r = await runCliAsync(['doctor', '--url', `http://127.0.0.1:${local.port}`], settings, dir);
      expect(r.stdout).toMatch(/FAIL {2}the service at 127\.0\.0\.1:\d+ runs in local mode, these settings are for authenticated mode/);
      expect(r.code).toBe(1);
    } finally {
      await local.stop();
    }
  });

  it('says when nothing answers there', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runCliAsync(['doctor', '--url', `http://127.0.0.1:${port}`], deployed(dir), dir);
    expect(r.stdout).toMatch(new RegExp(`FAIL {2}http://127\\.0\\.0\\.1:${port}/healthz did not answer within 10s \\(ECONNREFUSED\\): Teams could not reach it either`));
    expect(r.code).toBe(1);
  });
});

describe('app package without the client secret', () => {
  it('builds from the app id and host alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-package-'));
    try {
      const { MicrosoftAppPassword: _omit, ...env } = deployed(dir);
      const r = runCli(['package', '--out', join(dir, 'app.zip')], env, dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const manifest = JSON.parse(Buffer.from(unzipSync(readFileSync(join(dir, 'app.zip')))['manifest.json']).toString('utf8'));
      expect(manifest.bots[0].botId).toBe(APP_ID);
      expect(manifest.developer.privacyUrl).toBe('https://soc.contoso.com/privacy');
      expect(manifest.developer.termsOfUseUrl).toBe('https://soc.contoso.com/terms');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('privacy and terms pages', () => {
  it('serves the pages the manifest links to', async () => {
    const h = await new BotHarness().start();
    try {
      for (const [path, heading] of [['/privacy', 'SOC Reminders — Privacy'], ['/terms', 'SOC Reminders — Terms of use']]) {
        const res = await fetch(`http://127.0.0.1:${h.port}${path}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expect(await res.text()).toContain(`<h1>${heading}</h1>`);
      }
    } finally {
      await h.stop();
    }
  });
});
