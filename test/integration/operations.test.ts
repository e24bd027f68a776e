/**
 * What an SRE running the service sees: access logs without secrets, ISO times and level names on request,
 * HTTP request metrics by route and status, Node's metrics under their standard names, a PostgreSQL connection
 * that gives up instead of hanging, and a stop that cannot outlast SHUTDOWN_TIMEOUT.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';
import { startService } from '../support/process';

const SECRET_BEARER = 'eyJhbGciOiJSUzI1NiJ9.secret-payload-that-must-not-be-logged.sig';

describe('access log and HTTP metrics', () => {
  let dir: string;
  let store: Store;
  let app: App;
  let port: number;
  const lines: Record<string, any>[] = [];
  let raw = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soc-ops-'));
    const config = parseConfig({ SOC_TIMEZONE: 'UTC', LOG_LEVEL: 'debug', LOG_FORMAT: 'iso' });
    store = await openStore(parseDatabaseUrl(join(dir, 'ops.db')));
    const logger = createLogger(config.logLevel, {
      write(s: string) {
        raw += s;
        lines.push(JSON.parse(s));
      },
    }, config.logFormat);
    app = createApp({ config, catalog: loadCatalog({ defaultTimezone: 'UTC' }), store, logger, autoRun: false });
    port = await app.start(0, '127.0.0.1');
  });

  afterAll(async () => {
    await app.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${path}`, { headers, signal: AbortSignal.timeout(5000) });
  const requestLines = () => lines.filter((l) => l.msg === 'request');

  it('logs one line per request with method, path, route, status and duration, and never a header or the query', async () => {
    expect((await get('/api/teams?tenant=local&token=query-secret-123', { authorization: `Bearer ${SECRET_BEARER}`, 'x-forwarded-for': '203.0.113.7, 10.0.0.1' })).status).toBe(200);
    expect((await get('/no/such/page?x=1')).status).toBe(404);
    await get('/healthz');

    const teams = requestLines().find((l) => l.req.path === '/api/teams');
    // The peer is the socket's; what X-Forwarded-For claims is logged apart (any client can send one).
    expect(teams).toMatchObject({ level: 'info', req: { method: 'GET', route: '/api/teams', remoteAddress: '127.0.0.1', forwardedFor: '203.0.113.7, 10.0.0.1' }, res: { status: 200 } });
    expect(typeof teams!.ms).toBe('number');
    expect(requestLines().find((l) => l.req.path === '/no/such/page')).toMatchObject({ req: { route: 'unmatched' }, res: { status: 404 } });
    // Health probes come every few seconds: debug, not info.
    expect(requestLines().find((l) => l.req.path === '/healthz')).toMatchObject({ level: 'debug', res: { status: 200 } });
    expect(raw).not.toContain('secret-payload');
    expect(raw).not.toContain('query-secret-123');
    expect(raw.toLowerCase()).not.toContain('authorization');
  });

  it('writes ISO 8601 times and level names with LOG_FORMAT=iso', () => {
    const line = requestLines()[0];
    expect(line.level).toBe('info');
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('counts requests and their latency by method, route and status, beside Node metrics under their standard names', async () => {
    await get('/api/catalog');
    await get('/api/catalog');
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/api\/catalog",status_code="200"\} 2$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/api\/teams",status_code="200"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/catalog",status_code="200"\} \d+$/m);
    // The names the standard Node.js dashboards query.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).not.toMatch(/^soc_process_|^soc_nodejs_/m);
  });
});

describe('PostgreSQL connection timeout', () => {
  let server: Server;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // A server that accepts the connection and never answers: a firewall that drops, a hung proxy.
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives up opening the store after connectTimeoutMs instead of waiting forever', async () => {
    const { port } = server.address() as { port: number };
    const started = Date.now();
    await expect(openStore(parseDatabaseUrl(`postgres://soc:pw@127.0.0.1:${port}/soc`), { connectTimeoutMs: 500 })).rejects.toThrow(/timeout/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('shutdown deadline', () => {
  it('exits with an error line when a stop is held up longer than SHUTDOWN_TIMEOUT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-shutdown-'));
    const service = await startService({ DATABASE_URL: join(dir, 'x.db'), SHUTDOWN_TIMEOUT: '1s' }, dir);
    // A request whose body never finishes keeps its connection busy, so the HTTP server cannot close.
    const socket = connect(service.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":');
    await new Promise((r) => setTimeout(r, 200));
    try {
      const started = Date.now();
      service.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([service.exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 10_000)))]);
      clearTimeout(timer);
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(service.output()).toMatch(/stop did not finish within SHUTDOWN_TIMEOUT; exiting anyway/);
    } finally {
      socket.destroy();
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
