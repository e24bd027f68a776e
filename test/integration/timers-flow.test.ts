/**
 * Time-driven behaviour over the real HTTP path with a moved clock: snooze ends → nudge in the card's thread;
 * past due → card updated to overdue and a nudge; past escalateAfter → escalation card in SOC Oversight's channel
 * linking the task; the weekly digest to SOC Oversight.
 */
import { BotHarness, CHANNELS, cardText } from '../support/bot-harness';

const HOUR = 3_600_000;

describe('snooze, overdue, escalation and digest', () => {
  let h: BotHarness;
  let occurrenceId: string;
  let thread: { conversationId: string; activityId: string };

  beforeAll(async () => {
    // Monday 2026-03-09 09:30 in Seoul.
    h = await new BotHarness({ start: Date.parse('2026-03-09T00:30:00Z') }).start();
    await h.install();
    await h.say('bind monitoring');
    await h.say('bind soc-oversight', { channel: CHANNELS.oversight });
    await h.say('run secure-score-report');
    await h.deliver();
    const post = h.connector.posts().find((p) => p.kind === 'create')!;
    thread = { conversationId: post.conversationId, activityId: post.activityId };
    occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(post.activity))![1];
    // Start the digest's checkpoint, as the running service does on its first heartbeat.
    await h.app.digest.runDue();
  });
  afterAll(() => h.stop());

  const repliesInThread = () => h.connector.posts().filter((p) => p.conversationId === thread.conversationId && p.kind !== 'create');

  it('brings a snoozed task back as a nudge in its thread when the snooze ends', async () => {
    const snoozed = await h.press('snooze', { occurrenceId, minutes: '60' }, { conversationId: thread.conversationId });
    expect(cardText(snoozed.body.value)).toMatch(/Snoozed\n · \nby Alex Morgan until/);
    await h.deliver();
    h.clock.advance(59 * 60_000);
    await h.app.reminders.processTimers();
    await h.deliver();
    expect(repliesInThread()).toHaveLength(0);
    h.clock.advance(2 * 60_000);
    expect((await h.app.reminders.processTimers()).woke).toBe(1);
    await h.deliver();
    const nudges = repliesInThread();
    expect(nudges).toHaveLength(1);
    expect(cardText(h.connector.attachmentsOf(nudges[0]))).toMatch(/Snooze ended: this task is back/);
  });

  it('marks the task overdue after its due time: card updated, nudge posted, once', async () => {
    // secure-score-report is due 2 days after it started.
    h.clock.advance(2 * 24 * HOUR);
    expect((await h.app.reminders.processTimers()).overdue).toBe(1);
    expect((await h.app.reminders.processTimers()).overdue).toBe(0);
    await h.deliver();
    const shown = h.connector.message(thread.conversationId, thread.activityId)!;
    expect(cardText(shown.attachments)).toMatch(/Overdue\n · \nwas due/);
    expect(cardText(h.connector.attachmentsOf(repliesInThread().at(-1)!))).toMatch(/This task was due .*\. Deal with it now or snooze it\./);
    const overdue = await h.say('overdue');
    expect(BotHarness.textOf(overdue.replies[0])).toMatch(/Generate the Secure Score report/);
  });

  it('escalates to SOC Oversight after escalateAfter, with a link to the task', async () => {
    h.clock.advance(24 * HOUR + 60_000);
    expect((await h.app.reminders.processTimers()).escalated).toBe(1);
    await h.deliver();
    const escalation = h.connector.posts().filter((p) => p.kind === 'create' && p.threadId === CHANNELS.oversight.id);
    expect(escalation).toHaveLength(1);
    const card = h.connector.attachmentsOf(escalation[0])[0];
    expect(cardText(card)).toMatch(/Generate the Secure Score report/);
    expect(cardText(card)).toMatch(/Monitoring/);
    expect(JSON.stringify(card)).toContain(encodeURIComponent(thread.activityId));
    expect(cardText(h.connector.message(thread.conversationId, thread.activityId)!.attachments)).toMatch(/Escalated\n · \nto SOC Oversight at/);
  });

  it('sends the weekly digest to SOC Oversight on Friday 16:00 (catalog time zone), once', async () => {
    // From Thursday 2026-03-12 ~10:31 Seoul to Friday 16:00:30.
    h.clock.set('2026-03-13T07:00:30Z');
    expect(await h.app.digest.runDue()).toBe(1);
    expect(await h.app.digest.runDue()).toBe(0);
    await h.deliver();
    const digests = h.connector.posts().filter((p) => p.kind === 'create' && p.threadId === CHANNELS.oversight.id).slice(1);
    expect(digests).toHaveLength(1);
    const text = cardText(h.connector.attachmentsOf(digests[0]));
    expect(text).toMatch(/Weekly SOC digest/);
    expect(text).toMatch(/Monitoring/);
    expect(text).toMatch(/Fri 6 Mar – Fri 13 Mar/);
    // Not only how many: which task is overdue, by name, linked to its reminder card in Monitoring's channel.
    expect(text).toMatch(/Overdue: \nGenerate the Secure Score report\n · Wed 11 Mar/);
    const links = JSON.stringify(h.connector.attachmentsOf(digests[0])).match(/https:\/\/teams\.microsoft\.com\/l\/message\/[^"]+/g) ?? [];
    expect(links).toHaveLength(1);
    expect(links[0]).toContain(`/${encodeURIComponent(thread.activityId)}?`);
  });
});
