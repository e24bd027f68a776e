/**
 * Replicas of the service that run its heartbeat work when the test says so, each with its own store and its own
 * clock: the scheduler's run and, beside it, the timers then the digest (what `app.ts` wires to the 30-second
 * heartbeat). Two kinds:
 *
 * - `appReplica`: a `createApp` instance in this process over a store of its own. On PostgreSQL each store is a
 *   pool of its own, so concurrent heartbeats are real races between connections.
 * - `startProcessReplicas`: the same `createApp` in child processes (bundled from src/ with esbuild). SQLite needs
 *   these: two better-sqlite3 connections in one thread cannot race transactions (the second one's BEGIN IMMEDIATE
 *   waits for the lock synchronously, so the holder never gets to commit; see engine-fixtures.ts).
 *
 * Nothing here sleeps or starts node-cron: a heartbeat runs at the instant the test passes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createApp, type App } from '../../src/app';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Store } from '../../src/storage/database';

/** What one heartbeat did on one replica. */
export interface HeartbeatResult {
  readonly created: number;
  readonly woke: number;
  readonly overdue: number;
  /** Repeat nudges (the first one, at overdue, is in `overdue`). */
  readonly nudged: number;
  /** Escalation steps taken. */
  readonly escalated: number;
  readonly digests: number;
}

export interface HeartbeatReplica {
  /**
   * Sets the replica's clock to `now` and runs one heartbeat, after `yields` turns of the event loop (to vary
   * which replica gets ahead; not a wait for time to pass).
   */
  heartbeat(now: number, yields?: number): Promise<HeartbeatResult>;
  close(): Promise<void>;
}

export interface ReplicaSetup {
  readonly catalogYaml: string;
  /** Service environment (SOC_TIMEZONE, SOC_DIGEST_CRON, …); LOG_LEVEL is silent. */
  readonly env: Record<string, string>;
}

/** The heartbeat as app.ts runs it: the scheduler's run, and beside it the timers then the digest. */
async function runHeartbeat(app: App): Promise<HeartbeatResult> {
  const [run, timers] = await Promise.all([
    app.scheduler.runDue(),
    (async () => {
      const t = await app.reminders.processTimers();
      return { ...t, digests: await app.digest.runDue() };
    })(),
  ]);
  return { created: run.created + run.caughtUp, ...timers };
}

async function yieldTimes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A replica in this process over `store` (which the caller closes), with a clock only heartbeats move. */
export function appReplica(store: Store, setup: ReplicaSetup): HeartbeatReplica {
  let now = 0;
  const config = parseConfig({ ...setup.env, LOG_LEVEL: 'silent' });
  const catalog = parseCatalog(setup.catalogYaml, { defaultTimezone: config.timezone });
  // autoRun false: no node-cron and no delivery worker (outbox rows stay where the test can count them).
  const app = createApp({ config, catalog, store, logger: createLogger('silent'), clock: { now: () => now }, autoRun: false });
  return {
    async heartbeat(at, yields = 0) {
      await yieldTimes(yields);
      now = at;
      return runHeartbeat(app);
    },
    close: async () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

const REPO_ROOT = join(__dirname, '..', '..');

/** The child: opens its store, says "ready", then runs one heartbeat per line `{"now", "yields"}` it is sent. */
const CHILD_SOURCE = `
import { createInterface } from 'node:readline';
import { createApp } from './src/app';
import { parseCatalog } from './src/catalog/catalog.loader';
import { parseConfig } from './src/config';
import { createLogger } from './src/logger';
import { openStore, parseDatabaseUrl } from './src/storage/database';

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const config = parseConfig({ ...spec.env, DATABASE_URL: spec.databaseUrl, LOG_LEVEL: 'silent' });
  const catalog = parseCatalog(spec.catalogYaml, { defaultTimezone: config.timezone });
  const store = await openStore(parseDatabaseUrl(spec.databaseUrl));
  let now = 0;
  const app = createApp({ config, catalog, store, logger: createLogger('silent'), clock: { now: () => now }, autoRun: false });
  const heartbeat = async () => {
    const [run, timers] = await Promise.all([
      app.scheduler.runDue(),
      (async () => {
        const t = await app.reminders.processTimers();
        return { ...t, digests: await app.digest.runDue() };
      })(),
    ]);
    return { created: run.created + run.caughtUp, ...timers };
  };
  process.stdout.write('ready\\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line);
    for (let i = 0; i < (cmd.yields || 0); i++) await new Promise((resolve) => setImmediate(resolve));
    now = cmd.now;
    let reply;
    try {
      reply = { ok: true, value: await heartbeat() };
    } catch (err) {
      reply = { ok: false, error: String((err && err.stack) || err) };
    }
    process.stdout.write(JSON.stringify(reply) + '\\n');
  }
  await store.close();
}
main().catch((err) => { process.stderr.write(String((err && err.stack) || err)); process.exit(1); });
`;

/** Bundles the child from src/ into a fresh directory outside the repository; packages stay in node_modules. */
async function buildChild(): Promise<{ bundle: string; remove(): void }> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'soc-reminders-heartbeat-'));
  const bundle = join(dir, 'heartbeat-replica.cjs');
  await build({
    stdin: { contents: CHILD_SOURCE, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'heartbeat-replica.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    packages: 'external',
    // package-root.ts walks up from its own folder to find package.json (the card templates, the version).
    define: { __dirname: JSON.stringify(join(REPO_ROOT, 'src')) },
    logLevel: 'error',
  });
  return { bundle, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts `count` child processes on the database `databaseUrl` (a SQLite path or a postgres:// URL) and waits
 * until each has opened it. Close every one (the test's afterAll): that ends its stdin and waits for its exit.
 */
export async function startProcessReplicas(count: number, databaseUrl: string, setup: ReplicaSetup, startTimeoutMs = 20_000): Promise<HeartbeatReplica[]> {
  const { bundle, remove } = await buildChild();
  const spec = JSON.stringify({ databaseUrl, catalogYaml: setup.catalogYaml, env: setup.env });
  const children: ChildProcessWithoutNullStreams[] = [];
  try {
    const replicas = await Promise.all(
      Array.from({ length: count }, async () => {
        const child = spawn(process.execPath, [bundle, spec], {
          env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_PATH: join(REPO_ROOT, 'node_modules') },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        children.push(child);
        return processReplica(child, startTimeoutMs);
      }),
    );
    return replicas;
  } catch (err) {
    // The others would wait for commands forever: end them, by their own handles.
    for (const c of children) c.kill('SIGKILL');
    throw err;
  } finally {
    // Every child has loaded the bundle (or is gone): the file is no longer needed.
    remove();
  }
}

async function processReplica(child: ChildProcessWithoutNullStreams, startTimeoutMs: number): Promise<HeartbeatReplica> {
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  const queued: string[] = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else queued.push(line);
  });
  const nextLine = (what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const early = queued.shift();
      if (early !== undefined) return resolve(early);
      const timer = setTimeout(() => reject(new Error(`replica gave no ${what} within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`replica exited (${code}) before its ${what}: ${stderr}`));
      });
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const ready = await nextLine('ready line', startTimeoutMs);
  if (ready !== 'ready') throw new Error(`replica said "${ready}" instead of ready: ${stderr}`);
  return {
    async heartbeat(now, yields = 0) {
      child.stdin.write(`${JSON.stringify({ now, yields })}\n`);
      const reply = JSON.parse(await nextLine('heartbeat reply', 30_000)) as { ok: true; value: HeartbeatResult } | { ok: false; error: string };
      if (!reply.ok) throw new Error(`replica heartbeat failed: ${reply.error}`);
      return reply.value;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
