/**
 * A person whose Teams display name, team name, channel name, notes and reasons are Markdown and HTML
 * (`[x](https://evil.example)`, `**bold**`, `<at>x</at>`, an image, `&lt;script&gt;`) uses the bot over the real
 * HTTP path (real app, SQLite, the fake Bot Connector standing in for Teams). Everything the bot sends back —
 * posted reminder cards in each status, card updates, chat replies, lists, the workload, the escalation — shows
 * that text as written: only in TextRuns, never in the Markdown Teams reads in TextBlocks and facts, never as
 * message text. The notes Teams shows after a button press carry it inert.
 */
import { ALEX, BotHarness, CHANNELS, TEAM_ID, TENANT, type Person } from '../support/bot-harness';
import type { RecordedPost } from '../support/fake-bot-connector';
import { HOSTILE_TEXT, MARKUP_SAMPLES, markdownTexts, markupProblems } from '../support/people-text';

const HOUR = 3_600_000;
const MALLORY: Person = { id: '29:mallory', name: HOSTILE_TEXT, aadObjectId: 'aad-mallory', locale: 'en-US' };
const CHANNEL_NAME = `Ops ${HOSTILE_TEXT}`;

/** The one card of a reply, checked: no message text (Teams renders that as Markdown and HTML). */
function cardOf(post: RecordedPost | undefined): unknown {
  expect(post).toBeDefined();
  expect(post!.activity.text ?? '').toBe('');
  const attachments = post!.activity.attachments ?? [];
  expect(attachments).toHaveLength(1);
  return (attachments[0] as { content: unknown }).content;
}

/** An invoke's message answer: none of the markup survives as syntax (a link, an image, a tag, an entity). */
function expectInert(note: unknown): void {
  expect(typeof note).toBe('string');
  expect([note, /\]\(|<[A-Za-z/!]|&[#A-Za-z]/.test(String(note))]).toEqual([note, false]);
  expect(String(note).replace(/\u200B/g, '')).toContain(HOSTILE_TEXT);
}

describe("people's text in everything the bot sends", () => {
  let h: BotHarness;
  let conversationId: string;
  let occurrenceId: string;

  const occurrenceOf = (post: RecordedPost) => /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(post.activity))![1]!;

  beforeAll(async () => {
    h = await new BotHarness({ start: Date.parse('2026-03-09T00:30:00Z') }).start();
    // The SOC's Teams team and its channel, named by someone in the tenant.
    h.connector.setTeam(TEAM_ID, {
      name: HOSTILE_TEXT,
      channels: [{ id: TEAM_ID }, { id: CHANNELS.monitoring.id, name: CHANNEL_NAME }, { id: CHANNELS.secops.id, name: 'SecOps' }, { id: CHANNELS.oversight.id, name: 'SOC Oversight' }],
    });
  });
  afterAll(() => h.stop());

  it('welcomes the team by its name, as written', async () => {
    const before = h.connector.posts().length;
    const res = await h.post(h.activity({ type: 'installationUpdate', action: 'add', channelData: { tenant: { id: TENANT }, team: { id: TEAM_ID, name: HOSTILE_TEXT }, channel: { id: TEAM_ID } } }, { channel: CHANNELS.general }));
    expect(res.status).toBe(200);
    const [welcome] = h.connector.posts().slice(before);
    expect(markupProblems(cardOf(welcome))).toEqual([]);
  });

  it('echoes a channel name, an unknown team and an unknown command as written, in chat replies', async () => {
    const bound = await h.say('bind monitoring', { person: MALLORY });
    expect(BotHarness.textOf(bound.replies[0]!)).toMatch(/now receives the reminders of Monitoring/);
    cardOf(bound.replies[0]);
    // Moving the binding names the channel it came from.
    const moved = await h.say('bind monitoring', { person: MALLORY, channel: CHANNELS.secops });
    expect(markupProblems(cardOf(moved.replies[0]), CHANNEL_NAME)).toEqual([]);
    await h.say('bind monitoring', { person: MALLORY });

    // What Teams delivers after the mention is the person's text; `<at>x</at>` would be taken for a mention.
    const typed = '[x](https://evil.example) **bold** ![i](https://evil.example/p.png)';
    const unknownTeam = await h.say(`bind ${typed}`, { person: MALLORY });
    expect(markupProblems(cardOf(unknownTeam.replies[0]), typed)).toEqual([]);
    const unknownCommand = await h.say(typed, { person: MALLORY });
    expect(markupProblems(cardOf(unknownCommand.replies[0]), typed)).toEqual([]);
    const unknownActivity = await h.say(`run ${typed}`, { person: MALLORY });
    expect(markupProblems(cardOf(unknownActivity.replies[0]), typed)).toEqual([]);
  });

  it('posts the reminder card "Started by" its starter, as written, and keeps it so through acknowledgement', async () => {
    await h.say('bind soc-oversight', { channel: CHANNELS.oversight });
    await h.say('run secure-score-report', { person: MALLORY });
    await h.deliver();
    // The reminder card, not the note that Monitoring's binding moved away and back (issue 13) before it.
    const post = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.monitoring.id && /"occurrenceId"/.test(JSON.stringify(p.activity)))!;
    conversationId = post.conversationId;
    occurrenceId = occurrenceOf(post);
    expect(markupProblems(cardOf(post))).toEqual([]);

    const acked = await h.press('ack', { occurrenceId }, { conversationId, person: MALLORY });
    expect(acked.body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(markupProblems(acked.body.value)).toEqual([]);
    // Someone else pressing it too is told who is on it: the name, inert.
    const again = await h.press('ack', { occurrenceId }, { conversationId, person: ALEX });
    expect(again.body.type).toBe('application/vnd.microsoft.activity.message');
    expectInert(again.body.value);
  });

  it('lists who is on what as written: tasks, teams, workload', async () => {
    const tasks = await h.say('tasks', { person: MALLORY });
    expect(markupProblems(cardOf(tasks.replies[0]))).toEqual([]);
    const teams = await h.say('teams', { person: MALLORY });
    expect(markupProblems(cardOf(teams.replies[0]), CHANNEL_NAME)).toEqual([]);
    const workload = await h.say('workload', { person: MALLORY });
    expect(markupProblems(cardOf(workload.replies[0]))).toEqual([]);
  });

  it('names who is on an overdue task as written in the list; the escalation card carries none of it as Markdown', async () => {
    h.clock.advance(2 * 24 * HOUR);
    await h.app.reminders.processTimers();
    await h.deliver();
    const overdue = await h.say('overdue', { person: ALEX });
    expect(markupProblems(cardOf(overdue.replies[0]))).toEqual([]);
    h.clock.advance(24 * HOUR + 60_000);
    expect((await h.app.reminders.processTimers()).escalated).toBe(1);
    await h.deliver();
    const escalation = h.connector.posts().find((p) => p.kind === 'create' && p.threadId === CHANNELS.oversight.id);
    // Its status sentence says when it escalated, not who was on it.
    const card = cardOf(escalation);
    expect(markdownTexts(card).filter((text) => MARKUP_SAMPLES.some((sample) => text.includes(sample)))).toEqual([]);
  });

  it('shows a Done note and a Skip reason as written, and the notes after a second press carry them inert', async () => {
    const done = await h.press('done', { occurrenceId, note: HOSTILE_TEXT }, { conversationId, person: MALLORY });
    expect(markupProblems(done.body.value)).toEqual([]);
    const doneAgain = await h.press('done', { occurrenceId }, { conversationId, person: ALEX });
    expect(doneAgain.body.type).toBe('application/vnd.microsoft.activity.message');
    expectInert(doneAgain.body.value);

    await h.say('run secure-score-report', { person: MALLORY });
    await h.deliver();
    const second = h.connector.posts().filter((p) => p.kind === 'create' && p.threadId === CHANNELS.monitoring.id).at(-1)!;
    const secondId = occurrenceOf(second);
    const skipped = await h.press('skip', { occurrenceId: secondId, reason: HOSTILE_TEXT }, { conversationId: second.conversationId, person: MALLORY });
    expect(markupProblems(skipped.body.value)).toEqual([]);
    const skipAgain = await h.press('skip', { occurrenceId: secondId, reason: 'again' }, { conversationId: second.conversationId, person: ALEX });
    expectInert(skipAgain.body.value);
    await h.deliver();
  });

  it('never put any of it where Teams reads Markdown: no card, update or reply the connector received', () => {
    const cards = [...h.connector.posts(), ...h.connector.updates()].flatMap((item) => h.connector.attachmentsOf(item));
    expect(cards.length).toBeGreaterThan(15);
    const exposed = cards.flatMap((card) => markdownTexts(card)).filter((text) => MARKUP_SAMPLES.some((sample) => text.includes(sample)));
    expect(exposed).toEqual([]);
    for (const post of h.connector.posts()) expect(post.activity.text ?? '').toBe('');
  });
});
