/**
 * The reminder card's tools and evidence, from the catalog through the view builder to the rendered card: at most
 * two link buttons (the rest under "More tools"), the Done inputs each field asks for, and — once done — the
 * evidence shown as text, opening only an https link. Every card must parse and validate with the Adaptive Cards
 * SDK at 1.5, the version the templates declare.
 */
import type * as AdaptiveCards from 'adaptivecards';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import type { Occurrence } from '../../src/reminders/occurrence.types';
import { CardViews, MAX_LINK_BUTTONS } from '../../src/teams/card-views.builder';
import { renderReminderCard, type AdaptiveCardJson } from '../../src/teams/cards/card-renderer';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.min.js') as typeof AdaptiveCards;

/**
 * What the object model says of Teams' people picker (Reassign, Hand over), which Teams documents as an extension
 * of Input.ChoiceSet in 1.5 cards: `choices.data` (a Data.Query over graph.microsoft.com/users) with no static
 * choices (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/people-picker). Nothing else.
 */
const PEOPLE_PICKER_EVENTS = [
  'parse: Property "choices.data" is supported in version 1.6, but you are using version 1.5.',
  'validate: An Input.ChoiceSet must have at least one choice defined.',
];

function validationProblems(json: AdaptiveCardJson): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  return problems.filter((p) => !PEOPLE_PICKER_EVENTS.includes(p));
}

type Json = Record<string, unknown>;
function nodes(value: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(value)) {
    for (const v of value) nodes(v, out);
  }
  else if (typeof value === 'object' && value !== null) {
    out.push(value as Json);
    for (const v of Object.values(value)) nodes(v, out);
  }
  return out;
}

const catalog = parseCatalog(
  `
teams:
  - { id: monitoring, name: Monitoring, name_ko: 모니터링 }
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
      - { id: secureScore, type: number, label: Secure Score (%), label_ko: 보안 점수(%), required: true, min: 0, max: 100 }
      - { id: report, type: url, label: Report link, label_ko: 보고서 링크, required: true }
      - { id: summary, type: text, label: Summary, label_ko: 요약 }
`,
  { defaultTimezone: 'Asia/Seoul' },
);
const views = new CardViews(catalog);
const T0 = Date.parse('2026-12-01T01:00:00Z');
const open: Occurrence = {
  id: 'occ-1',
  tenantId: 't',
  activityId: 'secure-score-report',
  teamId: 'monitoring',
  scheduledAt: T0,
  dueAt: T0 + 3_600_000,
  trigger: 'on-demand',
  state: 'open',
  createdAt: T0,
  postedAt: T0,
};
const REPORT = 'https://contoso.sharepoint.com/sites/soc/Shared%20Documents/SecureScore-2026-W49.pdf';
const done: Occurrence = {
  ...open,
  state: 'done',
  closedAt: T0 + 60_000,
  closedBy: { userId: '29:minji', name: 'Minji Kim' },
  closeEvidence: { secureScore: 71.5, report: REPORT, summary: '[click me](https://evil.example) **bold**' },
};

describe.each(['en', 'ko'] as const)('reminder card tools and evidence (%s)', (locale) => {
  it('shows two tool buttons and the rest under More tools, outside the card’s own actions', () => {
    const card = renderReminderCard(views.reminder(open, T0, locale));
    expect(validationProblems(card)).toEqual([]);
    const body = card['body'] as Json[];
    // Two sets: the buttons, then "More tools" on its own row (three buttons in one row were cut at 450 px).
    const actions = body.filter((n) => n['type'] === 'ActionSet').flatMap((set) => set['actions'] as Json[]);
    expect(actions.filter((a) => a['type'] === 'Action.OpenUrl')).toHaveLength(MAX_LINK_BUTTONS);
    // Then the Assign row (the people picker behind it).
    expect(actions.map((a) => a['title'])).toEqual(locale === 'ko' ? ['보안 점수', '보안 권장 사항', '다른 도구', '담당 변경'] : ['Secure Score', 'Recommendations', 'More tools', 'Assign']);
    const more = nodes(actions[2]).filter((n) => n['type'] === 'Action.OpenUrl');
    expect(more.map((n) => n['url'])).toEqual(['https://security.microsoft.com/incidents']);
    // The top-level actions stay the task's own four.
    expect((card['actions'] as Json[]).map((a) => a['type'])).toEqual(['Action.Execute', 'Action.ShowCard', 'Action.ShowCard', 'Action.ShowCard']);
  });

  it('asks on Done for each evidence field with the right input, in catalog order, required ones marked', () => {
    const card = renderReminderCard(views.reminder(open, T0, locale));
    const doneCard = (card['actions'] as Json[])[1]!['card'];
    const inputs = nodes(doneCard).filter((n) => String(n['type']).startsWith('Input.'));
    expect(inputs.map((n) => [n['type'], n['id'], n['isRequired'] ?? false])).toEqual([
      ['Input.Text', 'note', false],
      ['Input.Number', 'evidence_secureScore', true],
      ['Input.Text', 'evidence_report', true],
      ['Input.Text', 'evidence_summary', false],
    ]);
    const report = inputs.find((n) => n['id'] === 'evidence_report')!;
    expect(report['style']).toBe('Url');
    expect(report['label']).toBe(locale === 'ko' ? '보고서 링크 (필수)' : 'Report link (required)');
    expect(report['errorMessage']).toBe(locale === 'ko' ? '보고서 링크을(를) 입력하세요.' : 'Fill in Report link.');
    const score = inputs.find((n) => n['id'] === 'evidence_secureScore')!;
    expect([score['min'], score['max']]).toEqual([0, 100]);
  });

  it('shows recorded evidence once done: the https link opens, everything else is literal text', () => {
    const card = renderReminderCard(views.reminder(done, T0 + 120_000, locale));
    expect(validationProblems(card)).toEqual([]);
    // Long words get zero-width break opportunities (breakLongWords); what a person reads is the same.
    const runs = nodes(card)
      .filter((n) => n['type'] === 'TextRun')
      .map((n): Json => ({ ...n, text: String(n['text']).replaceAll('\u200B', '') }));
    const link = runs.find((n) => n['text'] === REPORT)!;
    expect(link['selectAction']).toEqual({ type: 'Action.OpenUrl', url: REPORT, title: locale === 'ko' ? '보고서 링크' : 'Report link' });
    expect(runs.find((n) => n['text'] === '71.5')!['selectAction']).toBeUndefined();
    const summary = runs.find((n) => n['text'] === '[click me](https://evil.example) **bold**')!;
    expect(summary['selectAction']).toBeUndefined();
    expect(JSON.stringify(card)).not.toContain('"url":"https://evil.example"');
    // No inputs on a closed card.
    expect(nodes(card).filter((n) => String(n['type']).startsWith('Input.'))).toEqual([]);
  });

  it('does not open a stored link that is not https (a row written by another version)', () => {
    const card = renderReminderCard(views.reminder({ ...done, closeEvidence: { report: 'http://intranet/report' } }, T0 + 120_000, locale));
    const run = nodes(card).find((n) => n['type'] === 'TextRun' && n['text'] === 'http://intranet/report')!;
    expect(run['selectAction']).toBeUndefined();
  });
});
