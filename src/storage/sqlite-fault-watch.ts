/**
 * Watches the SQLite file under an open store, so that losing it is loud.
 *
 * A file deleted (or replaced by `mv`) while it is open stays usable to the process that holds it: SQLite keeps
 * writing to the old inode, every write "succeeds", and the next start finds an empty store or the other file,
 * with the bindings and every task since gone. So the store remembers which file it opened (device and inode of
 * the database, its -wal and its -shm, taken when the store is ready) and, before each write, checks that the
 * path still names those files: before every write transaction, before its COMMIT, and before each write outside
 * a transaction, so that a file lost in the middle of a transaction is refused at its commit.
 *
 * A verdict "intact" stands for `recheckMs` (RECHECK_MS, 5 ms) and is not asked again within it. The three stat
 * calls were measured at 3 µs on an idle machine, but under the card-action benchmark they were 4.6 % of the
 * service's CPU (about 13 µs each, six checks of three files an action: its transaction, the delivery worker's
 * claim and its mark-sent). With the window, a file deleted or replaced is refused from at most 5 ms later; a
 * write already had a window (between the check and the commit, microseconds), and this widens it to a few
 * milliseconds: a person may be told "done" about a write that went to a file removed within the last 5 ms, which
 * is then lost with it — as it would be a moment earlier. Health checks (/readyz) always look afresh.
 * Once lost, the store stays lost: this connection still points at the old file, and only a restart (after the
 * right file is back in place) opens the one at the path.
 *
 * The -wal and -shm count too: with the -wal gone, the changes since the last checkpoint live only in this
 * process; with the -shm gone, a second process (the CLI) would coordinate through another index than ours and
 * corrupt the database. Other processes opening and closing the database do not replace either file while this
 * connection holds it open (test/integration/store-faults.test.ts checks).
 *
 * When it finds the file lost it asks the store, once, to empty its -wal into the file it still holds (a
 * TRUNCATE checkpoint, `onLost`): the -wal and -shm at the path are still this process's, and another process
 * opening a database restored there (the CLI, or the bot after a restart) would apply this WAL's pages to it.
 * Without that, a backup restored under the running bot read as the bot's own bindings in the test. If only the
 * -wal or -shm went, the same checkpoint saves the changes of the lost -wal into the database file.
 *
 * It also keeps the last fault SQLite reported on a write (SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_READONLY…),
 * until a later write succeeds, and looks at whether the files can be written at all, for /readyz.
 */
import { accessSync, constants, statSync, statfsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { HEALTHY, StoreUnavailable, errorMessage, storeFaultCode, type StoreHealth } from './store-faults';

interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The three files of a database in WAL mode, and what each is, for messages. */
const FILES = [
  { suffix: '', what: 'database file' },
  { suffix: '-wal', what: "database's write-ahead log" },
  { suffix: '-shm', what: "database's shared-memory index" },
] as const;

/** How long a check that found the files intact stands, in ms (see above). */
export const RECHECK_MS = 5;

/** How often the files are looked at, and the clock that says so (monotonic, in ms). */
export interface FileCheckOptions {
  /** @default RECHECK_MS */
  readonly recheckMs?: number;
  /** @default performance.now */
  readonly elapsed?: () => number;
}

interface Fault {
  readonly code: string;
  readonly message: string;
  readonly since: number;
}

export class SqliteFaultWatch {
  private identities: ReadonlyArray<{ readonly path: string; readonly what: string; readonly id: FileIdentity }> = [];
  private lost: { readonly error: StoreUnavailable; readonly since: number } | undefined;
  private fault: Fault | undefined;
  private settled = false;
  /** When the files were last found intact (`elapsed` time), if ever. */
  private intactAt: number | undefined;
  private readonly recheckMs: number;
  private readonly elapsed: () => number;

  /**
   * @param path absolute path of the database file
   * @param onLost called when the files are found lost, again at each later check until it returns true (it
   *   cannot checkpoint inside a transaction)
   * @param now clock for `since` (real time: a fault happens in the operator's time, not the domain's)
   * @param check how long a verdict "intact" stands, and the clock it is measured with
   */
  constructor(
    private readonly path: string,
    private readonly onLost: () => boolean = () => true,
    private readonly now: () => number = Date.now,
    check: FileCheckOptions = {},
  ) {
    this.recheckMs = check.recheckMs ?? RECHECK_MS;
    this.elapsed = check.elapsed ?? (() => performance.now());
  }

  /** Remembers the files the store has open; call once the store is ready (migrated, in WAL mode). */
  arm(): void {
    const identities: Array<{ path: string; what: string; id: FileIdentity }> = [];
    for (const f of FILES) {
      const path = this.path + f.suffix;
      const id = identityOf(path);
      // No -wal or -shm: not in WAL mode (or not yet): there is nothing of them to lose.
      if (id) identities.push({ path, what: f.what, id });
      else if (f.suffix === '') throw new Error(`the database file ${path} is not there right after opening it`);
    }
    this.identities = identities;
  }

  /**
   * Throws StoreUnavailable when the files at the path are no longer the ones the store opened (as last looked at:
   * within `recheckMs` of a check that found them intact, that verdict stands).
   */
  assertIntact(): void {
    if (this.lost) {
      this.settle();
      throw this.lost.error;
    }
    if (this.intactAt !== undefined && this.elapsed() - this.intactAt < this.recheckMs) return;
    this.checkFiles();
  }

  private checkFiles(): void {
    this.intactAt = undefined;
    for (const f of this.identities) {
      let now: FileIdentity | undefined;
      try {
        now = identityOf(f.path);
      } catch (err) {
        // Not a verdict on the file (a directory we may not search any more): refuse this write, decide later.
        throw new StoreUnavailable('unreachable', `cannot look at the ${f.what} ${f.path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing was written`);
      }
      if (now && now.dev === f.id.dev && now.ino === f.id.ino) continue;
      const error = new StoreUnavailable(
        'lost',
        `the ${f.what} ${f.path} was ${now ? 'replaced' : 'deleted'} while the bot was running; nothing more is written to it. ` +
          'Stop the bot, put the right database file back in place, and start it again.',
      );
      this.lost = { error, since: this.now() };
      this.settle();
      throw error;
    }
    this.intactAt = this.elapsed();
  }

  /** Runs `onLost` if the files were found lost and it has not succeeded yet. Never throws. */
  settle(): void {
    if (!this.lost || this.settled) return;
    try {
      this.settled = this.onLost();
    } catch {
      // It was a courtesy to whoever opens the path next; the store stays lost either way.
      this.settled = true;
    }
  }

  /** Remembers SQLite's own word when a statement failed because the file could not be written or read. */
  recordError(err: unknown): void {
    const code = storeFaultCode(err);
    if (!code || err instanceof StoreUnavailable) return;
    this.fault = { code, message: errorMessage(err), since: this.fault?.code === code ? this.fault.since : this.now() };
  }

  /** A write went through: whatever failed before is over. */
  recordSuccess(): void {
    this.fault = undefined;
  }

  /**
   * Whether the store can take writes, as far as can be seen without writing: the files are the ones opened,
   * no write failed since the last one that succeeded, the files can be written to, and there is space left.
   */
  health(): StoreHealth {
    try {
      // Afresh, whatever the last write saw: /readyz says what is true now.
      if (this.lost) this.assertIntact();
      else this.checkFiles();
    } catch (err) {
      if (!(err instanceof StoreUnavailable)) throw err;
      return err.state === 'lost'
        ? { ok: false, state: 'lost', code: 'STORE_LOST', reason: err.message, since: this.lost?.since }
        : { ok: false, state: err.state, code: err.code, reason: err.message };
    }
    if (this.fault) {
      return { ok: false, state: 'unwritable', code: this.fault.code, reason: `the last write to ${this.path} failed: ${this.fault.code}: ${this.fault.message}`, since: this.fault.since };
    }
    for (const f of this.identities) {
      try {
        // Root passes permission bits, but not a read-only mount (EROFS) or an immutable file (EPERM).
        accessSync(f.path, constants.W_OK);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
        // Permission bits changed under a non-root bot: the descriptor it opened keeps its write access, so
        // writes still work (a restart would refuse to start, with SQLITE_READONLY). Not a reason to stop traffic.
        if (code === 'EACCES') continue;
        return { ok: false, state: 'unwritable', code, reason: `the ${f.what} ${f.path} cannot be written (${code})` };
      }
    }
    const fs = statfsSync(this.path);
    // Root may use the blocks reserved for it, and SQLite running as root does.
    const free = process.getuid?.() === 0 ? fs.bfree : fs.bavail;
    if (free === 0) return { ok: false, state: 'unwritable', code: 'ENOSPC', reason: `no space is left on the file system of ${this.path}` };
    return HEALTHY;
  }
}

function identityOf(path: string): FileIdentity | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? { dev: st.dev, ino: st.ino } : undefined;
}
