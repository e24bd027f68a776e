'use strict';
/**
 * Card actions: `adaptiveCard/action` invokes (verbs ack and done, alternating, each on a distinct occurrence)
 * sent with autocannon at concurrency 1, 16 and 64 to
 *   - the service as deployed (`node dist/src/index.js`, local mode) on SQLite, and on PostgreSQL, and
 *   - a bare botbuilder + restify bot (bench/baseline/bare-bot.js) that answers with a static card,
 * in the same run, interleaved, each server in its own process (the load generator has the other core).
 *
 * The occurrences are seeded as posted cards in 100 channels of one tenant; the invokes come from the card's own
 * conversation, as Teams sends them. The service runs as in production: its delivery worker sends the card
 * updates each action enqueues to the fake Bot Connector (tenant limit raised, see FAST_DELIVERY).
 *
 * Figures per server and concurrency: requests/s, p50/p99 latency (from autocannon's per-response times, in
 * ms with sub-millisecond resolution), the server's CPU time per request (all its threads, its card updates
 * sent included: the figure that holds when other work shares the machine), answers that were the updated
 * card, and — for ours — the events recorded by those requests, which must equal the successful answers.
 *
 *   node bench/card-actions.js [--quick] [--runs N] [--no-pg] [--pg] [--profile DIR] [--compare-app DIR] [--out DIR] [--no-md]
 */
const autocannon = require('autocannon');
const { performance } = require('node:perf_hooks');
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const c = require('./lib/common');
const { startBaseline, startService } = require('./lib/processes');
const { startPostgres, postgresAvailable } = require('./lib/postgres');
const { seedOccurrences } = require('./lib/seed');

const TENANT = '11111111-2222-3333-4444-555555555555';
const ACTIVITY = 'secure-score-report';
const TEAM = 'monitoring';
const CHANNELS = 100;
const NOW = Date.now();

const occurrenceId = (i) => `bench-occ-${String(i).padStart(7, '0')}`;
const messageId = (i) => String(1_700_000_000_000 + i);
const channelOf = (i) => `19:bench-channel-${i % CHANNELS}@thread.tacv2`;
const conversationOf = (i) => `${channelOf(i)};messageid=${messageId(i)}`;

function seedRow(connectorUrl) {
  return (i) => ({
    id: occurrenceId(i),
    tenant_id: TENANT,
    activity_id: ACTIVITY,
    team_id: TEAM,
    trigger: 'schedule',
    state: 'open',
    scheduled_at: NOW - (i + 1) * 60_000,
    due_at: NOW + 8 * 3_600_000,
    created_at: NOW - (i + 1) * 60_000,
    posted_at: NOW - i * 60_000,
    posted_conversation_id: conversationOf(i),
    posted_activity_id: messageId(i),
    posted_service_url: connectorUrl,
  });
}

function invokeBody(i, verb, connectorUrl, userId) {
  return JSON.stringify({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: `invoke-${userId}-${i}`,
    timestamp: new Date().toISOString(),
    serviceUrl: connectorUrl,
    channelId: 'msteams',
    from: { id: userId, name: 'Bench User', aadObjectId: 'aad-bench-user' },
    recipient: { id: '28:soc-reminders-bot', name: 'SOC Reminders' },
    conversation: { id: conversationOf(i), conversationType: 'channel', isGroup: true, tenantId: TENANT },
    channelData: { tenant: { id: TENANT }, team: { id: '19:bench-team@thread.tacv2', name: 'Bench SOC' }, channel: { id: channelOf(i) } },
    locale: 'en-US',
    replyToId: messageId(i),
    value: { action: { type: 'Action.Execute', verb, data: { occurrenceId: occurrenceId(i) } }, trigger: 'manual' },
  });
}

/**
 * Each action enqueues a card update that the service's worker sends to the connector. Paced at Teams' 50 per
 * second, 5,000 of them would still be sending during the next server's measurement; with the tenant limit raised
 * they are sent within seconds, and `drained` waits for that before the next measurement starts. The sending is
 * real work of ours that the baseline does not do: it overlaps the measured load, as in production.
 */
const FAST_DELIVERY = { TEAMS_LIMIT_PER_TENANT: '100000/1s' };

/** Waits until the service's outbox is empty (its card updates sent); returns how long that took. */
async function drained(server, timeoutMs = 120_000) {
  const started = performance.now();
  await c.until(async () => (await (await fetch(`${server.url}/healthz`)).json()).outbox?.pending === 0, timeoutMs, 'the card updates to be sent', 100);
  return c.round(performance.now() - started, 0);
}

/** One autocannon run of `amount` invokes at `connections`; occurrences are taken from `next`. */
function load(server, { connections, amount, next, connectorUrl, userId }) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const started = performance.now();
    let lastAnswer = started;
    let cards = 0;
    let refused = 0;
    let other = 0;
    const instance = autocannon(
      {
        url: `${server.url}/api/messages`,
        method: 'POST',
        connections,
        amount,
        timeout: 30,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (req) => {
              const i = next();
              return { ...req, body: invokeBody(i, i % 2 === 0 ? 'ack' : 'done', connectorUrl, userId) };
            },
            onResponse: (status, body) => {
              if (status !== 200) return void other++;
              try {
                const answer = JSON.parse(body);
                if (answer.statusCode === 200 && answer.type === 'application/vnd.microsoft.card.adaptive') cards++;
                else refused++;
              } catch {
                other++;
              }
            },
          },
        ],
      },
      (err, result) => {
        if (err) return reject(err);
        // autocannon ends a run on its next 1-second tick: time it from the start to the last answer instead.
        const seconds = (lastAnswer - started) / 1000;
        resolve({
          requests: result.requests.total,
          seconds: c.round(seconds, 3),
          rps: c.round(result.requests.total / seconds, 0),
          p50Ms: c.round(c.percentile(latencies, 50), 2),
          p99Ms: c.round(c.percentile(latencies, 99), 2),
          maxMs: c.round(Math.max(...latencies), 1),
          cards,
          refused,
          errors: other + result.errors + result.timeouts,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastAnswer = performance.now();
    });
  });
}

/** Counts events recorded by one run's user: each successful ack or done appends exactly one. */
function eventCounter(url) {
  if (/^postgres/.test(url)) {
    const { Client } = require('pg');
    const client = new Client({ connectionString: url });
    const connected = client.connect();
    return {
      async count(userId) {
        await connected;
        const r = await client.query('select count(*)::int as n from occurrence_events where actor_user_id = $1', [userId]);
        return r.rows[0].n;
      },
      close: () => client.end(),
    };
  }
  const Database = require('better-sqlite3');
  const db = new Database(url, { readonly: true });
  const stmt = db.prepare('select count(*) as n from occurrence_events where actor_user_id = ?');
  return { count: async (userId) => stmt.get(userId).n, close: async () => db.close() };
}

async function main(opts) {
  const usePg = !opts.extra['no-pg'] && (opts.extra.pg || !opts.quick) && postgresAvailable();
  const levels = opts.quick
    ? [
        { connections: 1, amount: 100 },
        { connections: 16, amount: 300 },
      ]
    : [
        { connections: 1, amount: 1500 },
        { connections: 16, amount: 5000 },
        { connections: 64, amount: 5000 },
      ];
  const warmup = opts.quick ? 100 : 1000;
  const perServer = warmup + opts.runs * levels.reduce((s, l) => s + l.amount, 0);

  const { FakeBotConnector } = c.loadFakeConnector();
  // Throttling off, to match FAST_DELIVERY: this benchmark is about handling card actions, fan-out about limits.
  const connector = new FakeBotConnector({ now: () => Date.now(), unknownActivity: 'accept', throttling: false });
  await connector.start();
  const dir = c.tempDir('cards');
  const servers = [];
  let pg;
  try {
    servers.push({ name: 'baseline (bare botbuilder + restify)', key: 'baseline', proc: await startBaseline(), next: counter() });
    const sqliteUrl = join(dir, 'soc.db');
    const seedSqliteMs = await seedOccurrences(sqliteUrl, { count: perServer, make: seedRow(connector.url), tenants: [TENANT] });
    // --profile DIR: the service writes a CPU profile there when it stops (see bench/profile-summary.js).
    const nodeArgs = opts.extra.profile ? ['--cpu-prof', `--cpu-prof-dir=${opts.extra.profile}`] : [];
    servers.push({ name: 'ours, SQLite', key: 'sqlite', proc: await startService({ DATABASE_URL: sqliteUrl, ...FAST_DELIVERY }, { nodeArgs }), next: counter(), events: eventCounter(sqliteUrl), seedMs: seedSqliteMs });
    if (opts.extra['compare-app']) {
      // --compare-app DIR: another build of the app (e.g. the commit before a change) on SQLite, in the same run.
      const other = require('node:path').resolve(String(opts.extra['compare-app']));
      const otherUrl = join(dir, 'compare.db');
      await seedOccurrences(otherUrl, { count: perServer, make: seedRow(connector.url), tenants: [TENANT] });
      servers.push({ name: `SQLite, ${other}`, key: 'sqlite-compare', proc: await startService({ DATABASE_URL: otherUrl, ...FAST_DELIVERY }, { nodeArgs, appRoot: other }), next: counter(), events: eventCounter(otherUrl) });
    }
    if (usePg) {
      pg = await startPostgres();
      const pgUrl = await pg.createDatabase('soc_cards');
      const seedPgMs = await seedOccurrences(pgUrl, { count: perServer, make: seedRow(connector.url), tenants: [TENANT] });
      servers.push({ name: 'ours, PostgreSQL', key: 'postgres', proc: await startService({ DATABASE_URL: pgUrl, ...FAST_DELIVERY }, { nodeArgs }), next: counter(), events: eventCounter(pgUrl), seedMs: seedPgMs });
    }

    for (const s of servers) {
      s.results = levels.map(() => []);
      await load(s.proc, { connections: 16, amount: warmup, next: s.next, connectorUrl: connector.url, userId: `29:warmup-${s.key}` });
      if (s.events) await drained(s.proc);
    }
    for (let r = 0; r < opts.runs; r++) {
      for (const [li, level] of levels.entries()) {
        for (const s of servers) {
          const userId = `29:bench-${s.key}-c${level.connections}-r${r}`;
          const cpuBefore = c.cpuMsOf(s.proc.pid);
          const result = await load(s.proc, { ...level, next: s.next, connectorUrl: connector.url, userId });
          if (s.events) {
            result.events = await s.events.count(userId);
            result.eventsMatch = result.events === result.cards;
          }
          if (s.events) result.drainMs = await drained(s.proc);
          // The server's CPU time per request, its card updates sent included: unlike req/s, it hardly depends on
          // what else the machine is doing.
          const cpuAfter = c.cpuMsOf(s.proc.pid);
          if (cpuBefore !== null && cpuAfter !== null) result.cpuMsPerRequest = c.round((cpuAfter - cpuBefore) / result.requests, 2);
          s.results[li].push(result);
          c.log(`cards ${s.key} c=${level.connections} run ${r + 1}/${opts.runs}: ${result.rps} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, CPU ${result.cpuMsPerRequest} ms/request, cards ${result.cards}/${result.requests}${s.events ? `, events ${result.events}` : ''}`);
        }
      }
    }
    for (const s of servers) s.rssAfterMB = c.round(s.proc.rss() / c.MB, 1);

    const baseline = servers[0];
    const table = [];
    const summary = servers.map((s) => ({
      server: s.name,
      key: s.key,
      rssAfterLoadMB: s.rssAfterMB,
      seedMs: s.seedMs,
      levels: levels.map((level, li) => {
        const runs = s.results[li];
        const m = c.medianOfRuns(runs);
        const out = {
          connections: level.connections,
          requestsPerRun: level.amount,
          rps: m.rps,
          p50Ms: m.p50Ms,
          p99Ms: m.p99Ms,
          cpuMsPerRequest: m.cpuMsPerRequest,
          cardsAll: runs.every((x) => x.cards === x.requests),
          errors: runs.reduce((n, x) => n + x.errors, 0),
          runs,
        };
        if (s.events) out.eventsEqualAnswers = runs.every((x) => x.eventsMatch);
        if (s !== baseline) {
          const b = c.medianOfRuns(baseline.results[li]);
          out.ratioToBaseline = c.round(m.rps / b.rps, 2);
          // The same comparison by CPU time: the bare bot's CPU per request over ours.
          if (m.cpuMsPerRequest > 0 && b.cpuMsPerRequest > 0) out.cpuRatioToBaseline = c.round(b.cpuMsPerRequest / m.cpuMsPerRequest, 2);
        }
        return out;
      }),
    }));
    for (const s of summary) {
      for (const l of s.levels) {
        table.push([
          s.server,
          l.connections,
          l.rps,
          l.p50Ms,
          l.p99Ms,
          l.cpuMsPerRequest ?? '—',
          l.ratioToBaseline === undefined ? '—' : `${l.ratioToBaseline}${s.key === 'sqlite' ? ` ${c.verdict(l.ratioToBaseline >= 0.7)}` : ''}`,
          l.cardsAll ? 'all' : 'NOT all',
          l.eventsEqualAnswers === undefined ? '—' : l.eventsEqualAnswers ? 'yes' : '**no**',
        ]);
      }
    }
    const file = c.writeResult('card-actions', opts, {
      targets: { ratioSqlite: 0.7, eventsEqualAnswers: true },
      tenant: TENANT,
      verbs: 'ack and done, alternating, each request on a distinct open, posted occurrence',
      servers: summary,
    });
    c.updateResultsMd('card-actions', opts, {
      title: 'Card actions',
      columns: ['server', 'concurrency', 'req/s', 'p50 ms', 'p99 ms', 'CPU ms / request', 'ours ÷ baseline (≥ 0.7 on SQLite)', 'answered with the card', 'events = answers'],
      rows: table,
      notes: [
        'Each action of ours also enqueues a card update, sent by the worker while the load runs (Teams\' tenant limit raised here, throttling off in the connector: fan-out measures the limits); the next measurement starts when they are all sent.',
        `Resident memory after the load: ${summary.map((s) => `${s.server} ${s.rssAfterLoadMB} MB`).join(', ')}.`,
      ],
    });
    return file;
  } finally {
    for (const s of servers) {
      await s.proc.stop();
      await s.events?.close();
    }
    if (pg) await pg.stop();
    await connector.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function counter() {
  let i = 0;
  return () => i++;
}

if (require.main === module) c.runMain(main);
module.exports = { main };
