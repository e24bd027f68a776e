/**
 * Evidence on Done and links into the tools, end to end: the catalog asks for a ticket link and a Secure Score
 * value; the domain refuses a missing, http:// or non-numeric value and records nothing; a good Done stores the
 * evidence with the event (SQLite and PostgreSQL) and the card shows it as a link. Over real HTTP, Teams' cloud is
 * the fake Bot Connector (test/support/fake-bot-connector.ts).
 */
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { InvalidInput } from '../../src/reminders/errors';
import { ReminderService } from '../../src/reminders/reminder.service';
import { listAuditEvents, listEvents, recordPosted } from '../../src/storage/occurrence.repository';
import { BotHarness, CHANNELS, MINJI, ALEX, cardText } from '../support/bot-harness';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';

const CATALOG = `
teams:
  - id: monitoring
    name: Monitoring
    name_ko: 모니터링
activities:
  - id: secure-score-report
    title: Generate the Secure Score report
    title_ko: 보안 점수 보고서 생성
    description: Track and report Secure Score.
    teams: [monitoring]
    links:
      - { label: Secure Score, label_ko: 보안 점수, url: https://security.microsoft.com/securescore }
      - { label: Recommendations, label_ko: 보안 권장 사항, url: https://security.microsoft.com/security-recommendations }
      - { label: Incident queue, label_ko: 인시던트 큐, url: https://security.microsoft.com/incidents }
    evidence:
      - { id: ticket, type: url, label: Ticket link, label_ko: 티켓 링크, required: true }
      - { id: secureScore, type: number, label: Secure Score, label_ko: 보안 점수, required: true, min: 0, max: 100 }
`;

const TICKET = 'https://contoso.service-now.com/nav_to.do?uri=incident.do?sys_id=SOC-4711';
const T0 = Date.parse('2026-12-01T01:00:00Z');
const here = { isSameConversation: () => true };
const person = { userId: '29:minji', aadObjectId: 'aad-minji', name: 'Minji Kim' };

describe.each(DIALECTS)('evidence on Done (%s)', (dialect) => {
  let store: TestStore;
  let reminders: ReminderService;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    reminders = new ReminderService({ db: store.db, catalog: parseCatalog(CATALOG, { defaultTimezone: 'Asia/Seoul' }), clock: { now: () => T0 } });
  });
  afterAll(() => store?.close());

  async function postedTask(tenantId: string): Promise<string> {
    const [o] = (await reminders.runOnDemand(tenantId, 'secure-score-report', 'monitoring', person)).occurrences;
    await recordPosted(store.db, o!.id, T0, { conversationId: `19:m@thread.tacv2;messageid=${o!.id}`, activityId: o!.id, serviceUrl: 'https://smba.test/' });
    return o!.id;
  }

  async function refusal(tenantId: string, id: string, evidence: Record<string, unknown>): Promise<InvalidInput> {
    const err = await reminders.complete(tenantId, id, person, undefined, here, evidence).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidInput);
    return err as InvalidInput;
  }

  it('refuses a missing required field, an http:// link, text in a number field and a number out of range, recording nothing', async () => {
    const tenantId = `t-refuse-${dialect}`;
    const id = await postedTask(tenantId);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ secureScore: '71' }, 'evidence-required', 'ticket'],
      [{ ticket: '   ', secureScore: '71' }, 'evidence-required', 'ticket'],
      [{ ticket: TICKET }, 'evidence-required', 'secureScore'],
      [{ ticket: 'http://contoso.service-now.com/SOC-4711', secureScore: '71' }, 'evidence-not-https', 'ticket'],
      [{ ticket: 'javascript:alert(1)', secureScore: '71' }, 'evidence-not-https', 'ticket'],
      [{ ticket: 'https://user@evil.example/', secureScore: '71' }, 'evidence-not-url', 'ticket'],
      [{ ticket: TICKET, secureScore: 'seventy-one' }, 'evidence-not-number', 'secureScore'],
      [{ ticket: TICKET, secureScore: '0x47' }, 'evidence-not-number', 'secureScore'],
      [{ ticket: TICKET, secureScore: '101' }, 'evidence-out-of-range', 'secureScore'],
    ];
    for (const [evidence, reason, field] of cases) {
      const err = await refusal(tenantId, id, evidence);
      expect([evidence, err.reason, err.detail.field]).toEqual([evidence, reason, field]);
    }
    const o = await reminders.get(tenantId, id);
    expect([o.state, o.closeEvidence]).toEqual(['open', undefined]);
    expect((await listEvents(store.db, { occurrenceId: id })).map((e) => e.type)).toEqual(['created']);
  });

  it('stores a good Done with its evidence, on the occurrence and with the event, numbers as numbers', async () => {
    const tenantId = `t-good-${dialect}`;
    const id = await postedTask(tenantId);
    const done = await reminders.complete(tenantId, id, person, 'Reviewed with the CISO', here, { ticket: ` ${TICKET} `, secureScore: '71.5', unknownField: 'ignored' });
    expect(done.state).toBe('done');
    expect(done.closeEvidence).toEqual({ ticket: TICKET, secureScore: 71.5 });
    expect((await reminders.get(tenantId, id)).closeEvidence).toEqual({ ticket: TICKET, secureScore: 71.5 });
    const events = await listAuditEvents(store.db);
    const event = events.find((e) => e.occurrenceId === id && e.type === 'done')!;
    expect(event).toMatchObject({ note: 'Reviewed with the CISO', evidence: { ticket: TICKET, secureScore: 71.5 }, occurrence: { activityId: 'secure-score-report', teamId: 'monitoring' } });
  });
});

describe('evidence and tool links on the Teams card', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await new BotHarness({ catalogYaml: CATALOG }).start();
  });
  afterAll(() => h?.stop());

  it('posts the card with two tool buttons, More tools and the Done inputs; refuses bad evidence in Korean; shows good evidence as a link', async () => {
    await h.install();
    await h.say('bind monitoring', { person: ALEX });
    await h.say('run secure-score-report', { person: ALEX });
    const before = h.connector.posts().length;
    await h.deliver();
    const [post] = h.connector.posts().slice(before);
    const card = h.connector.attachmentsOf(post!)[0];
    const json = JSON.stringify(card);
    const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(json)![1]!;

    // The links: two buttons, the third behind "More tools"; none among the card's top-level actions.
    const openUrls = [...json.matchAll(/"type":"Action\.OpenUrl","title":"([^"]+)","url":"([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(openUrls).toEqual([
      ['Secure Score', 'https://security.microsoft.com/securescore'],
      ['Recommendations', 'https://security.microsoft.com/security-recommendations'],
      ['Incident queue', 'https://security.microsoft.com/incidents'],
    ]);
    expect(json).toContain('"title":"More tools"');
    expect(JSON.stringify((card as { actions: unknown[] }).actions)).not.toContain('Action.OpenUrl');
    // The Done inputs: a URL input and a number input with the catalog's bounds, both required.
    expect(json).toMatch(/"type":"Input\.Text","id":"evidence_ticket","label":"Ticket link \(required\)","style":"Url"/);
    expect(json).toMatch(/"type":"Input\.Number","id":"evidence_secureScore","label":"Secure Score \(required\) · 0 to 100","min":0,"max":100,"isRequired":true/);

    const where = { conversationId: post!.conversationId, replyToId: post!.activityId, person: MINJI };
    const missing = await h.press('done', { occurrenceId, evidence_secureScore: '71' }, where);
    expect(missing.body.value).toBe('완료하려면 티켓 링크이(가) 필요합니다. 입력한 뒤 \'완료로 표시\'를 다시 누르세요. 아무것도 기록되지 않았습니다.');
    const http = await h.press('done', { occurrenceId, evidence_ticket: 'http://tickets.contoso.com/1', evidence_secureScore: '71' }, where);
    expect(http.body.value).toMatch(/티켓 링크은\(는\) https:\/\/ 링크여야 합니다/);
    const text = await h.press('done', { occurrenceId, evidence_ticket: TICKET, evidence_secureScore: 'high' }, { ...where, person: ALEX });
    expect(text.body.value).toBe('Secure Score must be a number. Nothing was recorded.');
    expect((await listEvents(h.store.db, { occurrenceId })).map((e) => e.type)).toEqual(['created', 'posted']);

    const done = await h.press('done', { occurrenceId, evidence_ticket: TICKET, evidence_secureScore: '71' }, { ...where, person: ALEX });
    expect(done.body.type).toBe('application/vnd.microsoft.card.adaptive');
    // Long words get zero-width break opportunities on cards (breakLongWords); the link opened is exact.
    const doneJson = JSON.stringify(done.body.value).replaceAll('\u200B', '').replaceAll('\\u200b', '');
    // The link is shown as text (a TextRun) and opens only through its selectAction; never Markdown.
    expect(doneJson).toContain(JSON.stringify({ type: 'TextRun', text: TICKET, selectAction: { type: 'Action.OpenUrl', url: TICKET, title: 'Ticket link' } }));
    expect(doneJson).toContain('{"type":"TextRun","text":"Secure Score: ","isSubtle":true},{"type":"TextRun","text":"71"}');
    expect(cardText(done.body.value)).toMatch(/Evidence/);
    expect(doneJson).not.toContain(`](${TICKET})`);
    const events = await listEvents(h.store.db, { occurrenceId });
    expect(events.map((e) => e.type)).toEqual(['created', 'posted', 'done']);
    // A second press on the done card, without the evidence: told who did it, not asked for a ticket.
    const again = await h.press('done', { occurrenceId }, { ...where, person: ALEX });
    expect(again.body.value).toMatch(/^Already done by Alex Morgan/);
    expect(events[2]!.evidence).toEqual({ ticket: TICKET, secureScore: 71 });
  });

  it('records "posted" once per post: draining again, or a card update, adds none', async () => {
    h.clock.advance(60_000); // an on-demand run's slot is its start time: a new minute, a new task
    await h.say('run secure-score-report', { person: ALEX });
    await h.deliver();
    await h.deliver();
    const post = h.connector.posts().filter((p) => p.kind === 'create' && p.threadId === CHANNELS.monitoring.id).at(-1)!;
    const occurrenceId = /"occurrenceId":"([0-9a-f-]{36})"/.exec(JSON.stringify(h.connector.attachmentsOf(post)[0]))![1]!;
    await h.press('ack', { occurrenceId }, { conversationId: post.conversationId, replyToId: post.activityId, person: ALEX });
    await h.deliver();
    const types = (await listEvents(h.store.db, { occurrenceId })).map((e) => e.type);
    expect(types).toEqual(['created', 'posted', 'acknowledged']);
  });
});
