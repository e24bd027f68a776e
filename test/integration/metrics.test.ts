/** GET /metrics: what an operator's Prometheus sees, and who may read it. */
import { BotHarness } from '../support/bot-harness';

const metricsOf = async (h: BotHarness, headers: Record<string, string> = {}) => {
  const res = await fetch(`http://127.0.0.1:${h.port}/metrics`, { headers });
  return { status: res.status, text: await res.text() };
};

describe('metrics', () => {
  it('counts occurrences, deliveries and card actions (local mode, open)', async () => {
    const h = await new BotHarness().start();
    try {
      await h.install();
      await h.say('bind monitoring');
      await h.say('run secure-score-report');
      await h.deliver();
      const post = h.connector.posts().find((p) => p.kind === 'create')!;
      const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(post.activity))![1];
      await h.press('ack', { occurrenceId }, { conversationId: post.conversationId });
      await h.press('done', { occurrenceId: 'nope' }, { conversationId: post.conversationId });
      const { status, text } = await metricsOf(h);
      expect(status).toBe(200);
      expect(text).toMatch(/soc_occurrences_created_total\{trigger="on-demand"\} 1/);
      expect(text).toMatch(/soc_deliveries_sent_total\{kind="reminder.post"\} 1/);
      expect(text).toMatch(/soc_card_action_duration_seconds_count\{verb="ack",outcome="card"\} 1/);
      expect(text).toMatch(/soc_card_action_duration_seconds_count\{verb="done",outcome="refused"\} 1/);
      expect(text).toMatch(/soc_outbox_depth\{state="pending"\} 1/); // the ack's card update, not yet delivered
    } finally {
      await h.stop();
    }
  });

  it('is not served in authenticated mode without METRICS_TOKEN, and needs the token when set', async () => {
    const auth = { MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', MicrosoftAppPassword: 'x-not-a-real-secret' };
    const closed = await new BotHarness({ env: auth }).start();
    try {
      expect((await metricsOf(closed)).status).toBe(404);
    } finally {
      await closed.stop();
    }
    const token = 'metrics-token-0123456789';
    const guarded = await new BotHarness({ env: { ...auth, METRICS_TOKEN: token } }).start();
    try {
      expect((await metricsOf(guarded)).status).toBe(401);
      expect((await metricsOf(guarded, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
      const ok = await metricsOf(guarded, { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toMatch(/soc_outbox_depth/);
    } finally {
      await guarded.stop();
    }
  });
});
