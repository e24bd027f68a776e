/**
 * Ready before catch-up: after downtime the process answers at once — liveness, card actions — while it records
 * what was due, and says "not ready" on /readyz until that is done (so an orchestrator routes traffic to a replica
 * that is ready, and a rolling deploy waits). PostgreSQL, because its locks make a slow catch-up deterministic
 * without blocking the process: another session holds the scheduler's checkpoint row, as a long catch-up would.
 * And SQLite, whose driver is synchronous: there a real long catch-up must still let the event loop answer.
 */
import { Client } from 'pg';
import { createApp, type App } from '../../src/app';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';
import { openTempStore, type TempStore } from '../support/engine-fixtures';

const CATALOG = `teams:\n  - id: secops\n    name: SecOps\nactivities:\n  - id: drill\n    title: Drill\n    description: A drill.\n    schedule: "0 * * * *"\n    teams: [secops]\n`;

const PG = DIALECTS.includes('postgres');

if (PG) describe('readiness while catching up (PostgreSQL)', () => {
  let store: TestStore;
  let app: App;
  let blocker: Client;

  beforeAll(async () => {
    store = await openTestStore('postgres');
    // Down for a day: the checkpoint is 24 h old, so the first run has a day of fire times to record.
    await store.db.insertInto('scheduler_state').values({ name: 'scheduler', checkpoint_at: Date.now() - 86_400_000 }).onConflict((oc) => oc.column('name').doUpdateSet({ checkpoint_at: Date.now() - 86_400_000 })).execute();
  });
  afterAll(async () => {
    await app?.stop();
    await blocker?.end().catch(() => undefined);
    await store?.close();
  });

  it('answers /livez at once, /readyz 503 "catching-up" until the catch-up is done, then 200', async () => {
    blocker = new Client({ connectionString: connectionStringOf(store) });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('lock table scheduler_state in access exclusive mode');

    const config = parseConfig({ LOG_LEVEL: 'silent', SOC_TIMEZONE: 'UTC' });
    app = createApp({ config, catalog: parseCatalog(CATALOG, { defaultTimezone: 'UTC' }), store, logger: createLogger('silent') });
    const port = await app.start(0, '127.0.0.1');
    const base = `http://127.0.0.1:${port}`;

    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect((await notReady.json()).checks.scheduler).toMatchObject({ ok: false, state: 'catching-up' });

    await blocker.query('rollback');
    await app.caughtUp();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).checks.scheduler).toMatchObject({ ok: true, state: 'running' });
    // The day that was missed is recorded: one catch-up post's occurrence, the older fire times as one missed run.
    const rows = await store.db.selectFrom('occurrences').select(['state', 'trigger', 'missed_count']).execute();
    expect(rows.filter((r) => r.state === 'open')).toHaveLength(1);
    expect(rows.filter((r) => r.state === 'missed')).toHaveLength(1);
    expect(Number(rows.find((r) => r.state === 'missed')!.missed_count)).toBeGreaterThan(20);
  });
});

/** `count` hourly activities for four teams: a week down is about 670,000 fire times to plan. */
function bigCatalog(count: number): string {
  const teams = ['a', 'b', 'c', 'd'].map((t) => `  - id: team-${t}\n    name: Team ${t}\n`).join('');
  const activities = Array.from({ length: count }, (_, i) => `  - id: task-${i}\n    title: Task ${i}\n    description: Hourly.\n    schedule: "${i % 60} * * * *"\n    teams: all\n`).join('');
  return `teams:\n${teams}activities:\n${activities}`;
}

describe('liveness while catching up (SQLite)', () => {
  let temp: TempStore;
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop();
    await temp.cleanup();
  });

  // better-sqlite3 answers synchronously, so a catch-up that never gave the event loop a turn answered nothing,
  // not even /livez, until it was done (9.7 s after 7 days down with 10,000 schedules).
  it('answers /livez while a week of 1,000 activities × 4 teams is still being caught up', async () => {
    temp = await openTempStore();
    await temp.store.db.insertInto('scheduler_state').values({ name: 'scheduler', checkpoint_at: Date.now() - 7 * 86_400_000 }).execute();
    const config = parseConfig({ LOG_LEVEL: 'silent', SOC_TIMEZONE: 'UTC' });
    app = createApp({ config, catalog: parseCatalog(bigCatalog(1000), { defaultTimezone: 'UTC' }), store: temp.store, logger: createLogger('silent') });
    const port = await app.start(0, '127.0.0.1');

    const live = fetch(`http://127.0.0.1:${port}/livez`).then((r) => `livez ${r.status}`);
    const first = await Promise.race([live, app.caughtUp().then(() => 'caught up')]);

    expect(first).toBe('livez 200');
    await app.caughtUp();
    expect(app.scheduler.hasCaughtUp).toBe(true);
  }, 60_000);
});

if (!PG) {
  it('needs PostgreSQL for the readiness test (CI installs it; here it is missing)', () => {
    expect(process.env.CI).not.toBe('true');
  });
}

function connectionStringOf(store: TestStore): string {
  // The store's location is redacted for logs; the test cluster runs with trust auth, so no password is lost.
  return store.location;
}
