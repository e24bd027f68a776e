/**
 * Opening the store. This file and `dialect.ts` are the only places that know which database is underneath.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type SqliteDialectConfig,
  type DialectAdapter,
  type Driver,
} from 'kysely';
import { Pool, types as pgTypes } from 'pg';
import type { Database } from './tables';
import type { DialectName } from './dialect';
import { migrateToLatest } from './migrator';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Human-readable location without credentials, for logs and /healthz. */
  readonly location: string;
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

/** A connection string with its password replaced, safe to log. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/**
 * SQLite's default BEGIN is deferred: two processes that both read, then write, can deadlock on the lock
 * upgrade, and busy_timeout does not help there. BEGIN IMMEDIATE takes the write lock up front, so a second
 * process (another replica, the CLI) simply waits its turn.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
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
 * Kysely prepares every query again; preparing costs more than running most of ours (a card action spent a
 * fifth of its time there). Keeps the most recently used statements by SQL text. Safe because Kysely runs a
 * statement to completion (`all` or `run`) before the next query; `iterate` (streaming) is never used here.
 */
function withStatementCache(db: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      if (sql.length > STATEMENT_CACHE_MAX_SQL) return db.prepare(sql);
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // re-inserted below: the Map's order is the recency order
      } else {
        statement = db.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

class ImmediateSqliteDialect extends SqliteDialect {
  private readonly database: SqliteDialectConfig['database'];
  constructor(db: SqliteDatabase.Database) {
    const database = withStatementCache(db);
    super({ database });
    this.database = database;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export interface StoreOptions {
  /**
   * Told when an idle PostgreSQL connection breaks (server restart, failover, network cut). The pool has already
   * dropped it and opens a new one on next use; without a listener the error would crash the process.
   * @default a process warning
   */
  readonly onConnectionError?: (err: Error) => void;
}

/** Opens the store and applies every pending migration; on failure nothing is left open. */
export async function openStore(location: StoreLocation, options: StoreOptions = {}): Promise<Store> {
  if (location.dialect === 'sqlite') {
    if (location.target !== ':memory:') mkdirSync(dirname(location.target), { recursive: true });
    const sqlite = new SqliteDatabase(location.target);
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect(sqlite) });
    try {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('busy_timeout = 10000');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
      await migrateToLatest(db, 'sqlite');
    } catch (err) {
      await db.destroy();
      throw err;
    }
    return { db, dialect: 'sqlite', location: location.target, close: () => db.destroy() };
  }
  const pool = new Pool({
    connectionString: location.target,
    max: 10,
    // Epoch-millisecond columns are bigint; they fit a JS number exactly, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === pgTypes.builtins.INT8 ? (v: string) => Number(v) : pgTypes.getTypeParser(oid, format as 'text')) as typeof pgTypes.getTypeParser,
    },
  });
  const onConnectionError =
    options.onConnectionError ?? ((err: Error) => process.emitWarning(`PostgreSQL connection lost (${redactUrl(location.target)}): ${err.message}`));
  pool.on('error', onConnectionError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dialect: 'postgres', location: redactUrl(location.target), close: () => db.destroy() };
}
