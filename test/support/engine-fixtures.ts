/**
 * The reminder engine wired for tests: a real SQLite file per test, a clock the test moves, and the scheduler,
 * reminder service and workload service over them. Nothing here sleeps or starts node-cron: tests call
 * `scheduler.runDue()` and `service.processTimers()` themselves after moving the clock.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import type { Catalog } from '../../src/catalog/catalog.types';
import type { Clock } from '../../src/reminders/clock';
import type { Actor } from '../../src/reminders/occurrence.types';
import type { ActionOrigin } from '../../src/reminders/card-actions';
import { ReminderService } from '../../src/reminders/reminder.service';
import { Scheduler, type SchedulerLogger } from '../../src/reminders/scheduler';
import { WorkloadService } from '../../src/reminders/workload';
import { upsertBinding } from '../../src/storage/binding.repository';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';
import { recordPosted, type Db } from '../../src/storage/occurrence.repository';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The tenant that owns occurrences while no tenant is known. */
export const HOME_TENANT = 'tenant-home';
/** The conversation in which `simulatePost` says the card went, and which `SAME_CONVERSATION` accepts. */
export const CONVERSATION = 'conv-1';

export { FakeClock } from './fake-clock';

/** `2026-03-02T09:00:00Z` → epoch ms, throwing on a typo instead of returning NaN. */
export function ms(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not an instant: ${iso}`);
  return t;
}

export interface TempStore {
  readonly store: Store;
  /** The SQLite file, for opening a second connection to the same database. */
  readonly path: string;
  /** Opens another connection to the same file (closed by `cleanup`), as a second replica would. */
  openAnother(): Promise<Store>;
  /** Closes every connection and deletes the file. */
  cleanup(): Promise<void>;
}

/** A fresh, migrated SQLite database in its own temporary directory. */
export async function openTempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'soc-reminders-test-'));
  const path = join(dir, 'test.db');
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const s = await openStore(parseDatabaseUrl(path));
    stores.push(s);
    return s;
  };
  const store = await open();
  return {
    store,
    path,
    openAnother: open,
    cleanup: async () => {
      for (const s of stores.splice(0)) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses catalog YAML; the default time zone (used when the YAML names none) is Asia/Seoul. */
export function makeCatalog(yaml: string, defaultTimezone = 'Asia/Seoul'): Catalog {
  return parseCatalog(yaml, { defaultTimezone, source: 'test' });
}

/** A scheduler logger that keeps what it was told, so tests can assert on warnings without printing them. */
export class CollectingLogger implements SchedulerLogger {
  readonly infos: { obj: object; msg: string }[] = [];
  readonly warnings: { obj: object; msg: string }[] = [];
  readonly errors: { obj: object; msg: string }[] = [];

  info(obj: object, msg: string): void {
    this.infos.push({ obj, msg });
  }

  warn(obj: object, msg: string): void {
    this.warnings.push({ obj, msg });
  }

  error(obj: object, msg: string): void {
    this.errors.push({ obj, msg });
  }
}

export interface EngineOptions {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly clock: Clock;
  /** The catch-up window (SOC_CATCHUP) in ms. @default 24 h */
  readonly catchup?: number;
  /** @default HOME_TENANT */
  readonly homeTenantId?: string;
}

export interface Engine {
  readonly service: ReminderService;
  readonly scheduler: Scheduler;
  readonly workload: WorkloadService;
  readonly logger: CollectingLogger;
}

/** The reminder service, scheduler and workload service over one store, as `app.ts` wires them. */
export function makeEngine(options: EngineOptions): Engine {
  const { store, catalog, clock } = options;
  const logger = new CollectingLogger();
  const service = new ReminderService({ db: store.db, catalog, clock });
  const scheduler = new Scheduler({
    service,
    catalog,
    clock,
    db: store.db,
    catchupMs: options.catchup ?? DAY,
    homeTenantId: options.homeTenantId ?? HOME_TENANT,
    logger,
  });
  const workload = new WorkloadService({ db: store.db, catalog, clock });
  return { service, scheduler, workload, logger };
}

/** A Teams user as an activity names them. */
export function actor(name: string): Actor {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return { userId: `29:${slug}`, aadObjectId: `aad-${slug}`, name };
}

/** The origin of a card action from `CONVERSATION`. */
export const SAME_CONVERSATION: ActionOrigin = { isSameConversation: (c) => c === CONVERSATION };
/** The origin of a card action from some other conversation. */
export const OTHER_CONVERSATION: ActionOrigin = { isSameConversation: (c) => c === 'conv-elsewhere' };

/** What the delivery worker records after posting the card, so that card actions on it are accepted. */
export async function simulatePost(db: Db, occurrenceId: string, at: number, conversationId = CONVERSATION): Promise<void> {
  const posted = await recordPosted(db, occurrenceId, at, { conversationId, activityId: `msg-${occurrenceId}`, serviceUrl: 'https://smba.example/emea/' });
  if (!posted) throw new Error(`occurrence ${occurrenceId} was already posted or does not exist`);
}

/** Binds a SOC team to a channel in a tenant, as `bind` in Teams would. */
export async function bindTeam(db: Db, tenantId: string, socTeamId: string, at: number): Promise<void> {
  await upsertBinding(db, {
    tenantId,
    socTeamId,
    teamsTeamId: `team-of-${socTeamId}`,
    channelId: `19:${socTeamId}@thread.tacv2`,
    channelName: socTeamId,
    serviceUrl: 'https://smba.example/emea/',
    botId: 'bot-id',
    boundAt: at,
    boundByName: 'Setup',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Replicas: the engine in separate processes on the same SQLite file
// ---------------------------------------------------------------------------------------------------------------
//
// Two replicas are two processes. Two connections inside one process cannot stand in for them: better-sqlite3 is
// synchronous, so the second connection's BEGIN IMMEDIATE waits out busy_timeout (10 s) on the thread that holds
// the first connection's open transaction, and fails with "database is locked". So the race is run between child
// processes, each released at the same moment once both have opened the store.

/** What a replica does once released. */
export type ReplicaJob =
  | { readonly kind: 'runDue' }
  | { readonly kind: 'processTimers' }
  | { readonly kind: 'complete'; readonly tenantId: string; readonly occurrenceId: string; readonly actor: Actor; readonly note?: string };

export interface ReplicaSpec {
  readonly dbPath: string;
  /** Plain data: the parsed catalog crosses the process boundary as JSON. */
  readonly catalog: Catalog;
  /** The replica's clock, frozen at this instant. */
  readonly now: number;
  /** @default 24 h */
  readonly catchup?: number;
  readonly job: ReplicaJob;
}

/** The job's result, or the error it threw with its own fields (`code`, `by`, `at`, …). */
export type ReplicaOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: { name: string; message: string; code?: string; [key: string]: unknown } };

const REPLICA_SOURCE = `
import { createInterface } from 'node:readline';
import { ReminderService } from './src/reminders/reminder.service';
import { Scheduler } from './src/reminders/scheduler';
import { openStore, parseDatabaseUrl } from './src/storage/database';

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const store = await openStore(parseDatabaseUrl(spec.dbPath));
  const clock = { now: () => spec.now };
  const service = new ReminderService({ db: store.db, catalog: spec.catalog, clock });
  const quiet = { info() {}, warn() {}, error() {} };
  const scheduler = new Scheduler({ service, catalog: spec.catalog, clock, db: store.db, catchupMs: spec.catchup, homeTenantId: ${JSON.stringify(HOME_TENANT)}, logger: quiet });
  const lines = createInterface({ input: process.stdin });
  const go = new Promise((resolve) => lines.once('line', resolve));
  process.stdout.write('ready\\n');
  await go;
  let outcome;
  try {
    const job = spec.job;
    const value =
      job.kind === 'runDue' ? await scheduler.runDue()
      : job.kind === 'processTimers' ? await service.processTimers()
      : await service.complete(job.tenantId, job.occurrenceId, job.actor, job.note, { isSameConversation: (c) => c === ${JSON.stringify(CONVERSATION)} });
    outcome = { ok: true, value };
  } catch (err) {
    outcome = { ok: false, error: { ...err, name: err.name, message: err.message } };
  }
  lines.close();
  await store.close();
  process.stdout.write(JSON.stringify(outcome) + '\\n');
}
main().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

const REPO_ROOT = join(__dirname, '..', '..');

/** Bundles the replica entry (TypeScript from src/) into a fresh directory outside the repository. */
async function buildReplica(): Promise<{ bundle: string; remove(): void }> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'soc-reminders-replica-'));
  const bundle = join(dir, 'replica.cjs');
  await build({
    stdin: { contents: REPLICA_SOURCE, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'replica.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    external: ['better-sqlite3', 'pg', 'pg-native', 'node-cron'],
    logLevel: 'error',
  });
  return { bundle, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs each spec in its own process against the same database, releases them together once all have opened the
 * store, and returns their outcomes in order.
 */
export async function runReplicas(specs: readonly ReplicaSpec[]): Promise<ReplicaOutcome[]> {
  const { bundle, remove } = await buildReplica();
  const children = specs.map((spec) => {
    const child = spawn(process.execPath, [bundle, JSON.stringify({ catchup: DAY, ...spec })], {
      env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.startsWith('ready\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`replica exited before it was ready: ${err}`)));
    });
    child.stderr.on('data', (chunk: string) => (err += chunk));
    const done = new Promise<ReplicaOutcome>((resolve, reject) => {
      child.on('exit', (code) => {
        const last = out.trim().split('\n').at(-1) ?? '';
        if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ReplicaOutcome);
        else reject(new Error(`replica failed (exit ${code}): ${err || out}`));
      });
    });
    // Awaited below; this only keeps a replica that died before it was ready from being reported twice.
    done.catch(() => undefined);
    return { child, ready, done };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
  } catch (err) {
    // The others wait for "go" forever: end them, by their own pids.
    for (const c of children) c.child.kill();
    throw err;
  } finally {
    // Every replica has loaded the bundle (or is gone): the file is no longer needed.
    remove();
  }
  for (const c of children) c.child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}
