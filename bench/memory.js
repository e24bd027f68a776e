'use strict';
/**
 * Memory of the service process (`node dist/src/index.js`), resident set size read from /proc:
 *   - idle after start, with the built-in catalog on a fresh SQLite database (target < 150 MB);
 *   - idle after start with 500 SOC teams bound to 500 channels of one tenant, then during and after a fan-out of
 *     500 reminders (a scheduled activity firing a few seconds after start) delivered to the fake Bot Connector
 *     under Teams' limits.
 *
 *   node bench/memory.js [--quick] [--runs N] [--out DIR] [--no-md]
 */
const { rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const c = require('./lib/common');
const { startService } = require('./lib/processes');

const TENANT = '11111111-2222-3333-4444-555555555555';

async function idleBuiltin(dir, run, settleMs) {
  const svc = await startService({ DATABASE_URL: join(dir, `builtin-${run}.db`) });
  try {
    await c.sleep(settleMs);
    return { startupMs: svc.startupMs, idleRssMB: c.round(svc.rss() / c.MB, 1) };
  } finally {
    await svc.stop();
  }
}

async function fanOutProcess(dir, run, channels, quick) {
  const { openStore, parseDatabaseUrl } = c.dist('storage/database');
  const { FakeBotConnector } = c.loadFakeConnector();
  const connector = new FakeBotConnector({ now: () => Date.now() });
  await connector.start();
  const db = join(dir, `fanout-${run}.db`);
  const store = await openStore(parseDatabaseUrl(db));
  await store.db.insertInto('tenants').values({ tenant_id: TENANT, first_seen_at: 0 }).execute();
  for (let i = 0; i < channels; i++) {
    await store.db
      .insertInto('bindings')
      .values({ tenant_id: TENANT, soc_team_id: `c${i}`, teams_team_id: '19:team@thread.tacv2', channel_id: `19:mem-c${i}@thread.tacv2`, channel_name: `c${i}`, service_url: connector.url, bot_id: '28:bot', active: 1, inactive_reason: null, bound_at: 0, bound_by_name: 'bench' })
      .execute();
  }
  await store.close();
  // Fires once, a few seconds after the process is up (6-field cron, UTC).
  const fireAt = new Date(Math.ceil((Date.now() + (quick ? 5000 : 8000)) / 1000) * 1000);
  const cron = `${fireAt.getUTCSeconds()} ${fireAt.getUTCMinutes()} ${fireAt.getUTCHours()} * * *`;
  const teams = Array.from({ length: channels }, (_, i) => `  - id: c${i}\n    name: Team ${i}\n`).join('');
  const catalogFile = join(dir, `fanout-${run}.yaml`);
  writeFileSync(catalogFile, `timezone: UTC\nteams:\n${teams}activities:\n  - id: shift-check\n    title: Shift check\n    description: Check.\n    teams: all\n    schedule: "${cron}"\n`);
  const svc = await startService({ DATABASE_URL: db, SOC_CATALOG_FILE: catalogFile });
  try {
    await c.sleep(Math.max(0, fireAt.getTime() - Date.now() - 1500));
    const idleRss = svc.rss();
    let peak = idleRss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, svc.rss() ?? 0);
    }, 100);
    await connector.waitForPosts(channels, 120_000);
    await c.sleep(1000);
    const afterRss = svc.rss();
    await c.sleep(quick ? 1000 : 5000);
    clearInterval(sampler);
    const settledRss = svc.rss();
    return {
      channels,
      posts: connector.posts().length,
      throttled429: connector.throttledCount,
      idleRssMB: c.round(idleRss / c.MB, 1),
      peakRssMB: c.round(peak / c.MB, 1),
      afterFanOutRssMB: c.round(afterRss / c.MB, 1),
      laterRssMB: c.round(settledRss / c.MB, 1),
    };
  } finally {
    await svc.stop();
    await connector.stop();
  }
}

async function main(opts) {
  const channels = opts.quick ? 60 : 500;
  const dir = c.tempDir('memory');
  try {
    const idle = [];
    const fan = [];
    for (let r = 0; r < opts.runs; r++) {
      const a = await idleBuiltin(dir, r, opts.quick ? 1500 : 3000);
      idle.push(a);
      const b = await fanOutProcess(dir, r, channels, opts.quick);
      fan.push(b);
      c.log(`memory run ${r + 1}/${opts.runs}: idle (built-in catalog) ${a.idleRssMB} MB; ${channels} channels: idle ${b.idleRssMB} MB, peak ${b.peakRssMB} MB, after fan-out ${b.afterFanOutRssMB} MB, later ${b.laterRssMB} MB`);
    }
    const i = c.medianOfRuns(idle);
    const f = c.medianOfRuns(fan);
    const file = c.writeResult('memory', opts, { targets: { idleRssMB: 150 }, idle: { median: i, runs: idle }, fanOut: { median: f, runs: fan } });
    c.updateResultsMd('memory', opts, {
      title: 'Memory',
      columns: ['figure', 'resident memory', 'target'],
      rows: [
        ['idle after start, built-in catalog, fresh SQLite', `${i.idleRssMB} MB`, `< 150 MB ${c.verdict(i.idleRssMB < 150)}`],
        [`idle after start, ${channels} bound channels`, `${f.idleRssMB} MB`, ''],
        [`peak during the fan-out of ${channels} posts`, `${f.peakRssMB} MB`, ''],
        ['1 s after the last post / 5 s later (quick: 1 s)', `${f.afterFanOutRssMB} / ${f.laterRssMB} MB`, ''],
      ],
    });
    return file;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) c.runMain(main);
module.exports = { main };
