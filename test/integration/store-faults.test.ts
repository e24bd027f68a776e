/**
 * Storage faults are loud: when the store cannot keep what it is told, /readyz and /healthz say so (503, with
 * the reason), /livez stays 200 (an orchestrator must not restart the bot over a database outage), a person who
 * presses a card button or sends a command is told that nothing was recorded, nothing is recorded, and the
 * process keeps running.
 *
 * Every fault here is a real one, on real files and servers:
 * - the SQLite file deleted, or replaced by another database (`mv`), while the bot runs;
 * - a file the kernel refuses to write, for root too: `chattr +i` on the write-ahead log. It stands for a
 *   read-only file or mount under a running bot (a read-only remount is refused while the bot holds the files
 *   open for writing, and root ignores permission bits); SQLite answers SQLITE_IOERR_WRITE at COMMIT;
 * - a full disk: the service as a real child process in its own mount namespace (`unshare -m`) on a 4 MB tmpfs
 *   that the test fills (through /proc/<pid>/root); SQLite answers SQLITE_FULL. The same error without a file
 *   system is SQLite's max_page_count, used below to check the store's own answer;
 * - PostgreSQL stopped by its administrator, and started again, on a server of this test's own.
 * Both "cannot rollback" cases (SQLITE_FULL and the I/O error) used to reach the log as "cannot rollback - no
 * transaction is active", which hid SQLite's real error.
 *
 * Needs root with CAP_SYS_ADMIN and CAP_LINUX_IMMUTABLE (chattr, unshare, mount), as the tests run here, a file
 * system with immutable files for the temporary directory (ext4 here), and `npm run build` for the child process.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { createLogger } from '../../src/logger';
import { openStore, parseDatabaseUrl } from '../../src/storage/database';
import { advanceCheckpoint } from '../../src/storage/scheduler-state.repository';
import { RECHECK_MS } from '../../src/storage/sqlite-fault-watch';
import { StoreUnavailable } from '../../src/storage/store-faults';
import type { Database } from '../../src/storage/tables';
import { BOT_ID, BotHarness, CHANNELS, MINJI, TEAM_ID, TENANT } from '../support/bot-harness';
import { DIALECTS, startDedicatedPostgres, type DedicatedPostgres } from '../support/databases';
import { FakeBotConnector } from '../support/fake-bot-connector';
import { startService, type ServiceProcess } from '../support/process';

const NOTHING_RECORDED = /Nothing was recorded: SOC Reminders cannot use its database right now/;

async function get(port: number, path: string): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

/** What a person could have changed: every row of the tables a card action or a command writes. */
async function recorded(db: Kysely<Database>) {
  const [occurrences, events, bindings, outbox] = await Promise.all([
    db.selectFrom('occurrences').selectAll().orderBy('id').execute(),
    db.selectFrom('occurrence_events').selectAll().orderBy('id').execute(),
    db.selectFrom('bindings').selectAll().orderBy('soc_team_id').execute(),
    db.selectFrom('outbox').select(['id', 'kind', 'status', 'attempts']).orderBy('id').execute(),
  ]);
  return { occurrences, events, bindings, outbox };
}

/** A log that the test can read: pino's JSON lines. */
function capturedLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', { write: (line: string) => void lines.push(line) }) };
}

/** install → bind monitoring → run secure-score-report → the card is posted. */
async function postCard(h: BotHarness): Promise<{ occurrenceId: string; conversationId: string; activityId: string }> {
  await h.install();
  expect(BotHarness.textOf((await h.say('bind monitoring')).replies[0])).toMatch(/now receives the reminders of Monitoring/);
  expect(BotHarness.textOf((await h.say('run secure-score-report')).replies[0])).toMatch(/Started/);
  await h.deliver();
  const post = h.connector.posts().at(-1)!;
  const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(h.connector.attachmentsOf(post)))![1];
  return { occurrenceId, conversationId: post.conversationId, activityId: post.activityId };
}

describe.each([
  {
    fault: 'deleted',
    lose: (file: string) => rmSync(file),
    reason: /the database file .*soc\.db was deleted while the bot was running; nothing more is written to it/,
  },
  {
    fault: 'replaced by another database',
    lose: (file: string, other: string) => renameSync(other, file),
    reason: /the database file .*soc\.db was replaced while the bot was running/,
  },
])('the SQLite file $fault while the bot runs', ({ fault, lose, reason }) => {
  let h: BotHarness;
  let dir: string;
  beforeAll(async () => {
    h = await new BotHarness().start();
    dir = mkdtempSync(join(tmpdir(), 'soc-store-lost-'));
  });
  afterAll(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready (503, with the reason), still alive, answers Done and bind with an error, and records nothing', async () => {
    const card = await postCard(h);
    expect((await get(h.port, '/readyz')).status).toBe(200);
    // Another database with the same schema, e.g. a backup restored over the live file.
    const other = join(dir, 'other.db');
    await (await openStore(parseDatabaseUrl(other))).close();
    const before = await recorded(h.store.db);

    lose(h.dbFile, other);

    const ready = await get(h.port, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not-ready', checks: { database: { ok: false, dialect: 'sqlite', state: 'lost', code: 'STORE_LOST' } } });
    expect(ready.body.checks.database.reason).toMatch(reason);
    const health = await get(h.port, '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'degraded', database: { ok: false, state: 'lost' } });
    expect(health.body.database.reason).toMatch(reason);
    expect((await get(h.port, '/livez')).status).toBe(200);

    // Done on the card: an error message, not the updated card.
    const done = await h.press('done', { occurrenceId: card.occurrenceId, note: 'SOC-42' }, { conversationId: card.conversationId, replyToId: card.activityId });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(done.body.value).toMatch(NOTHING_RECORDED);
    // A command: the same.
    const bound = await h.say('bind secops', { channel: CHANNELS.secops });
    expect(bound.status).toBe(200);
    expect(bound.replies).toHaveLength(1);
    expect(BotHarness.textOf(bound.replies[0])).toMatch(NOTHING_RECORDED);
    expect(BotHarness.textOf(bound.replies[0])).not.toMatch(/now receives/);
    // In the person's language.
    const korean = await h.say('연결 secops', { channel: CHANNELS.secops, person: MINJI });
    expect(BotHarness.textOf(korean.replies[0])).toMatch(/아무것도 기록되지 않았습니다/);

    // Nothing recorded in the file the bot still has open (the one it lost)…
    expect(await recorded(h.store.db)).toEqual(before);
    // … nor at the path: no new empty store was created there, and the other database got nothing of ours.
    if (fault === 'deleted') expect(existsSync(h.dbFile)).toBe(false);
    else {
      const replacement = new SqliteDatabase(h.dbFile, { readonly: true });
      try {
        expect(replacement.prepare('select count(*) as n from bindings').get()).toEqual({ n: 0 });
        expect(replacement.prepare('select count(*) as n from occurrences').get()).toEqual({ n: 0 });
      } finally {
        replacement.close();
      }
    }
    // The delivery worker's next round sends nothing: nothing is due in the file it lost, and a claim of anything due
    // would be refused at its BEGIN (an idle round only reads, see claimDue). The process is still there.
    const sent = { posts: h.connector.posts().length, updates: h.connector.updates().length };
    await h.deliver();
    expect({ posts: h.connector.posts().length, updates: h.connector.updates().length }).toEqual(sent);
    expect((await get(h.port, '/livez')).status).toBe(200);
    expect((await get(h.port, '/readyz')).status).toBe(503);
  });
});

describe('the SQLite files lost at the store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-store-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['-wal', /the database's write-ahead log .*-wal was deleted/],
    ['-shm', /the database's shared-memory index .*-shm was deleted/],
  ])('a deleted %s file refuses the next write once the last check is RECHECK_MS old, and stays lost', async (suffix, message) => {
    // The watch's own clock: a check that found the files intact stands for RECHECK_MS (a stat per write cost 4.6 %).
    let elapsed = 0;
    const store = await openStore(parseDatabaseUrl(join(dir, 'soc.db')), { fileCheck: { elapsed: () => elapsed } });
    try {
      await advanceCheckpoint(store.db, 'test', 1000);
      rmSync(join(dir, `soc.db${suffix}`));
      elapsed += RECHECK_MS;
      // A write outside a transaction and a transaction are both refused.
      await expect(advanceCheckpoint(store.db, 'test', 2000)).rejects.toThrow(message);
      await expect(store.db.transaction().execute((trx) => advanceCheckpoint(trx, 'test', 3000))).rejects.toBeInstanceOf(StoreUnavailable);
      expect(await store.health()).toMatchObject({ ok: false, state: 'lost', code: 'STORE_LOST' });
      expect((await store.db.selectFrom('scheduler_state').select('checkpoint_at').execute()).map((r) => Number(r.checkpoint_at))).toEqual([1000]);
    } finally {
      await store.close();
    }
  });

  it('is not lost when another process (the CLI) opens, writes, checkpoints and closes the same database', async () => {
    const file = join(dir, 'soc.db');
    const store = await openStore(parseDatabaseUrl(file));
    try {
      await advanceCheckpoint(store.db, 'test', 1000);
      for (let i = 0; i < 3; i++) {
        const cli = new SqliteDatabase(file);
        cli.pragma('busy_timeout = 1000');
        cli.prepare('update scheduler_state set checkpoint_at = checkpoint_at + 1').run();
        cli.pragma('wal_checkpoint(TRUNCATE)');
        cli.close();
      }
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db);
      await advanceCheckpoint(store.db, 'test', 5000);
      expect(await store.health()).toEqual({ ok: true, state: 'ok' });
    } finally {
      await store.close();
    }
  });

  it("answers a full database with SQLite's own SQLITE_FULL, not \"cannot rollback\", and recovers once a write succeeds", async () => {
    const store = await openStore(parseDatabaseUrl(join(dir, 'soc.db')));
    try {
      // SQLite's own size limit: the same SQLITE_FULL, and the same rollback by SQLite itself, as a full disk.
      const pages = Number((await sql<{ page_count: number }>`pragma page_count`.execute(store.db)).rows[0].page_count);
      await sql.raw(`pragma max_page_count = ${pages + 1}`).execute(store.db);
      const big = 'x'.repeat(64 * 1024);
      const write = store.db.transaction().execute((trx) => trx.insertInto('tenants').values({ tenant_id: big, first_seen_at: 1 }).execute());
      await expect(write).rejects.toMatchObject({ code: 'SQLITE_FULL', message: 'database or disk is full' });
      expect(await store.health()).toMatchObject({ ok: false, state: 'unwritable', code: 'SQLITE_FULL', reason: expect.stringMatching(/SQLITE_FULL: database or disk is full/) });
      await sql.raw('pragma max_page_count = 1073741823').execute(store.db);
      await store.db.transaction().execute((trx) => trx.insertInto('tenants').values({ tenant_id: 'tenant-a', first_seen_at: 1 }).execute());
      expect(await store.health()).toEqual({ ok: true, state: 'ok' });
    } finally {
      await store.close();
    }
  });
});

describe('a database file the kernel refuses to write (chattr +i, for root too)', () => {
  const log = capturedLogger();
  let h: BotHarness;
  let wal: string;
  const chattr = (flag: '+i' | '-i') => execFileSync('chattr', [flag, wal], { stdio: 'pipe' });
  beforeAll(async () => {
    h = await new BotHarness({ logger: log.logger }).start();
    wal = `${h.dbFile}-wal`;
  });
  afterAll(async () => {
    // An immutable file cannot be deleted: undo it whatever happened.
    if (existsSync(wal)) chattr('-i');
    await h.stop();
  });

  it("reports SQLite's own error in health and the log, answers Done with an error, and recovers", async () => {
    const card = await postCard(h);
    const before = await recorded(h.store.db);
    chattr('+i');

    // Before anything is written, the file already does not look writable.
    const early = await get(h.port, '/readyz');
    expect(early.status).toBe(503);
    expect(early.body.checks.database).toMatchObject({ ok: false, state: 'unwritable', code: 'EPERM' });
    expect(early.body.checks.database.reason).toMatch(/write-ahead log .*soc\.db-wal cannot be written \(EPERM\)/);

    const done = await h.press('done', { occurrenceId: card.occurrenceId }, { conversationId: card.conversationId, replyToId: card.activityId });
    expect(done.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
    expect(done.body.value).toMatch(NOTHING_RECORDED);
    expect(await recorded(h.store.db)).toEqual(before);

    const ready = await get(h.port, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toMatchObject({ ok: false, state: 'unwritable', code: 'SQLITE_IOERR_WRITE' });
    expect(ready.body.checks.database.reason).toMatch(/SQLITE_IOERR_WRITE: disk I\/O error/);
    expect((await get(h.port, '/healthz')).status).toBe(503);
    expect((await get(h.port, '/livez')).status).toBe(200);
    const failures = log.lines.filter((l) => /card action failed/.test(l));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/SQLITE_IOERR_WRITE/);
    expect(log.lines.join('\n')).not.toMatch(/cannot rollback/);

    // Writable again: the next Done goes through and the bot is ready again.
    chattr('-i');
    const again = await h.press('done', { occurrenceId: card.occurrenceId }, { conversationId: card.conversationId, replyToId: card.activityId });
    expect(again.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect((await get(h.port, '/readyz')).status).toBe(200);
  });
});

describe('a full disk under the service process (tmpfs in its own mount namespace)', () => {
  let connector: FakeBotConnector;
  let svc: ServiceProcess | undefined;
  let dir: string;
  let seq = 0;
  beforeAll(async () => {
    connector = new FakeBotConnector({ now: () => Date.now() });
    await connector.start();
    connector.setTeam(TEAM_ID, { name: 'Contoso SOC', channels: Object.values(CHANNELS).map((c) => ({ id: c.id, name: c.name })) });
    dir = mkdtempSync(join(tmpdir(), 'soc-store-full-'));
  });
  afterAll(async () => {
    if (svc && svc.child.exitCode === null) {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
    await connector.stop();
    // The tmpfs went away with the service's mount namespace; this is the empty mount point.
    rmSync(dir, { recursive: true, force: true });
  });

  const say = async (port: number, text: string, channel: { id: string }) => {
    const before = connector.posts().length;
    const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: `full-${++seq}`,
        serviceUrl: connector.url,
        channelId: 'msteams',
        from: { id: '29:alex', name: 'Alex Morgan', aadObjectId: 'aad-alex' },
        recipient: { id: BOT_ID, name: 'SOC Reminders' },
        conversation: { id: channel.id, conversationType: 'channel', isGroup: true, tenantId: TENANT },
        channelData: { tenant: { id: TENANT }, team: { id: TEAM_ID, name: 'Contoso SOC' }, channel: { id: channel.id } },
        locale: 'en-US',
        text: `<at>SOC Reminders</at> ${text}`,
        entities: [{ type: 'mention', mentioned: { id: BOT_ID, name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }],
      }),
    });
    expect(res.status).toBe(200);
    // The reply is posted to the connector during the turn, before the HTTP answer.
    return connector.posts().slice(before).map((p) => BotHarness.textOf(p)).join('\n');
  };

  it('answers with SQLITE_FULL in the log and /readyz, records nothing, stays alive, and recovers when space is freed', async () => {
    svc = await startService({ DATABASE_URL: join(dir, 'soc.db'), SOC_TIMEZONE: 'Asia/Seoul' }, undefined, 20_000, [
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs -o size=4m soc-full "$0" && exec "$@"',
      dir,
    ]);
    const port = svc.port;
    expect(await say(port, 'bind monitoring', CHANNELS.monitoring)).toMatch(/now receives the reminders of Monitoring/);
    expect((await get(port, '/readyz')).status).toBe(200);

    // Fill the service's tmpfs, seen through its mount namespace.
    const filler = `/proc/${svc.child.pid}/root${dir}/filler`;
    const fd = openSync(filler, 'w');
    try {
      const chunk = Buffer.alloc(64 * 1024);
      for (let i = 0; i < 1024; i++) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    } finally {
      closeSync(fd);
    }

    const reply = await say(port, 'bind secops', CHANNELS.secops);
    expect(reply).toMatch(NOTHING_RECORDED);
    expect(svc.output()).toMatch(/SQLITE_FULL/);
    expect(svc.output()).not.toMatch(/cannot rollback/);
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).toMatchObject({ ok: false, state: 'unwritable', code: 'SQLITE_FULL' });
    expect((await get(port, '/livez')).status).toBe(200);
    expect((await get(port, '/healthz')).status).toBe(503);
    // Nothing recorded: read by another process in the service's mount namespace, as the CLI would. (SQLite
    // resolves the /proc/<pid>/root link to "/", so the reader has to be inside.)
    const read = [
      `const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(join(dir, 'soc.db'))}, { readonly: true });`,
      "process.stdout.write(JSON.stringify(db.prepare('select soc_team_id from bindings order by soc_team_id').all()));",
    ].join('\n');
    const rows = execFileSync('nsenter', ['-t', String(svc.child.pid), '-m', process.execPath, '-e', read], { encoding: 'utf8', timeout: 10_000 });
    expect(JSON.parse(rows)).toEqual([{ soc_team_id: 'monitoring' }]);

    rmSync(filler);
    expect(await say(port, 'bind secops', CHANNELS.secops)).toMatch(/now receives the reminders of SecOps/);
    expect((await get(port, '/readyz')).status).toBe(200);
    expect(svc.child.exitCode).toBeNull();
  });
});

/** PostgreSQL-only; the dialect list was chosen when the support module loaded. */
if (DIALECTS.includes('postgres')) {
  describe('PostgreSQL stopped and started again', () => {
    let pg: DedicatedPostgres;
    let h: BotHarness;
    beforeAll(async () => {
      pg = await startDedicatedPostgres();
      h = await new BotHarness({ databaseUrl: pg.url }).start();
    });
    afterAll(async () => {
      await h.stop();
      await pg.dispose();
    });

    it('is not ready while the server is down (alive all along, bind refused), and ready again when it is back', async () => {
      await h.install();
      expect(BotHarness.textOf((await h.say('bind monitoring')).replies[0])).toMatch(/now receives/);
      expect((await get(h.port, '/readyz')).status).toBe(200);

      await pg.stop();
      const ready = await get(h.port, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).toMatchObject({ ok: false, dialect: 'postgres', state: 'unreachable', code: 'ECONNREFUSED' });
      expect(ready.body.checks.database.reason).toMatch(/^PostgreSQL cannot be reached: /);
      const health = await get(h.port, '/healthz');
      expect(health.status).toBe(503);
      // No connection string in any answer.
      for (const text of [ready.text, health.text]) expect(text).not.toMatch(/postgres(ql)?:\/\//);
      expect((await get(h.port, '/livez')).status).toBe(200);
      const refused = await h.say('bind secops', { channel: CHANNELS.secops });
      expect(BotHarness.textOf(refused.replies[0])).toMatch(NOTHING_RECORDED);

      await pg.start();
      // The pool opens a new connection on the next use; no waiting for a reconnect timer.
      expect((await get(h.port, '/readyz')).status).toBe(200);
      expect(BotHarness.textOf((await h.say('bind secops', { channel: CHANNELS.secops })).replies[0])).toMatch(/now receives the reminders of SecOps/);
      const bindings = await h.store.db.selectFrom('bindings').select('soc_team_id').orderBy('soc_team_id').execute();
      expect(bindings.map((b) => b.soc_team_id)).toEqual(['monitoring', 'secops']);
    });
  });
}

