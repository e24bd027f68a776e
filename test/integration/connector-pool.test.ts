/**
 * One Bot Connector client per service URL (connector-pool.ts): inbound turns and proactive sends to the same
 * Teams host share one client (and its HTTP pipeline) instead of building one per turn, each send still reaches
 * its host, a different host gets its own client, and the pool stays bounded however many hosts are seen.
 */
import type { TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { type BotAdapter, createAdapter, processBotRequest } from '../../src/teams/adapter';
import { LruPromiseCache, PooledBotFrameworkAuthentication } from '../../src/teams/connector-pool';
import { ServiceUrlPolicy } from '../../src/teams/service-url';
import { BOT_ID, CHANNELS, TEAM_ID, TENANT } from '../support/bot-harness';
import { FakeBotConnector } from '../support/fake-bot-connector';

const origin = (url: string) => new URL(url).origin;

describe('connector clients', () => {
  let teams: FakeBotConnector;
  let other: FakeBotConnector;
  let adapter: BotAdapter;
  const logger = createLogger('silent');

  beforeAll(async () => {
    teams = new FakeBotConnector();
    other = new FakeBotConnector();
    await teams.start();
    await other.start();
    adapter = createAdapter(parseConfig({ LOG_LEVEL: 'silent' }), logger, new ServiceUrlPolicy([{ kind: 'origin', origin: origin(teams.url) }, { kind: 'origin', origin: origin(other.url) }], { allowLoopback: false }));
  });
  afterAll(async () => {
    await teams.stop();
    await other.stop();
  });

  const clientOf = (ctx: TurnContext) => ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey);

  async function sendProactive(serviceUrl: string, text: string): Promise<ConnectorClient> {
    let client: ConnectorClient | undefined;
    const reference = { channelId: 'msteams', serviceUrl, conversation: { id: CHANNELS.monitoring.id, isGroup: true, conversationType: 'channel', tenantId: TENANT, name: '' } };
    await adapter.continueConversationAsync('', reference, async (ctx) => {
      client = clientOf(ctx);
      await ctx.sendActivity(text);
    });
    return client!;
  }

  async function inbound(serviceUrl: string, text: string): Promise<ConnectorClient> {
    let client: ConnectorClient | undefined;
    const body = {
      type: 'message',
      id: `act-${text}`,
      channelId: 'msteams',
      serviceUrl,
      text,
      from: { id: '29:alex', name: 'Alex' },
      recipient: { id: BOT_ID, name: 'SOC Reminders' },
      conversation: { id: CHANNELS.monitoring.id, conversationType: 'channel', isGroup: true, tenantId: TENANT },
      channelData: { tenant: { id: TENANT }, team: { id: TEAM_ID } },
    };
    const answer = await processBotRequest(adapter, { body, headers: {} }, async (ctx) => {
      client = clientOf(ctx);
      await ctx.sendActivity(`re: ${text}`);
    }, logger);
    expect(answer.status).toBe(200);
    return client!;
  }

  it('share one client between turns and sends to the same Teams host, and each send arrives', async () => {
    const first = await sendProactive(teams.url, 'one');
    const second = await sendProactive(teams.url, 'two');
    const third = await inbound(teams.url, 'three');
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(teams.posts().map((p) => p.activity.text)).toEqual(['one', 'two', 're: three']);
  });

  it('give another host its own client, which sends there', async () => {
    const here = await sendProactive(teams.url, 'here');
    const there = await sendProactive(other.url, 'there');
    expect(there).not.toBe(here);
    expect(other.posts().map((p) => p.activity.text)).toEqual(['there']);
    expect(teams.posts().map((p) => p.activity.text)).toContain('here');
  });

  it('are kept for a bounded number of hosts, the least recently used dropped first', async () => {
    expect((adapter.cloudAdapter() as unknown as { botFrameworkAuthentication: unknown }).botFrameworkAuthentication).toBeInstanceOf(PooledBotFrameworkAuthentication);
    const made: string[] = [];
    const cache = new LruPromiseCache<string>(2);
    const get = (key: string) =>
      cache.get(key, async () => {
        made.push(key);
        return key;
      });
    await get('a');
    await get('b');
    await get('a'); // a is now the most recently used
    await get('c'); // b goes
    expect(cache.size).toBe(2);
    await get('a');
    await get('b');
    expect(made).toEqual(['a', 'b', 'c', 'b']);
  });
});

describe('the client pool', () => {
  it('drops the least recently used beyond its size, and keeps no failure', async () => {
    const pool = new LruPromiseCache<string>(3);
    let made = 0;
    const make = (v: string) => () => {
      made++;
      return Promise.resolve(v);
    };
    await pool.get('a', make('a'));
    await pool.get('b', make('b'));
    await pool.get('c', make('c'));
    await pool.get('a', make('a again')); // a is now the most recent
    await pool.get('d', make('d')); // b goes
    expect(pool.size).toBe(3);
    expect(await pool.get('a', make('a new'))).toBe('a');
    expect(await pool.get('b', make('b new'))).toBe('b new');
    expect(made).toBe(5);
    for (let i = 0; i < 1000; i++) await pool.get(`https://attacker-${i}.example`, make('x'));
    expect(pool.size).toBe(3);

    await expect(pool.get('bad', () => Promise.reject(new Error('no token')))).rejects.toThrow('no token');
    await new Promise((resolve) => setImmediate(resolve));
    expect(await pool.get('bad', make('good'))).toBe('good');
  });
});
