/**
 * The compiled templates (card-template.ts) against the templating engine they replace: every template in cards/
 * compiles, and every card the bot sends — each reminder state, every other card, English and Korean, people's
 * text, evidence, large counts, missing fields — comes out exactly as adaptivecards-templating expands it. A change
 * to a template that the compiler reads differently fails here, not in a channel.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'adaptivecards-templating';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import type { Occurrence } from '../../src/reminders/occurrence.types';
import { CardViews } from '../../src/teams/card-views.builder';
import { compileTemplate, UnsupportedTemplate } from '../../src/teams/cards/card-template';
import {
  CardTemplateError,
  cardRenderers,
  expandCompiled,
  expandWithEngine,
  isCompiledTemplate,
  renderDigestCard,
  renderNudgeCard,
  renderReminderCard,
  renderWorkloadCard,
  type TemplateName,
} from '../../src/teams/cards/card-renderer';
import type { DigestCardView, Locale, NudgeCardView, WorkloadCardView } from '../../src/teams/cards/card-views';
import { buildCardCases, type CardCase } from '../../src/tools/card-render/card-fixtures';
import { packageRoot } from '../../src/package-root';

const engine = cardRenderers(expandWithEngine);
const compiled = cardRenderers(expandCompiled);

function renderWith(renderers: ReturnType<typeof cardRenderers>, c: CardCase) {
  switch (c.kind) {
    case 'reminder':
      return renderers.reminder(c.view);
    case 'nudge':
      return renderers.nudge(c.view);
    case 'escalation':
      return renderers.escalation(c.view);
    case 'workload':
      return renderers.workload(c.view);
    case 'task-list':
      return renderers.taskList(c.view);
    case 'teams-list':
      return renderers.teamsList(c.view);
    case 'digest':
      return renderers.digest(c.view);
    case 'message':
      return renderers.message(c.view);
  }
}

describe('compiled card templates', () => {
  const names = readdirSync(join(packageRoot(), 'cards')).filter((f) => f.endsWith('.json')) as TemplateName[];

  it('cover every template in cards/ (none left to the slower engine)', () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) expect({ name, compiled: isCompiledTemplate(name) }).toEqual({ name, compiled: true });
  });

  // Each reminder status in both languages and three themes, and every other card in both languages.
  const cases = buildCardCases();
  it.each(cases.map((c) => [c.id, c] as const))('render %s exactly as adaptivecards-templating does', (_id, c) => {
    const card = renderWith(compiled, c);
    expect(card).toEqual(renderWith(engine, c));
    // The service's renderer is the compiled one.
    expect(c.card).toEqual(card);
  });

  const catalog = parseCatalog(
    `
teams:
  - { id: monitoring, name: Monitoring, name_ko: 모니터링 }
activities:
  - id: secure-score-report
    title: Generate the Secure Score report
    title_ko: 보안 점수 보고서 생성
    description: Track and report Secure Score.
    description_ko: 보안 점수를 추적하고 보고합니다.
    teams: [monitoring]
    links:
      - { label: Secure Score, label_ko: 보안 점수, url: https://security.microsoft.com/securescore }
      - { label: Recommendations, label_ko: 보안 권장 사항, url: https://security.microsoft.com/security-recommendations }
      - { label: Incident queue, label_ko: 인시던트 큐, url: https://security.microsoft.com/incidents }
    evidence:
      - { id: secureScore, type: number, label: Secure Score (%), label_ko: 보안 점수(%), required: true, min: 0, max: 100 }
      - { id: lowest, type: number, label: Lowest control, label_ko: 최저 항목, min: 0 }
      - { id: count, type: number, label: Findings, label_ko: 발견 수 }
      - { id: report, type: url, label: Report link, label_ko: 보고서 링크, required: true }
      - { id: summary, type: text, label: Summary, label_ko: 요약 }
`,
    { defaultTimezone: 'Asia/Seoul' },
  );
  const views = new CardViews(catalog, () => T0);
  const T0 = Date.parse('2026-12-01T01:00:00Z');
  const HOSTILE = '${$root.s.done} \uE000\uE001 ${1+1} [x](https://evil.example) **b** `c` \\${x}';
  const base: Occurrence = {
    id: 'occ-1',
    tenantId: 't1',
    activityId: 'secure-score-report',
    teamId: 'monitoring',
    trigger: 'schedule',
    state: 'open',
    scheduledAt: T0 - 3_600_000,
    dueAt: T0 + 3_600_000,
    createdAt: T0 - 3_600_000,
    postedAt: T0 - 3_000_000,
    postedConversationId: '19:c@thread.tacv2;messageid=1',
    postedActivityId: '1',
  } as Occurrence;
  const actor = { userId: '29:u1', aadObjectId: 'aad-1', name: HOSTILE };
  const states: Array<[string, Occurrence]> = [
    ['open', base],
    ['acknowledged', { ...base, acknowledgedAt: T0, acknowledgedBy: actor }],
    ['snoozed', { ...base, snoozedUntil: T0 + 600_000, snoozedByName: HOSTILE }],
    ['overdue', { ...base, dueAt: T0 - 60_000 }],
    ['done with evidence', { ...base, state: 'done', closedAt: T0, closedBy: actor, closeNote: HOSTILE, closeEvidence: { secureScore: 1234.5, report: 'https://reports.example/r/1?x=${y}', summary: HOSTILE, gone: 'kept' } }],
    ['done without evidence', { ...base, state: 'done', closedAt: T0, closedBy: actor }],
    ['skipped', { ...base, state: 'skipped', closedAt: T0, closedBy: actor, closeNote: HOSTILE }],
    ['caught up and moved', { ...base, trigger: 'catch-up', movedFrom: { at: T0 - 86_400_000, reason: HOSTILE, reason_ko: HOSTILE } }],
  ] as Array<[string, Occurrence]>;
  const locales: Locale[] = ['en', 'ko'];
  const reminderCases = states.flatMap(([name, o]) => locales.flatMap((locale) => [
    [`${name}, ${locale}`, o, locale, false],
    [`${name}, ${locale}, shrunk`, o, locale, true],
  ] as const));

  it.each(reminderCases)('render a reminder card %s as the engine does (evidence inputs of every kind, people\'s text)', (_name, o, locale, shrink) => {
    const view = views.reminder(o, T0, locale, { shrink });
    expect(compiled.reminder(view)).toEqual(engine.reminder(view));
  });

  it('render cards with large counts and empty lists as the engine does', () => {
    for (const locale of locales) {
      const workload: WorkloadCardView = {
        locale,
        teamName: HOSTILE,
        openCount: 12_345,
        overdueCount: 1000,
        snoozedCount: 0,
        doneLast7Days: 999_999,
        completionText: '83% (10/12)',
        medianText: '2 h',
        openItems: [],
        people: [],
        morePeople: 0,
        missedRuns: [],
        moreOpen: 4321,
        upcoming: [],
        warning: HOSTILE,
      };
      expect(compiled.workload(workload)).toEqual(engine.workload(workload));
      const digest: DigestCardView = {
        locale,
        periodText: HOSTILE,
        rows: [{ teamName: HOSTILE, doneOnTime: 1500, doneLate: 0, overdue: 2, skipped: 10_000, medianText: '3 h', tasks: [{ label: 'Overdue', title: HOSTILE, dueText: 'Mon 1 Dec' }, { label: 'Late', title: 't', dueText: 'd', link: 'https://teams.microsoft.com/l/message/x' }], moreText: HOSTILE }],
      };
      expect(compiled.digest(digest)).toEqual(engine.digest(digest));
      const empty: DigestCardView = { locale, periodText: 'p', rows: [] };
      expect(compiled.digest(empty)).toEqual(engine.digest(empty));
    }
  });

  it('refuse a view with a missing field, naming it, as the engine-based renderer did', () => {
    const incomplete = { locale: 'en', occurrenceId: 'occ-1', title: 'Rotate keys', message: 'Back' } as unknown as NudgeCardView;
    expect(() => renderNudgeCard(incomplete)).toThrow(CardTemplateError);
    expect(() => renderNudgeCard(incomplete)).toThrow(/nudge\.json: unbound field\(s\) \$root\.dueText/);
    expect(() => engine.nudge(incomplete)).toThrow(/nudge\.json: unbound field\(s\) \$root\.dueText/);
    const noRows = { locale: 'en', periodText: 'p' } as unknown as DigestCardView;
    expect(() => renderDigestCard(noRows)).toThrow(CardTemplateError);
    expect(() => engine.digest(noRows)).toThrow(CardTemplateError);
    const noCount = { locale: 'ko', teamName: 'x', openItems: [], upcoming: [] } as unknown as WorkloadCardView;
    expect(() => renderWorkloadCard(noCount)).toThrow(CardTemplateError);
    expect(() => engine.workload(noCount)).toThrow(CardTemplateError);
  });

  it('bind a reminder card many times from one compilation, each time from its own data', () => {
    const a = renderReminderCard(views.reminder(base, T0, 'en'));
    const b = renderReminderCard(views.reminder({ ...base, id: 'occ-2' }, T0, 'ko'));
    expect(JSON.stringify(a)).toContain('"occurrenceId":"occ-1"');
    expect(JSON.stringify(b)).toContain('"occurrenceId":"occ-2"');
    expect(JSON.stringify(b)).not.toContain('occ-1');
  });
});

describe('the template compiler', () => {
  // The engine's corners that the card templates may come to rely on.
  const cases: Array<[string, unknown, unknown]> = [
    ['a property found ignoring case', { text: '${$root.Title} ${name}' }, { title: 'T', NAME: 'n' }],
    ['a $when that is not a boolean drops the element', { items: [{ $when: '${$root.n}', a: 1 }, { $when: '${$root.n > 0}', b: 2 }] }, { n: 3 }],
    ['a constant $when drops it', { items: [{ $when: 'true', a: 1 }, { $when: '', b: 2 }] }, {}],
    ['$data over an object scopes it', { x: { $data: '${$root.inner}', v: '${v}', r: '${$root.top}' } }, { inner: { v: 'in' }, top: 'up' }],
    ['$data over a list repeats, with $index', { list: [{ $data: '${$root.items}', i: '${$index}', v: '${v}' }, { tail: true }] }, { items: [{ v: 'a' }, { v: 'b' }] }],
    ['$data over a one-item list in a property', { one: { $data: '${$root.items}', v: '${v}' } }, { items: [{ v: 'a' }] }],
    ['$data over an empty list drops the element', { list: [{ $data: '${$root.items}', v: '${v}' }] }, { items: [] }],
    ['a single expression keeps its type', { b: '${$root.flag}', n: '${$root.n}', l: '${$root.list}', s: '${string($root.n)}' }, { flag: false, n: 1234567.25, list: ['x', 'y'] }],
    ['text around expressions', { t: 'a ${$root.n} b ${$root.flag} c ${$root.list}' }, { flag: true, n: 0, list: ['x', 'y'] }],
    ['conditions on missing fields', { items: [{ $when: '${!empty($root.missing)}', a: 1 }, { $when: '${empty($root.missing)}', b: 1 }, { $when: "${$root.missing != 'x'}", c: 1 }, { $when: '${$root.missing > 0}', d: 1 }, { $when: '${!($root.missing > 0)}', e: 1 }] }, {}],
    ['if, replace, count and comparisons', { c: "${if(empty($root.l), 'none', 'some')}", r: "${replace($root.s, '{n}', string(count($root.l)))}", eq: "${$root.a == 'x' && $root.n >= 2 || $root.n < 0}" }, { l: [1, 2], s: '{n} of {n}', a: 'x', n: 2 }],
    ['element access by a field', { s: '${$root.labels[$root.k]}', i: '${$root.list[1]}' }, { labels: { done: 'Done' }, k: 'done', list: ['a', 'b'] }],
    ['null properties and a null item', { a: null, l: [null, 1, { $when: '${false}' }] }, {}],
  ];
  it.each(cases)('expands %s as the engine does', (_name, template, root) => {
    const unbound: string[] = [];
    expect(compileTemplate(template)(root, { unbound, unboundMarker: '?' })).toEqual(new Template(template).expand({ $root: root }));
    expect(unbound).toEqual([]);
  });

  it('reports a missing field read for a value, and not one read in a condition', () => {
    const unbound: string[] = [];
    const out = compileTemplate({ a: '${$root.gone}', b: 'x ${label}', c: '${count($root.none)}', d: { $when: '${!empty($root.cond)}', e: 1 } })({}, { unbound, unboundMarker: '?' });
    expect(unbound).toEqual(['$root.gone', 'label', '$root.none']);
    expect(out).toEqual({ a: '?', b: 'x ?', c: 1, d: null });
  });

  it('refuses what it does not know, so the renderer can use the engine for it', () => {
    for (const text of ['${add(1, 2)}', '${1 + 2}', '${a ?? b}', '${x}${', 'a \\${x}', '${join($root.l, ",")}']) {
      expect(() => compileTemplate({ text })).toThrow(UnsupportedTemplate);
    }
  });
});
