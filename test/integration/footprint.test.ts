/**
 * The service's footprint (issue 17): the built service, as a real process in local mode, has not loaded at idle
 * what only a Teams activity, a post, authenticated mode or a build tool needs (botbuilder with the Bot Connector,
 * MSAL and @azure/identity; the card templating engine; restify's bundled plugins; the app-package validators).
 * Together those were 60 MB of the 167 MB an idle process took on Node 24. A preload script
 * (support/module-loads.preload.js) lists what the process has loaded when it gets SIGUSR2.
 *
 * The first card action then loads them and is answered as before; in authenticated mode the Bot Framework side
 * is loaded at start, so a credential botbuilder or MSAL refuses still stops start-up (adapter.ts).
 *
 * Nor does an idle process run a worker thread: the SQLite checkpointer starts when the WAL first needs a checkpoint.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, parseDatabaseUrl } from '../../src/storage/database';
import { cardText } from '../support/bot-harness';
import { FakeBotConnector } from '../support/fake-bot-connector';
import { ROOT, startService, type ServiceProcess } from '../support/process';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CHANNEL = '19:footprint@thread.tacv2';
const MESSAGE_ID = '1700000000001';
const PRELOAD = join(ROOT, 'test', 'support', 'module-loads.preload.js');

/** Packages an idle service must not have loaded. */
const NOT_AT_IDLE = [
  'botbuilder',
  'botbuilder-core',
  'botframework-connector',
  '@azure/msal-node',
  '@azure/identity',
  'adaptivecards-templating',
  'adaptive-expressions',
  'ajv',
  'ajv-draft-04',
  'ajv-formats',
  '@microsoft/app-manifest',
  'date-holidays',
  // js-yaml reads a good catalog; `yaml` is for the line and column of a bad one's errors.
  'yaml',
];

function packageOf(path: string): string {
  const [first, second] = path.split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
}

function packagesOf(paths: readonly string[]): string[] {
  return [...new Set(paths.map(packageOf))].sort();
}

describe('what the service loads', () => {
  let dir: string;
  let connector: FakeBotConnector;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soc-footprint-'));
    // The seeded card was posted before this connector started: its updates are taken as updates of a known message.
    connector = new FakeBotConnector({ unknownActivity: 'accept' });
    await connector.start();
  });
  afterEach(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    service = undefined;
  });
  afterAll(async () => {
    await connector.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the built service with the preload; resolves once it is ready (its catch-up done). */
  async function start(name: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const started = await startService(
      { DATABASE_URL: join(dir, `${name}.db`), SOC_TIMEZONE: 'UTC', LOG_LEVEL: 'info', NODE_OPTIONS: `--require ${PRELOAD}`, MODULE_LOADS_FILE: join(dir, `${name}.loads`), ...env },
      dir,
    );
    service = started;
    const deadline = Date.now() + 20_000;
    while ((await fetch(`http://127.0.0.1:${started.port}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`not ready:\n${started.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return started;
  }

  /** What the process has loaded from node_modules, as paths under node_modules. */
  async function loaded(name: string, svc: ServiceProcess): Promise<string[]> {
    const file = join(dir, `${name}.loads`);
    rmSync(file, { force: true });
    svc.child.kill('SIGUSR2');
    const deadline = Date.now() + 10_000;
    while (!existsSync(file)) {
      if (Date.now() > deadline) throw new Error(`no module list from the service:\n${svc.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return readFileSync(file, 'utf8').split('\n');
  }

  /** One posted reminder card of the built-in catalog, in CHANNEL, with nothing left in the outbox. */
  async function seedPostedCard(name: string): Promise<string> {
    const store = await openStore(parseDatabaseUrl(join(dir, `${name}.db`)));
    const now = Date.now();
    const id = 'footprint-occ-1';
    try {
      await store.db.insertInto('tenants').values({ tenant_id: TENANT, first_seen_at: now }).execute();
      const nulls = Object.fromEntries(
        ['escalate_at', 'acknowledged_at', 'ack_user_id', 'ack_aad_id', 'ack_name', 'snoozed_until', 'snoozed_by_name', 'overdue_at', 'escalated_at', 'closed_at', 'closed_user_id', 'closed_aad_id', 'closed_name', 'close_note', 'started_by_name', 'moved_from_at', 'moved_reason', 'moved_reason_ko'].map((k) => [k, null]),
      );
      await store.db
        .insertInto('occurrences')
        .values({
          ...(nulls as Record<string, null>),
          id,
          tenant_id: TENANT,
          activity_id: 'secure-score-report',
          team_id: 'monitoring',
          trigger: 'schedule',
          state: 'open',
          scheduled_at: now - 60_000,
          due_at: now + 3_600_000,
          created_at: now - 60_000,
          posted_at: now - 60_000,
          posted_conversation_id: `${CHANNEL};messageid=${MESSAGE_ID}`,
          posted_activity_id: MESSAGE_ID,
          posted_service_url: connector.url,
        } as never)
        .execute();
    } finally {
      await store.close();
    }
    return id;
  }

  it('has not loaded botbuilder, MSAL, the templating engine, restify plugins or the validators at idle in local mode; the first card action loads them and is answered', async () => {
    const occurrenceId = await seedPostedCard('local');
    const svc = await start('local');

    const idle = await loaded('local', svc);
    expect(NOT_AT_IDLE.filter((p) => packagesOf(idle).includes(p))).toEqual([]);
    // The query parser is the one restify plugin the server uses.
    expect(idle.filter((path) => path.startsWith('restify/lib/plugins/'))).toEqual(['restify/lib/plugins/query.js']);
    // What it does need is there: the server, the store, the scheduler.
    expect(idle).toEqual(expect.arrayContaining(['restify/lib/server.js', 'better-sqlite3/lib/index.js', 'kysely/dist/cjs/index.js']));
    // Nor a worker thread (an isolate of its own, 15 MB): the WAL checkpointer starts once the WAL needs one.
    const threads = readdirSync(`/proc/${svc.child.pid}/task`).map((t) => readFileSync(`/proc/${svc.child.pid}/task/${t}/comm`, 'utf8').trim());
    expect(threads).not.toContain('WorkerThread');

    const res = await fetch(`http://127.0.0.1:${svc.port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: 'footprint-invoke-1',
        serviceUrl: connector.url,
        channelId: 'msteams',
        from: { id: '29:alex', name: 'Alex Morgan', aadObjectId: 'aad-alex' },
        recipient: { id: '28:soc-reminders-bot', name: 'SOC Reminders' },
        conversation: { id: `${CHANNEL};messageid=${MESSAGE_ID}`, conversationType: 'channel', isGroup: true, tenantId: TENANT },
        channelData: { tenant: { id: TENANT }, channel: { id: CHANNEL } },
        locale: 'en-US',
        replyToId: MESSAGE_ID,
        value: { action: { type: 'Action.Execute', verb: 'ack', data: { occurrenceId } }, trigger: 'manual' },
      }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { type: string; value: unknown };
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(answer.value)).toMatch(/Alex Morgan is on it since/);
    // The channel's copy of the card is updated too, by the worker.
    await connector.waitFor(() => connector.updates().some((u) => u.activityId === MESSAGE_ID), 10_000);

    const afterAction = packagesOf(await loaded('local', svc));
    // The templating engine stays out: every template is compiled (card-template.ts), the engine is only their reference.
    expect(afterAction).toEqual(expect.arrayContaining(['botbuilder', 'botframework-connector']));
    expect(afterAction).not.toContain('@microsoft/app-manifest');
  });

  it('sends the outbox in local mode without loading botbuilder: a card update goes out through the Bot Connector client alone', async () => {
    const occurrenceId = await seedPostedCard('posting');
    // An update of that card waiting in the outbox, as a card action or a timer leaves one.
    const store = await openStore(parseDatabaseUrl(join(dir, 'posting.db')));
    try {
      const now = Date.now();
      await store.db
        .insertInto('outbox')
        .values({ tenant_id: TENANT, conversation_key: `occ:${occurrenceId}`, kind: 'reminder.update', occurrence_id: occurrenceId, payload: '{}', status: 'pending', attempts: 0, next_attempt_at: now, created_at: now, updated_at: now } as never)
        .execute();
    } finally {
      await store.close();
    }
    const before = connector.updates().length;
    const svc = await start('posting');
    const updated = () => connector.updates().slice(before).filter((u) => u.activityId === MESSAGE_ID);
    await connector.waitFor(() => updated().length > 0, 10_000);
    expect(cardText(connector.attachmentsOf(updated()[0]!))).toMatch(/Generate the Secure Score report/);
    const afterPost = packagesOf(await loaded('posting', svc));
    expect(afterPost.filter((p) => ['botbuilder', 'botbuilder-core', 'botframework-connector', '@azure/msal-node', '@azure/core-client'].includes(p))).toEqual([]);
  });

  it('in authenticated mode builds the Bot Framework side at start (a credential it refuses stops start-up), still without the templating engine', async () => {
    const svc = await start('authenticated', { MicrosoftAppId: '00000000-0000-0000-0000-00000000a11d', MicrosoftAppPassword: 'not-a-real-secret', MicrosoftAppType: 'MultiTenant', HOST: '127.0.0.1' });
    const idle = packagesOf(await loaded('authenticated', svc));
    expect(idle).toEqual(expect.arrayContaining(['botbuilder', 'botframework-connector', '@azure/msal-node']));
    expect(idle).not.toContain('adaptivecards-templating');
    expect(idle).not.toContain('@microsoft/app-manifest');
  });
  it('runs with a young generation of its own, re-executed once under the same pid, unless a preload would run twice', async () => {
    const cmdline = (svc: ServiceProcess) => readFileSync(`/proc/${svc.child.pid}/cmdline`, 'utf8').split('\0');
    const plain = await start('young-generation', { NODE_OPTIONS: '' });
    expect(cmdline(plain)).toContain('--max-semi-space-size=8');
    plain.child.kill('SIGTERM');
    expect(await plain.exited).toBe(0);

    // An APM agent's preload (here one that counts its runs) must run once: the process runs as started.
    const runs = join(dir, 'preload-runs');
    const counter = join(dir, 'count-runs.js');
    writeFileSync(counter, `require('node:fs').appendFileSync(${JSON.stringify(runs)}, process.pid + '\\n');\n`);
    const preloaded = await start('young-generation-preload', { NODE_OPTIONS: `--require ${counter}` });
    expect(cmdline(preloaded)).not.toContain('--max-semi-space-size=8');
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual([String(preloaded.child.pid)]);
  });
});
