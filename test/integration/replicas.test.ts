/**
 * Several replicas and crashes, as real processes. Teams' cloud is the fake Bot Connector (it enforces Teams'
 * rate limits). What is guaranteed (README, "Delivery guarantees"): exactly one occurrence per slot; every
 * occurrence posted; a duplicate post only when a process died after Teams accepted a post and before it
 * recorded it, so at most the deliveries it had in flight.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { ReminderService } from '../../src/reminders/reminder.service';
import { upsertBinding } from '../../src/storage/binding.repository';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';
import { outboxDepth } from '../../src/storage/outbox.repository';
import { rememberTenant } from '../../src/storage/scheduler-state.repository';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases';
import { FakeBotConnector, type RecordedPost } from '../support/fake-bot-connector';
import { startService, type ServiceProcess } from '../support/process';

const TENANT = '11111111-2222-3333-4444-555555555555';

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const occurrenceOf = (p: RecordedPost): string | undefined => /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(p.activity.attachments ?? []))?.[1];

/** Posts per occurrence id: the card posts only (not nudges or replies). */
function postsPerOccurrence(connector: FakeBotConnector): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of connector.posts()) {
    if (p.kind !== 'create') continue;
    const id = occurrenceOf(p);
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

async function bindTeams(store: Store, teams: string[], serviceUrl: string): Promise<void> {
  await rememberTenant(store.db, TENANT, Date.now() - 1000);
  for (const team of teams) {
    await upsertBinding(store.db, { tenantId: TENANT, socTeamId: team, teamsTeamId: '19:team@thread.tacv2', channelId: `19:${team}@thread.tacv2`, serviceUrl, botId: '28:bot', boundAt: Date.now() });
  }
}

describe('a crash in the middle of a burst (SQLite, one process)', () => {
  let dir: string;
  let connector: FakeBotConnector;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soc-burst-'));
    connector = new FakeBotConnector();
    await connector.start();
  });
  afterAll(async () => {
    await connector.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts every occurrence after SIGKILL and restart, duplicating at most what was in flight', async () => {
    const teams = Array.from({ length: 50 }, (_, i) => `team-${i}`);
    const yaml = `teams:\n${teams.map((t) => `  - id: ${t}\n    name: ${t}\n`).join('')}activities:\n  - id: drill\n    title: Drill\n    description: A drill.\n    teams: all\n`;
    writeFileSync(join(dir, 'catalog.yaml'), yaml);
    const dbFile = join(dir, 'burst.db');
    const store = await openStore(parseDatabaseUrl(dbFile));
    await bindTeams(store, teams, connector.url);
    const reminders = new ReminderService({ db: store.db, catalog: parseCatalog(yaml, { defaultTimezone: 'UTC' }), clock: { now: () => Date.now() } });
    for (let i = 0; i < 3; i++) {
      // `again`: three tasks per team on purpose (one open run per team is otherwise the rule).
      await reminders.runOnDemand(TENANT, 'drill', undefined, { userId: '29:lead', name: 'Lead' }, { again: true });
      await new Promise((r) => setTimeout(r, 2));
    }
    await store.close();
    const env = { DATABASE_URL: dbFile, SOC_CATALOG_FILE: join(dir, 'catalog.yaml'), DELIVERY_LEASE: '2s' };

    const started = Date.now();
    const first = await startService(env, dir);
    await waitUntil('some posts before the kill', () => connector.posts().length >= 40);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = connector.posts().length;

    const second = await startService(env, dir);
    const check = await openStore(parseDatabaseUrl(dbFile));
    try {
      await waitUntil('the outbox to drain', async () => (await outboxDepth(check.db)).pending === 0);
      const seconds = (Date.now() - started) / 1000;
      const per = postsPerOccurrence(connector);
      expect(per.size).toBe(150);
      const duplicates = [...per.values()].reduce((n, c) => n + (c - 1), 0);
      // eslint-disable-next-line no-console
      console.info(`burst: 150 occurrences, ${connector.posts().length} posts (${atKill} before SIGKILL), ${duplicates} duplicates, ${connector.throttledCount} 429s, ${seconds.toFixed(1)} s`);
      expect(duplicates).toBeLessThanOrEqual(50); // the sends in flight at the kill: the pacer allows 50 per tenant
      expect(connector.throttledCount).toBe(0);
    } finally {
      await check.close();
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 60_000);
});

const PG_AVAILABLE = DIALECTS.includes('postgres');

if (!PG_AVAILABLE) {
  it('needs PostgreSQL for the replica test (CI installs it; here it is missing)', () => {
    expect(process.env.CI).not.toBe('true');
  });
} else {
  describe('three replicas on one PostgreSQL', () => {
    let dir: string;
    let database: TestDatabase;
    let connector: FakeBotConnector;
    const replicas: ServiceProcess[] = [];

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'soc-replicas-'));
      database = await createTestDatabase('postgres');
      connector = new FakeBotConnector();
      await connector.start();
    });
    afterAll(async () => {
      for (const r of replicas) {
        if (r.child.exitCode === null && r.child.signalCode === null) {
          r.child.kill('SIGKILL');
          await r.exited;
        }
      }
      await connector.stop();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('creates every per-second occurrence once, posts each once (duplicates only from the killed one), applies each card update once', async () => {
      const teams = ['secops', 'engineering', 'monitoring'];
      const catalog = (schedule: string) =>
        `teams:\n${teams.map((t) => `  - id: ${t}\n    name: ${t}\n`).join('')}activities:\n  - id: sensor-check\n    title: Check the sensors\n    description: Every second, for this test.\n    teams: all\n${schedule}`;
      writeFileSync(join(dir, 'per-second.yaml'), catalog('    schedule: "* * * * * *"\n'));
      writeFileSync(join(dir, 'on-demand.yaml'), catalog(''));
      const url = database.location.target;
      const store = await openStore(parseDatabaseUrl(url));
      try {
        await bindTeams(store, teams, connector.url);
        const env = { DATABASE_URL: url, SOC_CATALOG_FILE: join(dir, 'per-second.yaml'), SOC_TIMEZONE: 'UTC', DELIVERY_REPLICAS: '3', DELIVERY_LEASE: '3s' };
        for (let i = 0; i < 3; i++) replicas.push(await startService(env, dir));

        await waitUntil('the replicas to post for a while', () => connector.posts().length >= 15);
        replicas[0].child.kill('SIGKILL');
        await replicas[0].exited;
        const atKill = connector.posts().length;
        await waitUntil('the others to go on', () => connector.posts().length >= atKill + 15);

        // People press "I'm on it" on six cards; each invoke may reach either surviving replica.
        const cards = connector.posts().filter((p) => p.kind === 'create').slice(0, 6);
        for (const [i, card] of cards.entries()) {
          const replica = replicas[1 + (i % 2)];
          const res = await fetch(`http://127.0.0.1:${replica.port}/api/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              type: 'invoke',
              name: 'adaptiveCard/action',
              id: `invoke-${i}`,
              channelId: 'msteams',
              serviceUrl: connector.url,
              from: { id: `29:person-${i}`, name: `Person ${i}` },
              recipient: { id: '28:bot' },
              conversation: { id: card.conversationId, conversationType: 'channel', tenantId: TENANT },
              channelData: { tenant: { id: TENANT } },
              value: { action: { type: 'Action.Execute', verb: 'ack', data: { occurrenceId: occurrenceOf(card) } } },
            }),
          });
          expect((await res.json()).type).toBe('application/vnd.microsoft.card.adaptive');
        }

        for (const r of replicas.slice(1)) r.child.kill('SIGTERM');
        expect(await Promise.all(replicas.slice(1).map((r) => r.exited))).toEqual([0, 0]);

        // A last replica without the schedule delivers what is left, including the killed one's claims once
        // their lease has run out.
        const drain = await startService({ ...env, SOC_CATALOG_FILE: join(dir, 'on-demand.yaml') }, dir);
        replicas.push(drain);
        await waitUntil('the outbox to drain', async () => (await outboxDepth(store.db)).pending === 0);
        drain.child.kill('SIGTERM');
        await drain.exited;

        const rows = await store.db.selectFrom('occurrences').select(['id', 'team_id', 'scheduled_at', 'posted_activity_id']).orderBy('scheduled_at').execute();
        // Exactly one occurrence per (team, second), none lost while a replica was down.
        for (const team of teams) {
          const slots = rows.filter((r) => r.team_id === team).map((r) => Number(r.scheduled_at));
          expect(new Set(slots).size).toBe(slots.length);
          for (let i = 1; i < slots.length; i++) expect(slots[i] - slots[i - 1]).toBe(1000);
        }
        expect(rows.every((r) => r.posted_activity_id !== null)).toBe(true);
        const per = postsPerOccurrence(connector);
        expect(per.size).toBe(rows.length);
        const duplicates = [...per.values()].reduce((n, c) => n + (c - 1), 0);
        expect(duplicates).toBeLessThanOrEqual(50); // at most the killed replica's sends in flight (50 per tenant)
        // Each acknowledgement's card update went out once.
        const acked = new Set(cards.map((c) => c.activityId));
        const updates = connector.updates().filter((u) => acked.has(u.activityId));
        expect(updates).toHaveLength(6);
        expect(new Set(updates.map((u) => u.activityId)).size).toBe(6);
        expect(connector.throttledCount).toBe(0);
        // eslint-disable-next-line no-console
        console.info(`replicas: ${rows.length} occurrences, ${connector.posts().length} posts, ${duplicates} duplicates, ${updates.length} updates, ${connector.throttledCount} 429s`);
      } finally {
        await store.close();
      }
    }, 90_000);
  });
}

