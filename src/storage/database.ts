/**
 * Opening the store. This file and `dialect.ts` are the only places that know which database is underneath.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type SqliteDialectConfig,
  type SqliteStatement,
  type DialectAdapter,
  type Driver,
} from 'kysely';
import { Pool, types as pgTypes } from 'pg';
import type { Database } from './tables';
import type { DialectName } from './dialect';
import { migrateToLatest } from './migrator';
import { SqliteFaultWatch, type FileCheckOptions } from './sqlite-fault-watch';
import { HEALTHY, errorMessage, markStoreFault, storeFaultCode, type StoreHealth } from './store-faults';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Human-readable location without credentials, for logs and /healthz. */
  readonly location: string;
  /**
   * Whether the store can take writes now, and why not: never touches the data, answers within
   * HEALTH_TIMEOUT_MS. For /readyz and /healthz.
   */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export interface StoreLocation {
  readonly dialect: DialectName;
  /** SQLite: absolute file path (or `:memory:`); PostgreSQL: the connection string. */
  readonly target: string;
}

/**
 * Reads DATABASE_URL: unset → `./data/soc-reminders.db`; `postgres://…` or `postgresql://…` → PostgreSQL;
 * `sqlite:<path>`, `file:<path>` or a plain path → SQLite.
 */
export function parseDatabaseUrl(url: string | undefined, cwd = process.cwd()): StoreLocation {
  if (!url) return { dialect: 'sqlite', target: resolve(cwd, 'data', 'soc-reminders.db') };
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', target: url };
  const path = url.replace(/^(sqlite|file):(\/\/)?/i, '');
  if (path === '') throw new Error('DATABASE_URL: empty SQLite path');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw new Error(`DATABASE_URL: unsupported scheme in "${redactUrl(url)}"`);
  return { dialect: 'sqlite', target: path === ':memory:' ? path : resolve(cwd, path) };
}

/**
 * A connection string with every secret in it replaced, safe to log and to show: the password of the user-info part
 * (also with an empty user name, or an `@` inside the password), and query parameters that carry one (`password`,
 * `sslpassword`, and anything else named like a key or secret), which pg-connection-string honours too.
 */
export function redactUrl(url: string): string {
  // Everything between `//` and the LAST `@` before the host is user-info: keep the user name, hide the rest.
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme}${colon < 0 ? info : `${info.slice(0, colon)}:***`}@`;
  });
  out = out.replace(/([?&])([^=&#]*(?:pass|pwd|secret|key|token)[^=&#]*)=([^&#]*)/gi, '$1$2=***');
  return out;
}

/**
 * SQLite's default BEGIN is deferred: two processes that both read, then write, can deadlock on the lock
 * upgrade, and busy_timeout does not help there. BEGIN IMMEDIATE takes the write lock up front, so a second
 * process (another replica, the CLI) simply waits its turn.
 *
 * It also keeps store faults loud: a write transaction is refused when the file was deleted or replaced, both at
 * BEGIN and at COMMIT (see SqliteFaultWatch), and the error that ended a transaction is the one that surfaces.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly sqlite: SqliteDatabase.Database,
    private readonly watch: SqliteFaultWatch | undefined,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.watch?.assertIntact();
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // A file lost during the transaction: refuse the commit, so Kysely rolls back and nothing lands in the orphan.
    this.watch?.assertIntact();
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.watch?.recordSuccess();
  }

  /**
   * After SQLITE_FULL, an I/O error or SQLITE_NOMEM, SQLite has already rolled the transaction back by itself
   * (at the statement or at COMMIT). Kysely rolls back anyway, SQLite answers "cannot rollback - no transaction
   * is active", and that error replaces the real one in the caller's hands and in the log. Nothing is left to
   * undo then, so there is nothing to ask.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.sqlite.inTransaction) await super.rollbackTransaction(connection);
    // A commit refused because the file was lost: outside the transaction now, its WAL can be emptied.
    this.watch?.settle();
  }
}

/**
 * SQLite does roll back DDL, but Kysely's adapter says it does not, so its migrator would run migrations outside
 * any transaction and without a lock: a migration that fails half-way would leave half a schema, and two
 * processes starting together would both run it. Saying yes makes the migrator wrap them in BEGIN IMMEDIATE.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** How many prepared statements are kept per SQLite connection (the app issues a few dozen distinct ones). */
const STATEMENT_CACHE_SIZE = 256;
/** Longer SQL is a multi-row INSERT or a long `in (…)` list, different at every size: not worth keeping. */
const STATEMENT_CACHE_MAX_SQL = 4096;

/**
 * The connection as Kysely sees it: prepared statements kept (below), and every statement watched for store
 * faults: a write outside a transaction checks the file first (writes inside one were checked at BEGIN), and
 * SQLite's I/O-class errors are marked as store faults and remembered for /readyz.
 *
 * Kysely prepares every query again; preparing costs more than running most of ours (a card action spent a
 * fifth of its time there). Keeps the most recently used statements by SQL text. Safe because Kysely runs a
 * statement to completion (`all` or `run`) before the next query; `iterate` (streaming) is never used here.
 */
function watchedConnection(db: SqliteDatabase.Database, watch: SqliteFaultWatch | undefined): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteStatement>();
  const failed = (err: unknown): never => {
    watch?.recordError(err);
    throw markStoreFault(err);
  };
  const watched = (statement: SqliteDatabase.Statement): SqliteStatement => {
    // SQLite calls BEGIN, COMMIT and ROLLBACK read-only too: the driver checks those.
    const writes = !statement.readonly;
    const guarded = <T>(run: () => T): T => {
      const autocommit = writes && !db.inTransaction;
      try {
        if (autocommit) watch?.assertIntact();
        const result = run();
        if (autocommit) watch?.recordSuccess();
        return result;
      } catch (err) {
        return failed(err);
      }
    };
    return {
      reader: statement.reader,
      all: (parameters) => guarded(() => statement.all(parameters as unknown[])),
      run: (parameters) => guarded(() => statement.run(parameters as unknown[])),
      iterate: (parameters) => statement.iterate(parameters as unknown[]),
    };
  };
  const prepare = (sql: string): SqliteStatement => {
    try {
      return watched(db.prepare(sql));
    } catch (err) {
      // Preparing reads the schema: a corrupt or vanished file fails here first.
      return failed(err);
    }
  };
  return {
    close: () => db.close(),
    prepare(sql: string) {
      if (sql.length > STATEMENT_CACHE_MAX_SQL) return prepare(sql);
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-inserted below: the Map's order is the recency order
      } else {
        statement = prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

class ImmediateSqliteDialect extends SqliteDialect {
  private readonly config: SqliteDialectConfig;
  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    private readonly watch: SqliteFaultWatch | undefined,
  ) {
    const config = { database: watchedConnection(sqlite, watch) };
    super(config);
    this.config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.sqlite, this.watch);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * PostgreSQL's driver with the errors that say the server is gone, full or read-only marked as store faults, so
 * the bot can answer "nothing was recorded" instead of a generic failure. The errors themselves pass unchanged.
 */
class FaultMarkingPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    const inner = super.createDriver();
    const mark = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        throw markStoreFault(err);
      }
    };
    const connections = new WeakMap<DatabaseConnection, DatabaseConnection>();
    const unwrap = (c: DatabaseConnection) => connections.get(c) ?? c;
    return {
      init: () => mark(() => inner.init()),
      acquireConnection: async () => {
        const connection = await mark(() => inner.acquireConnection());
        const wrapped: DatabaseConnection = {
          executeQuery: (query) => mark(() => connection.executeQuery(query)),
          streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
        };
        connections.set(wrapped, connection);
        return wrapped;
      },
      beginTransaction: (c, settings) => mark(() => inner.beginTransaction(unwrap(c), settings)),
      commitTransaction: (c) => mark(() => inner.commitTransaction(unwrap(c))),
      rollbackTransaction: (c) => mark(() => inner.rollbackTransaction(unwrap(c))),
      savepoint: inner.savepoint && ((c, name, compile) => mark(() => inner.savepoint!(unwrap(c), name, compile))),
      rollbackToSavepoint: inner.rollbackToSavepoint && ((c, name, compile) => mark(() => inner.rollbackToSavepoint!(unwrap(c), name, compile))),
      releaseSavepoint: inner.releaseSavepoint && ((c, name, compile) => mark(() => inner.releaseSavepoint!(unwrap(c), name, compile))),
      releaseConnection: (c) => inner.releaseConnection(unwrap(c)),
      destroy: () => inner.destroy(),
    };
  }
}

export interface StoreOptions {
  /**
   * Told when an idle PostgreSQL connection breaks (server restart, failover, network cut). The pool has already
   * dropped it and opens a new one on next use; without a listener the error would crash the process.
   * @default a process warning
   */
  readonly onConnectionError?: (err: Error) => void;
  /** How long opening a PostgreSQL connection may take before the query fails (pg waits forever by default). @default 10000 */
  readonly connectTimeoutMs?: number;
  /** SQLite: how often a write looks at whether the files are still the ones opened (tests pass their own clock). */
  readonly fileCheck?: FileCheckOptions;
}

/** How long a SQLite write waits for another process's write lock (the CLI, a second process) before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * How long a health check waits for the database. Under an orchestrator's probe timeout (give /readyz 3 s): a
 * server that does not answer in 2 s is not ready for a person waiting on a card either.
 */
export const HEALTH_TIMEOUT_MS = 2000;

/** Opens the store and applies every pending migration; on failure nothing is left open. */
export async function openStore(location: StoreLocation, options: StoreOptions = {}): Promise<Store> {
  if (location.dialect === 'sqlite') {
    const file = location.target === ':memory:' ? undefined : location.target;
    if (file) mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(location.target);
    const watch = file ? new SqliteFaultWatch(file, () => emptyWal(sqlite), Date.now, options.fileCheck) : undefined;
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(sqlite, watch) });
    let checkpointer: WalCheckpointer | undefined;
    try {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // Durable against a crash of the process: a commit is in the WAL file (the operating system's cache) before
      // it is answered. Not against a power loss or a crash of the machine: those may lose the commits since the
      // last checkpoint, because the WAL is synced only then (SQLite's documented trade for WAL with NORMAL; the
      // database itself stays consistent). FULL would sync on every commit, and a card action wait for the disk.
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
      await migrateToLatest(db, 'sqlite');
      // From here on the files are the store's: losing one of them is a fault.
      watch?.arm();
      if (file) checkpointer = startWalCheckpointer(sqlite, file);
    } catch (err) {
      await checkpointer?.stop();
      await db.destroy();
      throw err;
    }
    const close = async () => {
      // First: the last connection to close checkpoints the WAL and removes it.
      await checkpointer?.stop();
      await db.destroy();
    };
    return { db, dialect: 'sqlite', location: location.target, health: () => sqliteHealth(db, location.target, watch), close };
  }
  const pool = new Pool({
    connectionString: location.target,
    max: 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // TCP keepalive on every connection: a server gone after a failover (no FIN, no RST) is noticed by the kernel's
    // probes, which start after 10 s idle, instead of a query waiting on the half-open socket for good. With Linux's
    // default probes (every 75 s, 9 of them) that is still about 11 minutes; a tighter bound needs the host's
    // net.ipv4.tcp_keepalive_intvl and _probes, or a statement timeout (not set: a migration may run long).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Epoch-millisecond columns are bigint; they fit a JS number exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pgTypes.builtins.INT8 ? (v: string) => Number(v) : pgTypes.getTypeParser(oid, format as 'text')) as typeof pgTypes.getTypeParser,
    },
  });
  const onConnectionError =
    options.onConnectionError ?? ((err: Error) => process.emitWarning(`PostgreSQL connection lost (${redactUrl(location.target)}): ${err.message}`));
  pool.on('error', onConnectionError);
  const db = new Kysely<Database>({ dialect: new FaultMarkingPostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect: 'postgres', location: redactUrl(location.target), health: () => postgresHealth(db), close: () => db.destroy() };
}

/** How often the checkpointer looks at the WAL. */
const CHECKPOINT_INTERVAL_MS = 500;
/** WAL pages that call for a checkpoint: SQLite's default, by the checkpointer or, without it, the connection itself. */
const AUTOCHECKPOINT_PAGES = 1000;

interface WalCheckpointer {
  stop(): Promise<void>;
}

// The checkpointer's code, run in a worker thread with its own connection. As SQLite's own, it checkpoints once the
// WAL holds about AUTOCHECKPOINT_PAGES pages (its file keeps its size when the writer starts it over, so under load
// that is at every tick). A PASSIVE checkpoint neither waits for nor blocks the writer.
const CHECKPOINTER_SOURCE = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('synchronous = NORMAL');
const threshold = workerData.pages * (db.pragma('page_size', { simple: true }) + 24);
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(() => {
  const wal = statSync(workerData.file + '-wal', { throwIfNoEntry: false });
  if (wal && wal.size >= threshold) checkpoint();
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * SQLite checkpoints the WAL inside the commit that crosses 1,000 pages: that commit copies the pages into the
 * database file and syncs both files, with the event loop blocked. Measured on the 2-core benchmark machine, such
 * a commit took 40 to 150 ms, every couple of hundred card actions, and every request in flight waited for it.
 * Here a worker thread with its own connection does it (looking every CHECKPOINT_INTERVAL_MS), and the service's
 * connection never does. Should the thread fail, the connection checkpoints for itself again.
 *
 * The thread starts on first need: when the WAL first reaches the threshold, which the service connection looks
 * at as often as the thread would (a stat of the -wal file, a few microseconds). A worker thread is an isolate
 * of its own, 15 MB resident on Node 24, and a process that writes little (an idle one, a small team's) never
 * needs it. Once started it stays: exiting would give back only a third of that.
 */
function startWalCheckpointer(sqlite: SqliteDatabase.Database, file: string): WalCheckpointer {
  const threshold = AUTOCHECKPOINT_PAGES * ((sqlite.pragma('page_size', { simple: true }) as number) + 24);
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopping = false;
  const checkpointsOfItsOwn = () => {
    try {
      if (!stopping && sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    } catch {
      // The connection itself fails: its next statement says so to whoever runs it.
    }
  };
  const start = () => {
    const thread = new Worker(CHECKPOINTER_SOURCE, { eval: true, workerData: { file, driver: require.resolve('better-sqlite3'), intervalMs: CHECKPOINT_INTERVAL_MS, pages: AUTOCHECKPOINT_PAGES } });
    // Never what keeps a process alive (the CLI, a test that forgets to close).
    thread.unref();
    exited = new Promise<void>((done) => {
      thread.once('exit', () => {
        checkpointsOfItsOwn();
        done();
      });
    });
    thread.on('error', () => undefined); // the 'exit' above restores SQLite's own checkpoints
    worker = thread;
  };
  const watch = setInterval(() => {
    try {
      const wal = statSync(`${file}-wal`, { throwIfNoEntry: false });
      if (!wal || wal.size < threshold) return;
      clearInterval(watch);
      start();
    } catch {
      // A timer's exception would end the process: the -wal file unreadable (EACCES, EIO, ELOOP) or no thread to be
      // had (ENOMEM, EMFILE). SQLite checkpoints for itself again, as when the thread fails.
      clearInterval(watch);
      checkpointsOfItsOwn();
    }
  }, CHECKPOINT_INTERVAL_MS);
  watch.unref();
  sqlite.pragma('wal_autocheckpoint = 0');
  return {
    async stop() {
      if (!stopping) {
        stopping = true;
        clearInterval(watch);
        if (worker) {
          worker.postMessage('stop');
          const timer = setTimeout(() => void worker?.terminate(), 5000);
          await exited;
          clearTimeout(timer);
        }
        if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      }
      return exited;
    },
  };
}

/**
 * Copies the WAL into the database file this connection holds and truncates it, without waiting: false (try
 * later) inside a transaction or while another process reads.
 */
function emptyWal(sqlite: SqliteDatabase.Database): boolean {
  if (sqlite.inTransaction) return false;
  // busy_timeout would make a checkpoint wait for readers with the event loop blocked.
  sqlite.pragma('busy_timeout = 0');
  try {
    const [result] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    return result?.busy === 0;
  } finally {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

async function sqliteHealth(db: Kysely<Database>, path: string, watch: SqliteFaultWatch | undefined): Promise<StoreHealth> {
  const files = watch?.health() ?? HEALTHY;
  if (files.state === 'lost') return files;
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    return { ok: false, state: 'unreachable', code: storeFaultCode(err) ?? codeOf(err), reason: `SQLite cannot read ${path}: ${messageOf(err)}` };
  }
  return files;
}

/**
 * Reachable, and a primary that takes writes: after a failover to a standby that is still in recovery, or with
 * default_transaction_read_only on, every write fails although every read works.
 */
async function postgresHealth(db: Kysely<Database>): Promise<StoreHealth> {
  let row: { recovery: boolean; read_only: string } | undefined;
  try {
    const query = sql<{ recovery: boolean; read_only: string }>`select pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as read_only`.execute(db);
    row = (await withDeadline(query, HEALTH_TIMEOUT_MS)).rows[0];
  } catch (err) {
    const code = err instanceof HealthTimeout ? 'TIMEOUT' : (storeFaultCode(err) ?? codeOf(err));
    return { ok: false, state: 'unreachable', code, reason: `PostgreSQL cannot be reached: ${messageOf(err)}` };
  }
  if (row?.recovery) return { ok: false, state: 'unwritable', code: 'IN_RECOVERY', reason: 'the PostgreSQL server is a standby in recovery: it takes no writes' };
  if (row?.read_only === 'on') return { ok: false, state: 'unwritable', code: '25006', reason: 'PostgreSQL sessions are read-only (default_transaction_read_only is on)' };
  return HEALTHY;
}

class HealthTimeout extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HealthTimeout(`no answer within ${ms} ms`)), ms);
  });
  // The query may still finish (or fail) after the deadline: nobody waits for it then, and that is fine.
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code ? code : 'UNKNOWN';
}

/** An error's message as an operator may see it: a connection string in it loses its password. */
function messageOf(err: unknown): string {
  let message = errorMessage(err);
  // Node's refused connection to a name with several addresses has an empty message and the causes inside.
  const inner = (err as { errors?: unknown } | null)?.errors;
  if (!message && Array.isArray(inner)) message = inner.map(errorMessage).join('; ');
  if (!message && err instanceof Error) message = err.name;
  return redactUrl(message).slice(0, 500);
}
