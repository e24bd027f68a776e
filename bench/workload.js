'use strict';
/**
 * Workload queries at 10 thousand, 100 thousand and 1 million recorded occurrences.
 *
 * Data: 20 tenants × 10 SOC teams; each (tenant, team) holds 1/200 of the rows, spread evenly over the last two
 * years (at 1 million: 5,000 per team, about 7 a day — a busy team with daily and weekly activities). Rows older
 * than two days are closed (85 % done, 7 % skipped, 7.5 % missed) or, 0.5 %, left open and overdue; the last
 * two days are open, some acknowledged. Loaded in bulk (bench/lib/seed.js), then queried through the app:
 *   - `WorkloadService.forTeam(tenant, team)` in-process, cycling over the 200 (tenant, team) pairs
 *     (the four repository queries it makes are also timed one by one);
 *   - on SQLite, GET /api/workload against the service process (`node dist/src/index.js`), one request at a time;
 *   - the query plans (SQLite `EXPLAIN QUERY PLAN`, PostgreSQL `EXPLAIN`) of `listOpenOccurrences`,
 *     `listScheduledBetween`, `listForStats` and `countDoneSince`, captured from the SQL Kysely sends;
 *   - "My tasks" (`listOpenOccurrencesOfPerson`) of the busiest person, Alex, who acknowledged 40 % of every team's
 *     open tasks in each tenant and is one of the five people tasks are assigned to (half the rows have an assignee).
 * Target: p95 of forTeam < 20 ms at 1 million on SQLite.
 *
 *   node bench/workload.js [--quick] [--runs N] [--no-pg] [--pg] [--sizes 10000,100000] [--out DIR] [--no-md]
 */
const { performance } = require('node:perf_hooks');
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const c = require('./lib/common');
const { startService } = require('./lib/processes');
const { startPostgres, postgresAvailable } = require('./lib/postgres');
const { seedOccurrences } = require('./lib/seed');

const DAY = 86_400_000;
const NOW = Date.parse('2026-03-18T03:00:00Z');
const TENANTS = Array.from({ length: 20 }, (_, t) => `00000000-0000-4000-8000-${String(t).padStart(12, '0')}`);
const TEAMS = Array.from({ length: 10 }, (_, i) => `team-${i}`);
/** Whom tasks are assigned to; `aad-alex` also acknowledges. */
const PEOPLE = ['aad-alex', 'aad-minji', 'aad-sam', 'aad-jiwoo', 'aad-yuna'];
const ACTIVITIES = [
  { id: 'daily-tickets', schedule: '0 9 * * 1-5', teams: 'all' },
  { id: 'daily-queue', schedule: '30 8 * * *', teams: 'all' },
  { id: 'weekly-sync', schedule: '0 10 * * 1', teams: 'all' },
  { id: 'weekly-score', schedule: '0 10 * * 1', teams: TEAMS.slice(0, 5) },
  { id: 'monthly-review', schedule: '0 10 1-7 * 1', teams: TEAMS.slice(5) },
  { id: 'tvm-tracking', schedule: '0 9 * * 1-5', teams: TEAMS.slice(0, 3) },
  { id: 'license-review', schedule: '0 10 * * 1', teams: TEAMS.slice(3, 6) },
  { id: 'tabletop', teams: 'all' },
];

function catalogYaml() {
  const teams = TEAMS.map((t) => `  - id: ${t}\n    name: Team ${t}\n`).join('');
  const activities = ACTIVITIES.map(
    (a) =>
      `  - id: ${a.id}\n    title: ${a.id}\n    description: ${a.id}.\n    teams: ${a.teams === 'all' ? 'all' : `[${a.teams.join(', ')}]`}\n` +
      (a.schedule ? `    schedule: "${a.schedule}"\n` : ''),
  );
  return `timezone: Asia/Seoul\nteams:\n${teams}activities:\n${activities.join('')}`;
}

/** Row i of a data set of `count` rows (deterministic, so every dialect gets the same data). */
function rowMaker(count) {
  const pairs = TENANTS.length * TEAMS.length;
  const perPair = Math.ceil(count / pairs);
  const span = 730 * DAY;
  const step = Math.max(60_000, Math.floor(span / perPair));
  return (i) => {
    const pair = i % pairs;
    const j = Math.floor(i / pairs);
    const tenant = TENANTS[Math.floor(pair / TEAMS.length)];
    const team = TEAMS[pair % TEAMS.length];
    const activity = ACTIVITIES[j % ACTIVITIES.length].id;
    const scheduled = NOW - span + j * step + (pair % 60) * 1000;
    const due = scheduled + 8 * 3_600_000;
    const row = {
      id: `w-${i}`,
      tenant_id: tenant,
      activity_id: activity,
      team_id: team,
      scheduled_at: scheduled,
      due_at: due,
      trigger: 'schedule',
      created_at: scheduled,
      posted_at: scheduled + 2000,
      posted_conversation_id: `19:${team}@thread.tacv2;messageid=${scheduled}`,
      posted_activity_id: String(scheduled),
      posted_service_url: 'https://smba.trafficmanager.net/emea/',
    };
    const h = (i * 2654435761) % 1000; // a fixed pseudo-random spread
    if (h % 2 === 0) Object.assign(row, { assignee_aad_id: PEOPLE[h % 5], assignee_name: PEOPLE[h % 5], assigned_at: scheduled });
    if (scheduled > NOW - 2 * DAY) {
      row.state = 'open';
      if (h < 400) Object.assign(row, { acknowledged_at: scheduled + 600_000, ack_user_id: '29:alex', ack_name: 'Alex Morgan', ack_aad_id: 'aad-alex' });
      if (due < NOW) row.overdue_at = due;
    } else if (h < 850) {
      Object.assign(row, { state: 'done', closed_at: scheduled + ((h * 37) % 600) * 60_000, closed_user_id: '29:alex', closed_name: 'Alex Morgan', acknowledged_at: scheduled + 300_000, ack_user_id: '29:alex', ack_name: 'Alex Morgan' });
    } else if (h < 920) {
      Object.assign(row, { state: 'skipped', closed_at: scheduled + 3_600_000, closed_user_id: '29:minji', closed_name: 'Minji Kim', close_note: 'holiday' });
    } else if (h < 995) {
      Object.assign(row, { state: 'missed', closed_at: scheduled + 86_400_000, posted_at: null, posted_conversation_id: null, posted_activity_id: null, posted_service_url: null });
    } else {
      Object.assign(row, { state: 'open', overdue_at: due });
    }
    return row;
  };
}

/** Opens a Kysely instance on the data that records the SQL it sends (for query plans). */
function recordingDb(url) {
  const { Kysely, SqliteDialect, PostgresDialect } = require('kysely');
  const sent = [];
  const log = (event) => {
    if (event.level === 'query') sent.push({ sql: event.query.sql, parameters: [...event.query.parameters] });
  };
  if (/^postgres/.test(url)) {
    const { Pool } = require('pg');
    const pool = new Pool({ connectionString: url, max: 1 });
    const db = new Kysely({ dialect: new PostgresDialect({ pool }), log });
    return {
      db,
      sent,
      explain: async ({ sql, parameters }) => (await pool.query(`explain ${sql}`, parameters)).rows.map((r) => r['QUERY PLAN']),
      close: () => db.destroy(),
    };
  }
  const Database = require('better-sqlite3');
  const sqlite = new Database(url);
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }), log });
  return {
    db,
    sent,
    explain: async ({ sql, parameters }) => sqlite.prepare(`explain query plan ${sql}`).all(parameters).map((r) => r.detail),
    close: () => db.destroy(),
  };
}

/** The repository queries of the workload and of My tasks, as the app sends them, with their plans. */
async function queryPlans(url) {
  const repo = c.dist('storage/occurrence.repository');
  const r = recordingDb(url);
  try {
    const [tenant, team] = [TENANTS[3], TEAMS[4]];
    const calls = {
      listOpenOccurrences: () => repo.listOpenOccurrences(r.db, tenant, { teamId: team }),
      listScheduledBetween: () => repo.listScheduledBetween(r.db, tenant, team, NOW, NOW + 14 * DAY),
      listForStats: () => repo.listForStats(r.db, tenant, team, NOW - 60 * DAY, NOW + 30 * DAY),
      countDoneSince: () => repo.countDoneSince(r.db, tenant, team, NOW - 30 * DAY),
      listOpenOccurrencesOfPerson: () => repo.listOpenOccurrencesOfPerson(r.db, tenant, 'aad-alex'),
    };
    const plans = {};
    for (const [name, call] of Object.entries(calls)) {
      r.sent.length = 0;
      await call();
      // My tasks sends two queries (assigned, acknowledged): each gets its own plan.
      for (const [k, q] of r.sent.entries()) plans[r.sent.length > 1 ? `${name}#${k + 1}` : name] = { sql: q.sql, plan: await r.explain(q) };
    }
    return plans;
  } finally {
    await r.close();
  }
}

async function timeWorkload(url, opts) {
  const { openStore, parseDatabaseUrl } = c.dist('storage/database');
  const { parseCatalog } = c.dist('catalog/catalog.loader');
  const { WorkloadService } = c.dist('reminders/workload');
  const repo = c.dist('storage/occurrence.repository');
  const store = await openStore(parseDatabaseUrl(url));
  try {
    const catalog = parseCatalog(catalogYaml(), { defaultTimezone: 'Asia/Seoul', source: 'bench' });
    const service = new WorkloadService({ db: store.db, catalog, clock: { now: () => NOW } });
    const pairs = TENANTS.flatMap((t) => TEAMS.map((team) => [t, team]));
    const calls = opts.quick ? 60 : 400;
    // Warm-up: JIT, the fire-time cache, the database's page cache.
    for (let i = 0; i < 40; i++) await service.forTeam(...pairs[(i * 7) % pairs.length]);
    const runs = [];
    for (let r = 0; r < opts.runs; r++) {
      const times = [];
      const parts = { listOpenOccurrences: [], listScheduledBetween: [], listForStats: [], countDoneSince: [], listOpenOccurrencesOfPerson: [] };
      let rows = 0;
      for (let i = 0; i < calls; i++) {
        const [tenant, team] = pairs[(i * 13 + r) % pairs.length];
        const t0 = performance.now();
        const w = await service.forTeam(tenant, team);
        times.push(performance.now() - t0);
        rows += w.open.length;
        const time = async (name, fn) => {
          const s = performance.now();
          await fn();
          parts[name].push(performance.now() - s);
        };
        await time('listOpenOccurrences', () => repo.listOpenOccurrences(store.db, tenant, { teamId: team }));
        await time('listScheduledBetween', () => repo.listScheduledBetween(store.db, tenant, team, NOW, NOW + 14 * DAY));
        await time('listForStats', () => repo.listForStats(store.db, tenant, team, NOW - 60 * DAY, NOW + 30 * DAY));
        await time('countDoneSince', () => repo.countDoneSince(store.db, tenant, team, NOW - 30 * DAY));
        await time('listOpenOccurrencesOfPerson', () => repo.listOpenOccurrencesOfPerson(store.db, tenant, 'aad-alex'));
      }
      runs.push({
        p50Ms: c.round(c.percentile(times, 50), 2),
        p95Ms: c.round(c.percentile(times, 95), 2),
        maxMs: c.round(Math.max(...times), 2),
        openPerTeam: c.round(rows / calls, 1),
        ...Object.fromEntries(Object.entries(parts).map(([k, v]) => [`${k}P95Ms`, c.round(c.percentile(v, 95), 2)])),
      });
    }
    return runs;
  } finally {
    await store.close();
  }
}

/** GET /api/workload on the service, one request at a time (SQLite). */
async function timeHttp(url, opts, catalogFile) {
  const svc = await startService({ DATABASE_URL: url, SOC_CATALOG_FILE: catalogFile, SOC_TIMEZONE: 'Asia/Seoul' });
  try {
    const pairs = TENANTS.flatMap((t) => TEAMS.map((team) => [t, team]));
    const n = opts.quick ? 40 : 300;
    for (let i = 0; i < 20; i++) await (await fetch(`${svc.url}/api/workload?team=${pairs[i][1]}&tenant=${pairs[i][0]}`)).text();
    const times = [];
    for (let i = 0; i < n; i++) {
      const [tenant, team] = pairs[(i * 13) % pairs.length];
      const t0 = performance.now();
      const res = await fetch(`${svc.url}/api/workload?team=${team}&tenant=${tenant}`);
      await res.text();
      if (res.status !== 200) throw new Error(`GET /api/workload answered ${res.status}`);
      times.push(performance.now() - t0);
    }
    return { p50Ms: c.round(c.percentile(times, 50), 2), p95Ms: c.round(c.percentile(times, 95), 2), rssMB: c.round(svc.rss() / c.MB, 1) };
  } finally {
    await svc.stop();
  }
}

async function main(opts) {
  const sizes = opts.extra.sizes ? String(opts.extra.sizes).split(',').map(Number) : opts.quick ? [2_000, 20_000] : [10_000, 100_000, 1_000_000];
  const usePg = !opts.extra['no-pg'] && (opts.extra.pg || !opts.quick) && postgresAvailable();
  const dir = c.tempDir('workload');
  const catalogFile = join(dir, 'catalog.yaml');
  require('node:fs').writeFileSync(catalogFile, catalogYaml());
  const results = [];
  let pg;
  try {
    if (usePg) pg = await startPostgres();
    for (const size of sizes) {
      const targets = [{ dialect: 'sqlite', url: join(dir, `w-${size}.db`) }];
      if (pg) targets.push({ dialect: 'postgres', url: await pg.createDatabase(`w_${size}`) });
      for (const t of targets) {
        const loadMs = await seedOccurrences(t.url, { count: size, make: rowMaker(size), tenants: TENANTS });
        const runs = await timeWorkload(t.url, opts);
        const m = c.medianOfRuns(runs);
        const plans = await queryPlans(t.url);
        const http = t.dialect === 'sqlite' ? await timeHttp(t.url, opts, catalogFile) : undefined;
        results.push({ size, dialect: t.dialect, loadMs, loadRowsPerSecond: Math.round(size / (loadMs / 1000)), forTeam: m, http, plans, runs });
        c.log(`workload ${t.dialect} ${size}: loaded in ${loadMs} ms; forTeam p50 ${m.p50Ms} ms, p95 ${m.p95Ms} ms${http ? `; GET /api/workload p50 ${http.p50Ms} ms, p95 ${http.p95Ms} ms` : ''}`);
        if (t.dialect === 'sqlite') rmSync(t.url, { force: true });
      }
    }
  } finally {
    if (pg) await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const largest = Math.max(...sizes);
  const file = c.writeResult('workload', opts, {
    targets: { p95MsAt1MillionSqlite: 20 },
    data: `${TENANTS.length} tenants × ${TEAMS.length} teams, rows spread over 2 years; NOW = ${new Date(NOW).toISOString()}`,
    results,
  });
  const fmt = (n) => (n >= 1e6 ? `${n / 1e6} M` : n >= 1e3 ? `${n / 1e3} k` : String(n));
  c.updateResultsMd('workload', opts, {
    title: 'Workload queries',
    columns: ['occurrences', 'database', 'forTeam p50 ms', 'forTeam p95 ms (< 20 at 1 M SQLite)', 'p95 ms: open / scheduled / stats / done-count', 'My tasks p95 ms', 'GET /api/workload p50 / p95 ms', 'bulk load'],
    rows: results.map((r) => [
      fmt(r.size),
      r.dialect,
      r.forTeam.p50Ms,
      `${r.forTeam.p95Ms}${r.size === largest && r.dialect === 'sqlite' ? ` ${c.verdict(r.forTeam.p95Ms < 20)}` : ''}`,
      `${r.forTeam.listOpenOccurrencesP95Ms} / ${r.forTeam.listScheduledBetweenP95Ms} / ${r.forTeam.listForStatsP95Ms} / ${r.forTeam.countDoneSinceP95Ms}`,
      r.forTeam.listOpenOccurrencesOfPersonP95Ms ?? '—',
      r.http ? `${r.http.p50Ms} / ${r.http.p95Ms}` : '—',
      `${(r.loadMs / 1000).toFixed(1)} s`,
    ]),
    notes: [
      `Query plans at ${fmt(largest)} (SQLite): ${Object.entries(results.find((r) => r.size === largest && r.dialect === 'sqlite')?.plans ?? {})
        .map(([k, v]) => `\`${k}\`: ${v.plan.join('; ')}`)
        .join(' · ')}`,
    ],
  });
  return file;
}

if (require.main === module) c.runMain(main);
module.exports = { main };
