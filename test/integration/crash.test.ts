/**
 * The service as a real process: it serves /healthz with the built-in catalog, and SIGKILL followed by a
 * restart loses no recorded event and creates no duplicate occurrence. This test runs a 2-second schedule
 * on the real clock, so it waits for occurrences to appear in the database (a deadline, not a sleep).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';
import { listEvents } from '../../src/storage/occurrence.repository';
import { startService } from '../support/process';

const FAST_CATALOG = `teams:
  - id: secops
    name: SecOps
activities:
  - id: heartbeat-check
    title: Check the sensor heartbeat
    description: A two-second schedule, for this test only.
    teams: [secops]
    schedule: "*/2 * * * * *"
    dueAfter: 1h
`;

async function waitUntil(what: string, check: () => Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the service process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-crash-'));
    writeFileSync(join(dir, 'fast.yaml'), FAST_CATALOG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts with the embedded store and built-in catalog and serves /healthz; SIGTERM stops it cleanly', async () => {
    const svc = await startService({}, dir);
    try {
      const health = await (await fetch(`http://127.0.0.1:${svc.port}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', mode: 'local', database: { ok: true, dialect: 'sqlite' }, scheduler: { running: true }, catalog: { activities: 8, teams: 4 } });
      expect(health.nextFire.activityId).toEqual(expect.any(String));
      expect(svc.output()).toMatch(/LOCAL MODE/);
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect(await svc.exited).toBe(0);
    expect(svc.output()).toMatch(/"msg":"stopped"/);
  });

  it('loses no event and creates no duplicate when killed with SIGKILL and restarted', async () => {
    const dbFile = join(dir, 'crash.db');
    const env = { DATABASE_URL: dbFile, SOC_CATALOG_FILE: join(dir, 'fast.yaml'), SOC_TIMEZONE: 'UTC' };
    let store: Store | undefined;
    const occurrences = async () => {
      store ??= await openStore(parseDatabaseUrl(dbFile));
      return store.db.selectFrom('occurrences').select(['id', 'scheduled_at', 'state']).orderBy('scheduled_at').execute();
    };
    try {
      const first = await startService(env, dir);
      await waitUntil('two occurrences before the kill', async () => (await occurrences()).length >= 2);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();
      const eventsAtKill = await listEvents(store!.db);
      const occurrencesAtKill = await occurrences();

      const second = await startService(env, dir);
      await waitUntil('more occurrences after the restart', async () => (await occurrences()).length >= occurrencesAtKill.length + 2);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);

      const all = await occurrences();
      const slots = all.map((o) => Number(o.scheduled_at));
      expect(new Set(slots).size).toBe(slots.length);
      // Every 2-second slot from the first to the last is there: nothing was lost while the process was down.
      for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBe(2000);
      const events = await listEvents(store!.db);
      expect(events.slice(0, eventsAtKill.length)).toEqual(eventsAtKill);
      expect(events.filter((e) => e.type === 'created' || e.type === 'missed')).toHaveLength(all.length);
    } finally {
      await store?.close();
    }
  });
});
