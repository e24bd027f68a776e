/**
 * Delivery against the fake Bot Connector (standing in for Teams' cloud, which enforces Microsoft's published
 * rate limits with 429 + Retry-After): pacing under the limits, 429 honoured, and what each Teams error does.
 */
import { sql } from 'kysely';
import { listBindings } from '../../src/storage/binding.repository';
import { enqueue, listOutbox, requeueDead } from '../../src/storage/outbox.repository';
import { BotHarness, CHANNELS, TEAM_ID, TENANT, cardText } from '../support/bot-harness';
import { FakeBotConnector } from '../support/fake-bot-connector';

/** 50 SOC teams, 4 on-demand activities each: 200 posts into 50 channels of one tenant. */
function burstCatalog(): string {
  const teams = Array.from({ length: 50 }, (_, i) => `  - id: team-${i}\n    name: Team ${i}\n`).join('');
  const activities = Array.from({ length: 4 }, (_, i) => `  - id: drill-${i}\n    title: Drill ${i}\n    description: A drill.\n    teams: all\n`).join('');
  return `teams:\n${teams}activities:\n${activities}`;
}

describe('pacing under Teams limits', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await new BotHarness({ catalogYaml: burstCatalog() }).start();
  });
  afterAll(() => h.stop());

  it('posts a burst of 200 cards to one tenant without a single 429', async () => {
    const actor = { userId: '29:lead', name: 'Lead' };
    for (let i = 0; i < 50; i++) {
      await h.app.bindings.bind(TENANT, `team-${i}`, { teamsTeamId: 'team', channelId: `19:channel-${i}@thread.tacv2`, serviceUrl: h.connector.url, botId: '28:bot' }, actor, { mayMoveFromAnotherTeam: true });
    }
    for (let i = 0; i < 4; i++) await h.app.reminders.runOnDemand(TENANT, `drill-${i}`, undefined, actor);
    const started = Date.now();
    await h.deliver();
    const seconds = (Date.now() - started) / 1000;
    expect(h.connector.posts().filter((p) => p.kind === 'create')).toHaveLength(200);
    expect(h.connector.throttledCount).toBe(0);
    // 200 posts at 50 per second cannot take less than about 3 s (the first second's 50 go at once).
    expect(seconds).toBeGreaterThan(2.9);
    expect(await listOutbox(h.store.db, { status: ['pending', 'sending', 'dead'] })).toEqual([]);
  });
});

describe('Teams errors', () => {
  let h: BotHarness;
  const actor = { userId: '29:alex', name: 'Alex Morgan' };
  beforeAll(async () => {
    h = await new BotHarness({ env: { DELIVERY_MAX_ATTEMPTS: '3' } }).start();
    await h.install();
    await h.say('bind monitoring');
    await h.say('bind secops', { channel: CHANNELS.secops });
  });
  afterAll(() => h.stop());
  beforeEach(() => h.connector.clearFailures());

  const run = (activity = 'secure-score-report', team?: string) => {
    h.clock.advance(1000);
    // A fresh task each time (`run … again`): these tests are about delivery, not about one open run per team.
    return h.app.reminders.runOnDemand(TENANT, activity, team, actor, { again: true });
  };

  it('waits Retry-After on 429, then posts', async () => {
    // The first 429 reaches the worker: no HTTP client resends it behind the pacer's back (botbuilder's did, 3 times).
    h.connector.failNext({ status: 429, code: 'Throttled', retryAfterSeconds: 1, times: 4 });
    await run();
    const sentBefore = h.connector.requests.length;
    await h.deliver();
    expect(h.connector.requests.slice(sentBefore).map((r) => r.status)).toEqual([429]);
    h.connector.clearFailures();
    const [item] = await listOutbox(h.store.db, { status: ['pending'] });
    expect(item.lastError).toMatch(/throttled 429/);
    expect(item.nextAttemptAt - h.clock.now()).toBe(1000);
    expect(h.connector.posts().filter((p) => p.kind === 'create')).toHaveLength(0);
    h.clock.advance(1000);
    await h.deliver();
    expect(h.connector.posts().filter((p) => p.kind === 'create')).toHaveLength(1);
  }, 20_000);

  it('retries 412 with backoff and dead-letters after the last attempt; a retry from the CLI sends it', async () => {
    h.connector.failNext({ status: 412, code: 'PreconditionFailed', times: 3 });
    const before = h.connector.posts().length;
    await run();
    for (let i = 0; i < 3; i++) {
      await h.deliver();
      h.clock.advance(10 * 60_000);
    }
    const dead = await listOutbox(h.store.db, { status: ['dead'] });
    expect(dead).toHaveLength(1);
    expect(dead[0].attempts).toBe(3);
    expect(dead[0].lastError).toMatch(/412 PreconditionFailed/);
    const health = await (await fetch(`http://127.0.0.1:${h.port}/healthz`)).json();
    expect(health.outbox.deadLettered).toBe(1);
    expect(await requeueDead(h.store.db, h.clock.now())).toBe(1);
    await h.deliver();
    expect(h.connector.posts().length).toBe(before + 1);
  });

  it('shrinks the card once on 413 (drops the description) and posts it', async () => {
    h.connector.failNext({ status: 413, code: 'RequestEntityTooLarge', times: 1 });
    await run();
    await h.deliver();
    const post = h.connector.posts().at(-1)!;
    expect(cardText(h.connector.attachmentsOf(post))).not.toMatch(/tracks and reports Secure Score improvements/);
    expect(cardText(h.connector.attachmentsOf(post))).toMatch(/Generate the Secure Score report/);
  });

  it('makes the binding inactive on 403 BotNotInConversationRoster, stops retrying and says so in `teams`', async () => {
    h.connector.failNext({ status: 403, code: 'BotNotInConversationRoster', times: 1 });
    await run('ir-tabletop-exercise', 'secops');
    await h.deliver();
    const dead = await listOutbox(h.store.db, { status: ['dead'] });
    expect(dead.at(-1)!.lastError).toMatch(/403 BotNotInConversationRoster/);
    const secops = (await listBindings(h.store.db, TENANT)).find((b) => b.socTeamId === 'secops')!;
    expect(secops).toMatchObject({ active: false, inactiveReason: 'BotNotInConversationRoster' });
    const teams = await h.say('teams');
    expect(BotHarness.textOf(teams.replies[0])).toMatch(/inactive: BotNotInConversationRoster/);
    // New tasks of that team are recorded but not posted until someone binds again.
    await run('ir-tabletop-exercise', 'secops');
    const pending = (await listOutbox(h.store.db, { status: ['pending'] })).length;
    expect(pending).toBe(0);
    const rebound = await h.say('bind secops', { channel: CHANNELS.secops });
    expect(BotHarness.textOf(rebound.replies[0])).toMatch(/2 open tasks recorded before the binding will be posted here/);
  });

  it('marks the conversation gone on 404 ConversationNotFound', async () => {
    await h.deliver(); // what the re-binding above queued
    h.connector.failNext({ status: 404, code: 'ConversationNotFound', times: 1 });
    await run();
    await h.deliver();
    const monitoring = (await listBindings(h.store.db, TENANT)).find((b) => b.socTeamId === 'monitoring')!;
    expect(monitoring).toMatchObject({ active: false, inactiveReason: 'ConversationNotFound' });
  });
});

describe('a moved service URL', () => {
  it('follows Teams to a new service URL for later posts', async () => {
    const h = await new BotHarness().start();
    const moved = new FakeBotConnector();
    await moved.start();
    moved.setTeam(TEAM_ID, { name: 'Contoso SOC', channels: [{ id: CHANNELS.monitoring.id, name: 'Monitoring' }] });
    try {
      await h.say('bind monitoring');
      // The next activity from the team arrives from Teams' new address.
      await h.post(h.activity({ type: 'message', text: '<at>SOC Reminders</at> help', serviceUrl: moved.url }));
      await h.app.reminders.runOnDemand(TENANT, 'secure-score-report', undefined, { userId: '29:a', name: 'A' });
      await h.deliver();
      expect(moved.posts().filter((p) => p.kind === 'create')).toHaveLength(1);
      expect(h.connector.posts().filter((p) => p.kind === 'create')).toHaveLength(0);
    } finally {
      await moved.stop();
      await h.stop();
    }
  });
});

describe('a lease that runs out while its delivery is still under way', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await new BotHarness({ env: { DELIVERY_LEASE: '1s' } }).start();
    await h.install();
    await h.say('bind monitoring');
    await h.deliver();
  });
  afterAll(() => h.stop());

  it('does not make the same worker send the item again', async () => {
    const before = h.connector.posts().length;
    h.connector.setLatency(1500); // Teams is slow to answer this post
    h.app.worker.start();
    try {
      await h.app.reminders.runOnDemand(TENANT, 'secure-score-report', 'monitoring', { userId: '29:alex', name: 'Alex Morgan' });
      h.app.worker.kick();
      const deadline = Date.now() + 5000;
      while ((await listOutbox(h.store.db, { status: ['sending'] })).length === 0) {
        if (Date.now() > deadline) throw new Error('the post was never claimed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // The lease (1 s on the injected clock) runs out while the post is still waiting for Teams; the worker polls.
      h.clock.advance(2000);
      h.app.worker.kick();
      await h.connector.waitFor(() => h.connector.posts().length > before, 5000);
    } finally {
      await h.app.worker.stop(); // waits for every delivery the worker started
      h.connector.setLatency(0);
    }
    expect(h.connector.posts().length - before).toBe(1);
    expect(await listOutbox(h.store.db, { status: ['pending', 'sending', 'dead'] })).toEqual([]);
  });
});

describe('an outbox row that does not decode', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await new BotHarness().start();
    await h.install();
    await h.say('bind monitoring');
    await h.deliver();
  });
  afterAll(() => h.stop());

  it('is dead-lettered at once with the reason, and the rest of the outbox goes on', async () => {
    const before = h.connector.posts().filter((p) => p.kind === 'create').length;
    const at = h.clock.now();
    // Rows as another version, or a hand-made fix, might leave them: not JSON, a nudge without a reason, a kind
    // this version does not know (written with raw SQL: the table's type admits only known kinds).
    await enqueue(h.store.db, { tenantId: TENANT, conversationKey: 'occ:broken-1', kind: 'reminder.post', occurrenceId: 'broken-1', payload: '{"target":', at });
    await enqueue(h.store.db, { tenantId: TENANT, conversationKey: 'occ:broken-2', kind: 'reminder.nudge', occurrenceId: 'broken-2', payload: '{"reason":"bored"}', at });
    await sql`insert into outbox (tenant_id, conversation_key, kind, payload, status, attempts, next_attempt_at, created_at, updated_at)
      values (${TENANT}, ${'chan:future'}, ${'reminder.shout'}, ${'{}'}, ${'pending'}, ${0}, ${at}, ${at}, ${at})`.execute(h.store.db);
    await h.app.reminders.runOnDemand(TENANT, 'secure-score-report', 'monitoring', { userId: '29:alex', name: 'Alex Morgan' });

    const outcomes = await h.app.worker.drain();
    expect([...outcomes].sort()).toEqual(['dead', 'dead', 'dead', 'sent']);
    expect(h.connector.posts().filter((p) => p.kind === 'create')).toHaveLength(before + 1);
    const dead = await listOutbox(h.store.db, { status: ['dead'] });
    expect(dead.map((d) => [d.kind, d.attempts, d.lastError])).toEqual([
      ['reminder.post', 1, expect.stringMatching(/^permanent: outbox item \d+ does not decode: reminder\.post: payload is not JSON$/)],
      ['reminder.nudge', 1, expect.stringMatching(/does not decode: reminder\.nudge: reason "bored" is not one of snooze-ended, overdue, repeat, escalation$/)],
      ['reminder.shout', 1, expect.stringMatching(/does not decode: unknown outbox kind "reminder\.shout"$/)],
    ]);
  });
});

describe('a process that starts right after another one sent', () => {
  it('waits out Teams\' short windows before its first send, instead of drawing 429s', async () => {
    // The first process fills the tenant's 50-per-second window, then "dies" (stops); the second starts at once on
    // the same database and the same Teams (fake connector), with an empty pacer of its own.
    const first = await new BotHarness({ catalogYaml: burstCatalog() }).start();
    const actor = { userId: '29:lead', name: 'Lead' };
    for (let i = 0; i < 50; i++) {
      await first.app.bindings.bind(TENANT, `team-${i}`, { teamsTeamId: 'team', channelId: `19:channel-${i}@thread.tacv2`, serviceUrl: first.connector.url, botId: '28:bot' }, actor, { mayMoveFromAnotherTeam: true });
    }
    await first.app.reminders.runOnDemand(TENANT, 'drill-0', undefined, actor);
    await first.deliver();
    await first.stopApp();
    const second = await new BotHarness({ catalogYaml: burstCatalog(), dbFile: first.dbFile, connector: first.connector, start: first.clock.now() }).start();
    try {
      await second.app.reminders.runOnDemand(TENANT, 'drill-1', undefined, actor);
      const started = Date.now();
      second.app.worker.start();
      const deadline = Date.now() + 20_000;
      while ((await listOutbox(second.store.db, { status: ['pending', 'sending'] })).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await second.app.worker.stop();
      expect(first.connector.posts().filter((p) => p.kind === 'create')).toHaveLength(100);
      expect(first.connector.throttledCount).toBe(0);
      // It held for the pacer's burst window (2 s with Teams' limits) after the first process's last send.
      expect(Date.now() - started).toBeGreaterThan(1000);
    } finally {
      await second.stopApp();
      await first.connector.stop();
    }
  });
});
