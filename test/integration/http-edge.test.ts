/**
 * The HTTP edge of the built service, as an attacker meets it: one real process (local mode, the most exposed,
 * SQLite in a temp folder) takes compressed bodies valid and broken, a gzip bomb, every content type, lying and
 * truncated lengths, broken chunking, huge and deeply nested bodies, junk methods and protocols, trickled headers
 * and random input, over raw sockets where fetch cannot say it. Afterwards the process is alive and healthy, its
 * peak memory stayed within the bound json-body.ts states, no file appeared in its temporary folder, and nothing
 * was recorded in the database.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startService, startServiceExpectingFailure, type ServiceProcess } from '../support/process';
import { LAST_CHUNK, chunk, head, rawExchange, type RawExchange, type RawPart } from '../support/raw-http';

// Only on-demand work and a digest that is years away: nothing may be recorded unless a request causes it.
const QUIET_CATALOG = `teams:
  - id: secops
    name: SecOps
activities:
  - id: tabletop
    title: Tabletop exercise
    description: On demand only, for this test.
    teams: [secops]
`;

/** Tables of src/storage/tables.ts; each must exist and keep its row count. */
const TABLES = ['tenants', 'occurrences', 'occurrence_events', 'scheduler_state', 'installations', 'bindings', 'outbox'];

/**
 * Peak resident memory may grow at most this much over the process's size after start-up. json-body.ts bounds
 * bodies at ~110 MB in the worst case (32 in flight × (512 KB + ~3 MB parsed)); this test's worst moment holds
 * 32 bodies of 400 KB and 16 waiting. On main, one 199 KB gzip bomb added 600 MB.
 */
const RSS_GROWTH_BOUND_MB = 150;

const J = { 'Content-Type': 'application/json', Connection: 'close' };
const AN_ACTIVITY = JSON.stringify({ type: 'message', text: 'bind secops', serviceUrl: 'http://127.0.0.1:9/', channelId: 'msteams', conversation: { id: 'c1' }, from: { id: 'u1' } });

/** A body that parses but is not an activity: the answer names what is missing, proving the body got through. */
const PASSES_THE_READER = /missing activity type|not a JSON object|missing or invalid serviceUrl/;

interface Case {
  readonly name: string;
  readonly parts: readonly RawPart[];
  /** Statuses allowed, all of them 4xx; `[]` with `silent` means no answer is expected (the client hung up). */
  readonly expect: readonly number[];
  /** The client closes first, so getting no answer at all is fine too. */
  readonly silent?: boolean;
  /** Text the (first) answer must contain. */
  readonly says?: RegExp;
}

function post(headers: Record<string, string | number>, ...body: RawPart[]): RawPart[] {
  return [head('POST', '/api/messages', headers), ...body];
}

function withLength(headers: Record<string, string | number>, body: string | Uint8Array): RawPart[] {
  return post({ ...headers, 'Content-Length': Buffer.byteLength(body) }, body);
}

/** 200 MB of zeros in about 200 KB: twenty gzip members of 10 MB each (gunzip reads them as one stream). */
function gzipBomb(): Buffer {
  const member = gzipSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 });
  return Buffer.concat(Array.from({ length: 20 }, () => member));
}

function multipart(): { type: string; body: string } {
  const boundary = '----soc-edge-test';
  const body = [`--${boundary}`, 'Content-Disposition: form-data; name="file"; filename="payload.bin"', 'Content-Type: application/octet-stream', '', 'x'.repeat(4096), `--${boundary}--`, ''].join('\r\n');
  return { type: `multipart/form-data; boundary=${boundary}`, body };
}

function cases(): Case[] {
  const gz = gzipSync(AN_ACTIVITY);
  const bigJson = JSON.stringify({ pad: 'p'.repeat(2 * 1024 * 1024) });
  const truncatedGzip = gzipSync(bigJson, { level: 0 }).subarray(0, 600 * 1024);
  const bomb = gzipBomb();
  const form = multipart();
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  return [
    // Compression: never inflated, whatever it holds.
    { name: 'gzip that is not gzip (15 bytes)', parts: withLength({ ...J, 'Content-Encoding': 'gzip' }, 'notgzipatall!!!'), expect: [415] },
    { name: 'valid gzip of an activity', parts: withLength({ ...J, 'Content-Encoding': 'gzip' }, gz), expect: [415] },
    { name: 'truncated gzip over 512 KB', parts: withLength({ ...J, 'Content-Encoding': 'gzip' }, truncatedGzip), expect: [415] },
    { name: 'gzip bomb: 200 MB in ~200 KB', parts: withLength({ ...J, 'Content-Encoding': 'gzip' }, bomb), expect: [415] },
    { name: 'valid deflate', parts: withLength({ ...J, 'Content-Encoding': 'deflate' }, deflateSync(AN_ACTIVITY)), expect: [415] },
    { name: 'invalid deflate', parts: withLength({ ...J, 'Content-Encoding': 'deflate' }, 'not deflate'), expect: [415] },
    { name: 'valid brotli', parts: withLength({ ...J, 'Content-Encoding': 'br' }, brotliCompressSync(AN_ACTIVITY)), expect: [415] },
    { name: 'invalid brotli', parts: withLength({ ...J, 'Content-Encoding': 'br' }, '\xff\xff\xff'), expect: [415] },
    { name: 'unknown encoding', parts: withLength({ ...J, 'Content-Encoding': 'x-evil' }, '{}'), expect: [415] },
    { name: 'stacked encodings', parts: withLength({ ...J, 'Content-Encoding': 'gzip, identity' }, gz), expect: [415] },
    { name: 'gzip transfer coding', parts: post({ ...J, 'Transfer-Encoding': 'gzip, chunked' }, chunk(gz), LAST_CHUNK), expect: [415] },
    { name: 'identity encoding (control)', parts: withLength({ ...J, 'Content-Encoding': 'identity' }, '{}'), expect: [400], says: PASSES_THE_READER },

    // Content types: JSON in UTF-8 only; nothing is parsed into files or fields.
    { name: 'multipart with a file part', parts: withLength({ ...J, 'Content-Type': form.type }, form.body), expect: [415] },
    { name: 'urlencoded form', parts: withLength({ ...J, 'Content-Type': 'application/x-www-form-urlencoded' }, 'type=message&text=bind+secops'), expect: [415] },
    { name: 'text/plain', parts: withLength({ ...J, 'Content-Type': 'text/plain' }, AN_ACTIVITY), expect: [415] },
    { name: 'no content type', parts: withLength({ Connection: 'close' }, AN_ACTIVITY), expect: [415] },
    { name: 'JSON in latin1', parts: withLength({ ...J, 'Content-Type': 'application/json; charset=latin1' }, '{}'), expect: [415] },
    { name: 'JSON in UTF-16', parts: withLength({ ...J, 'Content-Type': 'application/json; charset=utf-16' }, Buffer.from('{}', 'utf16le')), expect: [415] },
    { name: 'application/jsonp', parts: withLength({ ...J, 'Content-Type': 'application/jsonp' }, '{}'), expect: [415] },
    { name: 'quoted upper-case utf-8 (control)', parts: withLength({ ...J, 'Content-Type': 'Application/JSON; charset="UTF-8"' }, '{}'), expect: [400], says: PASSES_THE_READER },
    { name: 'invalid UTF-8 bytes', parts: withLength(J, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), expect: [400] },

    // Chunked bodies.
    { name: 'chunked one byte at a time (control)', parts: post({ ...J, 'Transfer-Encoding': 'chunked' }, ...[...'{}'].map((c) => chunk(c)), LAST_CHUNK), expect: [400], says: PASSES_THE_READER },
    { name: 'chunked past 512 KB', parts: post({ ...J, 'Transfer-Encoding': 'chunked' }, ...Array.from({ length: 12 }, () => chunk(Buffer.alloc(64 * 1024, 0x20))), LAST_CHUNK), expect: [413] },
    { name: 'chunk size that is not hex', parts: post({ ...J, 'Transfer-Encoding': 'chunked' }, 'zz\r\n{}\r\n', LAST_CHUNK), expect: [400] },
    { name: 'chunked, cut off, client half-closes', parts: post({ ...J, 'Transfer-Encoding': 'chunked' }, chunk('{"type":'), { end: true }), expect: [400], silent: true },
    { name: 'Transfer-Encoding and Content-Length both', parts: post({ ...J, 'Transfer-Encoding': 'chunked', 'Content-Length': 2 }, chunk('{}'), LAST_CHUNK), expect: [400] },

    // Lengths that lie, bodies cut off.
    { name: 'Content-Length longer than the body, socket closed', parts: post({ ...J, 'Content-Length': 1000 }, '{"type":"mess', { pauseMs: 50 }, { destroy: true }), expect: [], silent: true },
    { name: 'Content-Length longer than the body, client half-closes', parts: post({ ...J, 'Content-Length': 1000 }, '{"type":"mess', { end: true }), expect: [400], silent: true },
    { name: 'Content-Length shorter than the body', parts: post({ 'Content-Type': 'application/json', 'Content-Length': 2 }, '{}{"type":"message"}\r\n\r\n'), expect: [400] },
    { name: 'body with no length at all', parts: post({ ...J }, AN_ACTIVITY), expect: [400] },
    { name: 'declared 10 GB', parts: post({ ...J, 'Content-Length': 10 * 1024 ** 3 }, '{"pad":"'), expect: [413] },
    { name: 'actual 2 MB with its true length', parts: withLength(J, bigJson), expect: [413] },
    // Past the drain limit the server closes while the client is still sending: the reset may wipe the answer.
    { name: 'actual 8 MB with its true length', parts: withLength(J, Buffer.alloc(8 * 1024 * 1024, 0x20)), expect: [413], silent: true },
    { name: 'gzip of 1 MB, sent whole', parts: withLength({ ...J, 'Content-Encoding': 'gzip' }, gzipSync(Buffer.alloc(1024 * 1024, 0x61), { level: 0 })), expect: [415] },
    { name: 'Expect: 100-continue for 10 MB', parts: post({ ...J, 'Content-Length': 10 * 1024 * 1024, Expect: '100-continue' }), expect: [100, 413] },
    { name: 'Content-Length that is not a number', parts: post({ ...J, 'Content-Length': 'lots' }, '{}'), expect: [400] },

    // JSON shape.
    { name: '100,000 levels deep', parts: withLength(J, nested(100_000)), expect: [400], says: /nested deeper than 64/ },
    { name: '65 levels of objects', parts: withLength(J, `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`), expect: [400], says: /nested deeper than 64/ },
    { name: '64 levels (control: allowed)', parts: withLength(J, nested(64)), expect: [400], says: PASSES_THE_READER },
    { name: '10,001 empty objects', parts: withLength(J, `[${Array(10_001).fill('{}').join(',')}]`), expect: [400], says: /more than 10000/ },
    { name: 'brackets inside strings are not nesting (control)', parts: withLength(J, JSON.stringify({ text: `${'['.repeat(1000)}\\"{{{` })), expect: [400], says: PASSES_THE_READER },
    ...['null', '1', '"text"', '[]', 'true', '', '{"type":', '{"a":1}}'].map((body): Case => ({ name: `non-object JSON ${JSON.stringify(body)}`, parts: withLength(J, body), expect: [400] })),

    // Methods, paths, protocols.
    { name: 'junk method', parts: [head('FOO', '/api/messages', { Connection: 'close' })], expect: [400] },
    { name: 'GET on the bot endpoint', parts: [head('GET', '/api/messages', { Connection: 'close' })], expect: [405] },
    { name: 'DELETE on the bot endpoint', parts: [head('DELETE', '/api/messages', { Connection: 'close' })], expect: [405] },
    { name: 'PROPFIND on health', parts: [head('PROPFIND', '/healthz', { Connection: 'close' })], expect: [405] },
    { name: 'gzip POST to a route that takes no body', parts: [head('POST', '/healthz', { ...J, 'Content-Encoding': 'gzip', 'Content-Length': 7 }), 'notgzip'], expect: [405] },
    { name: 'unknown path', parts: [head('GET', '/api/nope', { Connection: 'close' })], expect: [404] },
    { name: 'binary request line', parts: ['\x00\x01\x02\x03 / HTTP/1.1\r\n\r\n'], expect: [400] },
    { name: 'HTTP/2 preface', parts: ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], expect: [400], silent: true },
    { name: 'CONNECT', parts: [head('CONNECT', '127.0.0.1:443')], expect: [], silent: true },
    { name: 'WebSocket upgrade', parts: [head('GET', '/healthz', { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version': 13 })], expect: [400] },
    { name: '20 KB header', parts: [head('GET', '/healthz', { Connection: 'close', 'X-Big': 'a'.repeat(20_000) })], expect: [431] },
  ];
}

/** What went wrong with one case, or undefined. */
function judge(c: Case, x: RawExchange): string | undefined {
  if (x.statuses.length === 0) {
    if (c.silent) return undefined;
    return `no answer (${x.closedByServer ? 'closed by the server' : 'still open at the deadline'})`;
  }
  const bad = x.statuses.filter((s) => !c.expect.includes(s));
  if (bad.length > 0) return `answered ${x.statuses.join(', ')}, expected ${c.expect.join(' or ')}: ${x.text.slice(0, 300)}`;
  if (!x.closedByServer && !c.silent) return 'the connection stayed open after the answer';
  if (c.says && !c.says.test(x.text)) return `answer does not say ${c.says}: ${x.text.slice(0, 300)}`;
  return undefined;
}

function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

function rowCounts(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const names = (db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'").all() as { name: string }[]).map((r) => r.name);
    return Object.fromEntries(names.sort().map((n) => [n, (db.prepare(`select count(*) as c from "${n}"`).get() as { c: number }).c]));
  } finally {
    db.close();
  }
}

function alive(svc: ServiceProcess): boolean {
  return svc.child.exitCode === null && svc.child.signalCode === null;
}

async function health(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

describe('the HTTP edge of the running service', () => {
  let dir: string;
  let tmp: string;
  let dbFile: string;
  let svc: ServiceProcess;
  let startRssMb: number;
  let rowsAtStart: Record<string, number>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soc-edge-'));
    tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    dbFile = join(dir, 'edge.db');
    writeFileSync(join(dir, 'catalog.yaml'), QUIET_CATALOG);
    // Its own temporary folder: anything a body parser spills to disk shows up here and nowhere else.
    svc = await startService({ DATABASE_URL: dbFile, SOC_CATALOG_FILE: join(dir, 'catalog.yaml'), SOC_TIMEZONE: 'UTC', SOC_DIGEST_CRON: '0 0 29 2 *', TMPDIR: tmp }, dir);
    expect(await health(svc.port)).toBe(200);
    startRssMb = memoryOf(svc.child.pid!).rssMb;
    rowsAtStart = rowCounts(dbFile);
  });

  afterAll(async () => {
    if (svc && alive(svc)) {
      svc.child.kill('SIGKILL');
      await svc.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every malformed request with a 4xx, stays up and healthy, bounded in memory, and records nothing', async () => {
    // Slowloris, running alongside everything else: headers a byte every 300 ms must be cut off at 10 s (408).
    const trickled = Array.from({ length: 4 }, () => {
      const bytes = [...'POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '].concat(Array(60).fill('a'));
      return rawExchange(svc.port, bytes.flatMap((b) => [b, { pauseMs: 300 }]), 16_000);
    });

    const failures: string[] = [];
    for (const c of cases()) {
      const x = await rawExchange(svc.port, c.parts);
      const problem = judge(c, x);
      if (problem) failures.push(`${c.name}: ${problem}`);
      if (!alive(svc)) {
        failures.push(`${c.name}: THE PROCESS DIED\n${svc.output().slice(-1500)}`);
        break;
      }
    }
    expect(failures).toEqual([]);

    // Random bodies and headers on the bot endpoint: always a 4xx.
    const contentTypes = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '', 'application/json; charset=iso-8859-1'];
    const encodings = ['', 'identity', 'gzip', 'deflate', 'br', 'compress', 'x-gzip', 'GZIP'];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.jsonValue({ maxDepth: 8 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), fc.string({ maxLength: 256 }).map((s) => Buffer.from(s))),
        fc.constantFrom(...contentTypes),
        fc.constantFrom(...encodings),
        fc.boolean(),
        async (body, type, encoding, chunked) => {
          const headers: Record<string, string | number> = { Connection: 'close' };
          if (type) headers['Content-Type'] = type;
          if (encoding) headers['Content-Encoding'] = encoding;
          const parts = chunked ? post({ ...headers, 'Transfer-Encoding': 'chunked' }, ...(body.length ? [chunk(body)] : []), LAST_CHUNK) : withLength(headers, body);
          const x = await rawExchange(svc.port, parts);
          return x.statuses.length > 0 && x.statuses.every((s) => s >= 400 && s < 500) && alive(svc);
        },
      ),
      { numRuns: 150, seed: 20261201 },
    );

    // Random methods, paths and headers anywhere: never a 5xx, and a success only for a read.
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'FOO', 'get', 'G\tET'];
    const paths = ['/healthz', '/api/messages', '/api/workload?team=secops', '/api/workload?team[__proto__]=x', '/api/catalog', '/api/teams', '/metrics', '/tab/', '/tab/..%2f..%2fetc%2fpasswd', '/tab/%ff', '//', '*', '/%', '/api/messages/../healthz'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methods),
        fc.constantFrom(...paths),
        fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), fc.stringMatching(/^[ -~]{0,40}$/), { maxKeys: 6 }),
        async (method, path, extra) => {
          const x = await rawExchange(svc.port, [head(method, path, { ...extra, Connection: 'close' })]);
          const read = method === 'GET' || method === 'HEAD';
          return x.statuses.every((s) => s < 500 && (read || s >= 400)) && alive(svc);
        },
      ),
      { numRuns: 150, seed: 20261202 },
    );

    // Bodies of 400 KB sent in two halves, all at once: 32 are read at a time (json-body's in-flight limit), the
    // others wait, unread, up to 2 s for a slot.
    const padded = JSON.stringify({ pad: 'q'.repeat(400 * 1024) });
    const half = 200 * 1024;
    const stalled = (count: number, pauseMs: number) =>
      Promise.all(Array.from({ length: count }, () => rawExchange(svc.port, [head('POST', '/api/messages', { ...J, 'Content-Length': padded.length }), padded.slice(0, half), { pauseMs }, padded.slice(half)], 10_000)));
    // 40 that stall 1 s: the 8 past the limit get their slot when the first 32 finish; none is turned away.
    expect((await stalled(40, 1000)).map((x) => x.statuses[0])).toEqual(Array(40).fill(400));
    // 48 that stall 3 s: the 16 past the limit wait 2 s and get 503.
    const together = await stalled(48, 3000);
    const answers = together.map((x) => x.statuses[0]);
    expect(answers.every((s) => s === 400 || s === 503)).toBe(true);
    expect(answers.filter((s) => s === 400).length).toBeLessThanOrEqual(32);
    expect(answers.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);

    // 32 bodies trickled a byte a second, as an attacker holds every slot: each is answered 408 once the body
    // deadline (5 s) passes, so a real request sent meanwhile is answered within seconds (it waited for Node's 30 s
    // request timeout, then got 503, in the attack review).
    const trickle = Array.from({ length: 32 }, () =>
      rawExchange(svc.port, [head('POST', '/api/messages', { ...J, 'Content-Length': 1000 }), '{', ...Array.from({ length: 9 }, () => [{ pauseMs: 1000 }, ' '] as const).flat()], 15_000),
    );
    await new Promise((r) => setTimeout(r, 300));
    const realStarted = Date.now();
    let real = await fetch(`http://127.0.0.1:${svc.port}/api/messages`, { method: 'POST', headers: J, body: '{}' }).then((r) => r.status);
    while (real === 503 && Date.now() - realStarted < 12_000) real = await fetch(`http://127.0.0.1:${svc.port}/api/messages`, { method: 'POST', headers: J, body: '{}' }).then((r) => r.status);
    expect(real).toBe(400); // answered by the activity check: the request got a slot
    expect(Date.now() - realStarted).toBeLessThan(9000);
    for (const x of await Promise.all(trickle)) expect(x.statuses).toEqual([408]);

    const slow = await Promise.all(trickled);
    for (const x of slow) {
      expect(x.statuses).toEqual([408]);
      expect(x.closedByServer).toBe(true);
      expect(x.ms).toBeLessThan(13_000);
    }

    expect(alive(svc)).toBe(true);
    expect(await health(svc.port)).toBe(200);
    const { peakMb } = memoryOf(svc.child.pid!);
    expect(peakMb - startRssMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
    expect(readdirSync(tmp)).toEqual([]);
    const rows = rowCounts(dbFile);
    expect(Object.keys(rows)).toEqual(expect.arrayContaining(TABLES));
    // scheduler_state holds the scheduler's and the digest's checkpoints, which their own timers write whatever
    // the requests; every other table must not have moved.
    const { scheduler_state: _checkpoints, ...recorded } = rows;
    const { scheduler_state: _checkpointsAtStart, ...recordedAtStart } = rowsAtStart;
    expect(recorded).toEqual(recordedAtStart);
    expect(rows.occurrences + rows.occurrence_events + rows.outbox + rows.installations + rows.bindings).toBe(0);

    // And it still stops cleanly.
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  }, 60_000);
});

/** The IPv4 address a LISTEN socket on `port` is bound to, read from the kernel's table (/proc/net/tcp). */
function listeningAddress(port: number): string | undefined {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (!local || state !== '0A') continue;
    const [addr, hexPort] = local.split(':');
    if (parseInt(hexPort, 16) !== port) continue;
    return [3, 2, 1, 0].map((i) => parseInt(addr.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  return undefined;
}

describe('where local mode listens', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-host-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('binds to 127.0.0.1 by default, so nothing off this machine can reach the unauthenticated endpoint', async () => {
    const svc = await startService({ DATABASE_URL: join(dir, 'a.db') }, dir);
    try {
      expect(listeningAddress(svc.port)).toBe('127.0.0.1');
      expect(svc.output()).toMatch(/"host":"127\.0\.0\.1"/);
      expect(svc.output()).not.toMatch(/LOCAL MODE ON THE NETWORK/);
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  });

  it('refuses to start on a network address unless LOCAL_MODE_ON_NETWORK=true, and then warns at start', async () => {
    const refused = await startServiceExpectingFailure({ DATABASE_URL: join(dir, 'b.db'), HOST: '0.0.0.0' }, dir);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/HOST: "0\.0\.0\.0" is not a loopback address.*LOCAL_MODE_ON_NETWORK=true/);

    const svc = await startService({ DATABASE_URL: join(dir, 'b.db'), HOST: '0.0.0.0', LOCAL_MODE_ON_NETWORK: 'true' }, dir);
    try {
      expect(listeningAddress(svc.port)).toBe('0.0.0.0');
      expect(svc.output()).toMatch(/"level":40,[^\n]*LOCAL MODE ON THE NETWORK: listening on 0\.0\.0\.0 without authentication\. Anyone who can reach port \d+ can forge Teams traffic/);
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  });
});
