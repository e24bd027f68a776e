/**
 * SQLite's WAL is checkpointed by a thread of its own (database.ts, startWalCheckpointer), not inside the commit
 * that crosses 1,000 pages, which blocked the event loop for 40-150 ms on the benchmark machine. What is committed
 * still reaches the database file, is readable after a restart, and closing the store leaves no WAL behind. The
 * thread (15 MB resident) starts only once the WAL first needs a checkpoint.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/storage/database';

const until = async (check: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** Node's worker threads running in this process (Linux names each one's thread `WorkerThread`). */
const workerThreads = () => readdirSync('/proc/self/task').filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'WorkerThread').length;

describe('SQLite checkpoints', () => {
  let dir: string;
  let store: Store | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-reminders-checkpoints-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Closes the store (which leaves no WAL behind), opens it again and counts the rows of `table`. */
  async function rowsAfterClose(file: string, table: string): Promise<number | undefined> {
    await store?.close();
    store = undefined;
    expect(existsSync(`${file}-wal`)).toBe(false);
    store = await openStore({ dialect: 'sqlite', target: file });
    const count = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(store.db);
    return count.rows[0]?.n;
  }

  it('happen off the service connection, and every commit still reaches the database file', async () => {
    const file = join(dir, 'soc.db');
    store = await openStore({ dialect: 'sqlite', target: file });
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);

    await sql`create table bulk (n integer primary key, text text not null)`.execute(store.db);
    const threads = workerThreads();
    const before = statSync(file).size;
    // 3,000 commits of 4 KB: three times SQLite's own checkpoint threshold.
    for (let n = 0; n < 3000; n++) await sql`insert into bulk (n, text) values (${n}, ${'x'.repeat(4000)})`.execute(store.db);
    // The pages are copied into the database file by the checkpointer, not left in the WAL.
    await until(() => statSync(file).size >= before + 3000 * 4000, 15_000, 'the checkpointer to copy the WAL');
    expect(workerThreads()).toBe(threads + 1);

    expect(await rowsAfterClose(file, 'bulk')).toBe(3000);
  });

  it('start no thread while the WAL holds less than one checkpoint needs', async () => {
    const threads = workerThreads();
    const file = join(dir, 'soc.db');
    store = await openStore({ dialect: 'sqlite', target: file });
    await sql`create table small (n integer primary key, text text not null)`.execute(store.db);
    for (let n = 0; n < 100; n++) await sql`insert into small (n, text) values (${n}, ${'x'.repeat(100)})`.execute(store.db);
    // Longer than the checkpointer's look at the WAL (500 ms): it would have started by now.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(workerThreads()).toBe(threads);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    // Closing still checkpoints: the commits are in the database file.
    expect(await rowsAfterClose(file, 'small')).toBe(100);
  });

  it('go back to SQLite when the WAL cannot be looked at, and the process keeps running', async () => {
    const file = join(dir, 'unreadable.sqlite');
    store = await openStore({ dialect: 'sqlite', target: file });
    // The -wal path turned into a symlink to itself: looking at it fails with ELOOP, as an EACCES or EIO would.
    rmSync(`${file}-wal`, { force: true });
    symlinkSync(`${file}-wal`, `${file}-wal`);
    const autocheckpoint = async () => (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store!.db)).rows[0]?.wal_autocheckpoint;
    expect(await autocheckpoint()).toBe(0);
    const deadline = Date.now() + 5000;
    while ((await autocheckpoint()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await autocheckpoint()).toBe(1000);
    await store.close();
    store = undefined;
  });

  it('leave an in-memory store as SQLite has it', async () => {
    store = await openStore({ dialect: 'sqlite', target: ':memory:' });
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(1000);
  });
});
