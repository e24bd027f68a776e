/**
 * Store faults: what the store says when it cannot keep what it is told, so that nobody is told "done" about
 * something that was not recorded, and /readyz can say why.
 *
 * Two kinds of error come out of the store. `StoreUnavailable` is ours: the store refuses a write itself (the
 * SQLite file was deleted or replaced under the process). Everything else is the database's own error (SQLite's
 * SQLITE_FULL or SQLITE_IOERR_WRITE, PostgreSQL's ECONNREFUSED or 57P01…), passed on unchanged because those
 * words are the useful ones; when it is a fault of the store rather than of the query, the store marks it, and
 * `isStoreFault` reads the mark. Only errors that left the store carry it, so a refused connection to Teams is
 * never mistaken for a database outage.
 */

/** `ok`, or why the store cannot take writes now. */
export type StoreState = 'ok' | 'lost' | 'unwritable' | 'unreachable';

export interface StoreHealth {
  readonly ok: boolean;
  readonly state: StoreState;
  /** The database's error code (SQLITE_FULL, ECONNREFUSED, 57P01…), the errno of a file check, or STORE_LOST. */
  readonly code?: string;
  /** A sentence for the operator. Never a connection string or password. */
  readonly reason?: string;
  /** When the fault was first seen (epoch ms), where the store knows it. */
  readonly since?: number;
}

export const HEALTHY: StoreHealth = Object.freeze({ ok: true, state: 'ok' });

/** The store refused the operation itself; nothing was written. */
export class StoreUnavailable extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    readonly state: Exclude<StoreState, 'ok'>,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

const STORE_FAULT = Symbol.for('soc-reminders.store-fault');

/**
 * SQLite result codes that say the file cannot be written or read any more, as opposed to a query's own fault
 * (a constraint, a syntax error). SQLITE_BUSY is left out: it is another writer holding the lock for longer
 * than busy_timeout, and passes.
 */
const SQLITE_FAULT_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM|NOLFS)/;

/**
 * PostgreSQL SQLSTATE classes of the same kind: 08 connection exception, 53 insufficient resources (53100 disk
 * full), 57P operator intervention (server shutting down, cannot connect now), 58 system error (I/O), and 25006
 * read-only transaction (a standby after a failover).
 */
const POSTGRES_FAULT_CODES = /^(08|53|57P|58)|^25006$/;

/** Errors of the socket under a PostgreSQL connection. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** node-postgres and its pool say these without a code. */
const POSTGRES_CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|Client was closed/i;

/** The database's code for a fault of the store, or undefined when `err` is not one (or not an error at all). */
export function storeFaultCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  if (err instanceof StoreUnavailable) return err.code;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SQLITE_FAULT_CODES.test(code) || POSTGRES_FAULT_CODES.test(code) || NETWORK_CODES.has(code)) return code;
  }
  // Node reports a refused connection to a name with several addresses as an AggregateError of them.
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) {
    for (const e of inner) {
      const c = storeFaultCode(e);
      if (c) return c;
    }
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && POSTGRES_CONNECTION_MESSAGES.test(message)) return 'CONNECTION_LOST';
  return undefined;
}

/**
 * An error's message, read by shape: better-sqlite3's SqliteError can come from another realm (a second copy
 * of the native module's JS side under jest), where `instanceof Error` is false.
 */
export function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}

/** Marks an error that left the store as a store fault when it is one; returns it for `throw`. */
export function markStoreFault<T>(err: T): T {
  if (typeof err === 'object' && err !== null && storeFaultCode(err) !== undefined && Object.isExtensible(err)) {
    Object.defineProperty(err, STORE_FAULT, { value: true, enumerable: false });
  }
  return err;
}

/**
 * True when `err` says the store could not do what it was asked (refused by us, or the database's own fault
 * error) rather than the request being wrong: the answer to a person is then "nothing was recorded", not the
 * domain's explanation.
 */
export function isStoreFault(err: unknown): boolean {
  if (err instanceof StoreUnavailable) return true;
  return typeof err === 'object' && err !== null && (err as { [STORE_FAULT]?: boolean })[STORE_FAULT] === true;
}
