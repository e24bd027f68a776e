'use strict';
/**
 * Memory of the service process (`node dist/src/index.js`, local mode), resident set size read from /proc:
 *   - idle after start, with the built-in catalog on a fresh SQLite database (target < 120 MB); then the first
 *     card action (an `adaptiveCard/action` on a posted card), which loads what the idle process has not (botbuilder,
 *     the card templating engine): its answer time against the second one's, and the memory after it;
 *   - idle after start with 500 SOC teams bound to 500 channels of one tenant (target < 130 MB), then during
 *     (target: peak < 160 MB) and after a fan-out of 500 reminders (a scheduled activity firing a few seconds after
 *     start) delivered to the fake Bot Connector under Teams' limits.
 *
 * `--compare-app DIR` measures another build (e.g. a worktree of the commit before a change, built) the same way,
 * interleaved in the same run; its figures go to the JSON and the log, not to RESULTS.md.
 *
 *   node bench/memory.js [--quick] [--runs N] [--compare-app DIR] [--out DIR] [--no-md]
 */
const { rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { performance } = require('node:perf_hooks');
const c = require('./lib/common');
const { startService } = require('./lib/processes');
const { seedOccurrences } = require('./lib/seed');

const TENANT = '11111111-2222-3333-4444-555555555555';
const TARGETS = { idleRssMB: 120, boundIdleRssMB: 130, peakRssMB: 160 };

/** Two cards of the built-in catalog posted in one channel, each answered by one card action. */
const CARD_CHANNEL = '19:mem-cards@thread.tacv2';
const cardMessageId = (i) => String(1_700_000_000_000 + i);
const cardOccurrence = (connectorUrl) => (i) => ({
  id: `mem-occ-${i}`,
  tenant_id: TENANT,
  activity_id: 'secure-score-report',
  team_id: 'monitoring',
  trigger: 'schedule',
  state: 'open',
  scheduled_at: Date.now() - (i + 1) * 60_000,
  due_at: Date.now() + 3_600_000,
  created_at: Date.now() - 60_000,
  posted_at: Date.now() - 60_000,
  posted_conversation_id: `${CARD_CHANNEL};messageid=${cardMessageId(i)}`,
  posted_activity_id: cardMessageId(i),
  posted_service_url: connectorUrl,
});

/** Presses "Acknowledge" on card `i`; resolves with the ms until the answer, which must be the updated card. */
async function cardAction(svc, connectorUrl, i) {
  const body = {
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `mem-invoke-${i}`,
    serviceUrl: connectorUrl,
    channelId: 'msteams',
    from: { id: '29:mem-user', name: 'Bench User', aadObjectId: 'aad-mem-user' },
    recipient: { id: '28:soc-reminders-bot', name: 'SOC Reminders' },
    conversation: { id: `${CARD_CHANNEL};messageid=${cardMessageId(i)}`, conversationType: 'channel', isGroup: true, tenantId: TENANT },
    channelData: { tenant: { id: TENANT }, channel: { id: CARD_CHANNEL } },
    replyToId: cardMessageId(i),
    value: { action: { type: 'Action.Execute', verb: 'ack', data: { occurrenceId: `mem-occ-${i}` } }, trigger: 'manual' },
  };
  const started = performance.now();
  const res = await fetch(`${svc.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json().catch(() => ({}));
  const ms = performance.now() - started;
  if (res.status !== 200 || answer.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`card action ${i} was answered ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
  return c.round(ms, 1);
}

async function idleBuiltin(dir, run, settleMs, appRoot) {
  const { FakeBotConnector } = c.loadFakeConnector();
  // The seeded cards were posted before this connector started: it takes their updates as of known messages.
  const connector = new FakeBotConnector({ now: () => Date.now(), unknownActivity: 'accept' });
  await connector.start();
  const db = join(dir, `builtin-${run}-${appRoot === c.APP_ROOT ? 'app' : 'compare'}.db`);
  await seedOccurrences(db, { count: 2, make: cardOccurrence(connector.url), tenants: [TENANT] });
  const svc = await startService({ DATABASE_URL: db }, { appRoot });
  try {
    await c.sleep(settleMs);
    const idleRss = svc.rss();
    const firstCardActionMs = await cardAction(svc, connector.url, 0);
    const secondCardActionMs = await cardAction(svc, connector.url, 1);
    // The two card updates the actions enqueued, sent by the worker (its side of Teams loaded too).
    await c.until(async () => (await (await fetch(`${svc.url}/healthz`)).json()).outbox?.pending === 0, 10_000, 'the card updates to be sent', 50);
    await c.sleep(500);
    return { startupMs: svc.startupMs, idleRssMB: c.round(idleRss / c.MB, 1), firstCardActionMs, secondCardActionMs, afterCardActionsRssMB: c.round(svc.rss() / c.MB, 1) };
  } finally {
    await svc.stop();
    await connector.stop();
  }
}

async function fanOutProcess(dir, run, channels, quick, appRoot, startupMs) {
  const { openStore, parseDatabaseUrl } = c.dist('storage/database');
  const { FakeBotConnector } = c.loadFakeConnector();
  const connector = new FakeBotConnector({ now: () => Date.now() });
  await connector.start();
  const db = join(dir, `fanout-${run}-${appRoot === c.APP_ROOT ? 'app' : 'compare'}.db`);
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
  // Far enough ahead for this build's start on this machine (twice the idle start just measured): a process that
  // is not up before its fire time would miss the fan-out this measures (see the check after the start).
  const fireAt = new Date(Math.ceil((Date.now() + Math.max(quick ? 8000 : 12000, 2 * startupMs + 3000)) / 1000) * 1000);
  const cron = `${fireAt.getUTCSeconds()} ${fireAt.getUTCMinutes()} ${fireAt.getUTCHours()} * * *`;
  const teams = Array.from({ length: channels }, (_, i) => `  - id: c${i}\n    name: Team ${i}\n`).join('');
  const catalogFile = join(dir, `fanout-${run}-${appRoot === c.APP_ROOT ? 'app' : 'compare'}.yaml`);
  writeFileSync(catalogFile, `timezone: UTC\nteams:\n${teams}activities:\n  - id: shift-check\n    title: Shift check\n    description: Check.\n    teams: all\n    schedule: "${cron}"\n`);
  const svc = await startService({ DATABASE_URL: db, SOC_CATALOG_FILE: catalogFile }, { appRoot });
  try {
    if (Date.now() > fireAt.getTime() - 1500) throw new Error(`the service took ${svc.startupMs} ms to start, past the fire time of the fan-out: run again on a quieter machine`);
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
  const builds = [{ key: 'app', root: c.APP_ROOT }];
  if (opts.extra['compare-app']) builds.push({ key: 'compare', root: resolve(String(opts.extra['compare-app'])) });
  try {
    const runs = Object.fromEntries(builds.map((b) => [b.key, { idle: [], fan: [] }]));
    for (let r = 0; r < opts.runs; r++) {
      for (const build of builds) {
        const a = await idleBuiltin(dir, r, opts.quick ? 1500 : 3000, build.root);
        runs[build.key].idle.push(a);
        const b = await fanOutProcess(dir, r, channels, opts.quick, build.root, a.startupMs);
        runs[build.key].fan.push(b);
        c.log(
          `memory run ${r + 1}/${opts.runs}${build.key === 'app' ? '' : ` (${build.root})`}: idle (built-in catalog) ${a.idleRssMB} MB, first card action ${a.firstCardActionMs} ms (second ${a.secondCardActionMs} ms), then ${a.afterCardActionsRssMB} MB; ${channels} channels: idle ${b.idleRssMB} MB, peak ${b.peakRssMB} MB, after fan-out ${b.afterFanOutRssMB} MB, later ${b.laterRssMB} MB`,
        );
      }
    }
    const summary = (key) => ({ idle: { median: c.medianOfRuns(runs[key].idle), runs: runs[key].idle }, fanOut: { median: c.medianOfRuns(runs[key].fan), runs: runs[key].fan } });
    const app = summary('app');
    const result = { targets: TARGETS, ...app };
    if (runs.compare) result.compare = { appRoot: builds[1].root, ...summary('compare') };
    const file = c.writeResult('memory', opts, result);
    const i = app.idle.median;
    const f = app.fanOut.median;
    c.updateResultsMd('memory', opts, {
      title: 'Memory',
      columns: ['figure', 'resident memory', 'target'],
      rows: [
        ['idle after start, built-in catalog, fresh SQLite', `${i.idleRssMB} MB`, `< ${TARGETS.idleRssMB} MB ${c.verdict(i.idleRssMB < TARGETS.idleRssMB)}`],
        ['after the first two card actions (first / second answered in)', `${i.afterCardActionsRssMB} MB (${i.firstCardActionMs} / ${i.secondCardActionMs} ms)`, ''],
        [`idle after start, ${channels} bound channels`, `${f.idleRssMB} MB`, channels === 500 ? `< ${TARGETS.boundIdleRssMB} MB ${c.verdict(f.idleRssMB < TARGETS.boundIdleRssMB)}` : ''],
        [`peak during the fan-out of ${channels} posts`, `${f.peakRssMB} MB`, channels === 500 ? `< ${TARGETS.peakRssMB} MB ${c.verdict(f.peakRssMB < TARGETS.peakRssMB)}` : ''],
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
