/**
 * A SOC network where Teams is reached only through a forward proxy (HTTP_PROXY): the bot's reminder cards go
 * through it to the fake Bot Connector (standing in for Teams' cloud), and nothing of a post goes direct.
 */
import { BotHarness, TENANT, cardText } from '../support/bot-harness';
import { type ForwardProxy, startForwardProxy } from '../support/forward-proxy';

describe('posts through a forward proxy', () => {
  let proxy: ForwardProxy;
  let h: BotHarness;

  beforeAll(async () => {
    proxy = await startForwardProxy();
    h = await new BotHarness({ env: { HTTP_PROXY: proxy.url } }).start();
    await h.install();
    await h.say('bind monitoring');
  });
  afterAll(async () => {
    await h.stop();
    await proxy.stop();
  });

  it('sends the reminder card to Teams by way of the proxy', async () => {
    proxy.relayed.length = 0;
    const before = h.connector.posts().length;
    await h.app.reminders.runOnDemand(TENANT, 'secure-score-report', 'monitoring', { userId: '29:alex', name: 'Alex Morgan' });
    await h.deliver();
    const card = h.connector.posts().slice(before).find((p) => p.kind === 'create');
    expect(card && cardText(card.activity)).toMatch(/Secure Score/);
    expect(proxy.relayed).toEqual([`POST ${h.connector.url.replace(/\/$/, '')}/v3/conversations`]);
  });
});
