import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as AdaptiveCards from 'adaptivecards';
import { GlobalSettings } from 'adaptivecards-templating';
import { packageRoot } from '../../src/package-root';
import { OPEN_STATUSES, SNOOZE_MINUTES, type OccurrenceStatus } from '../../src/reminders/occurrence.types';
import {
  CardTemplateError,
  MAX_REFRESH_USERS,
  STATUS_LOOK,
  renderDigestCard,
  renderEscalationCard,
  renderMessageCard,
  renderNudgeCard,
  renderReminderCard,
  renderTaskListCard,
  renderTeamsListCard,
  renderWorkloadCard,
  type AdaptiveCardJson,
} from '../../src/teams/cards/card-renderer';
import {
  CARD_VERBS,
  type DigestCardView,
  type Locale,
  type NudgeCardView,
  type ReminderCardView,
  type WorkloadCardView,
} from '../../src/teams/cards/card-views';
import { LOCALES, cardStrings, isLocale, localeOf, t, type MessageKey } from '../../src/teams/i18n';
import { CardViews } from '../../src/teams/card-views.builder';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { withoutPeoplePickerNotes } from '../support/people-picker';

// The package's main entry needs a DOM; the bundled build parses and validates without one (see STACK.md).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.min.js') as typeof AdaptiveCards;

type Json = Record<string, unknown>;

const ALL_STATUSES = Object.keys(STATUS_LOOK) as OccurrenceStatus[];
const CLOSED_STATUSES: readonly OccurrenceStatus[] = ['done', 'skipped', 'missed'];
const TEMPLATE_NAMES = [
  'digest.json',
  'escalation.json',
  'message.json',
  'nudge.json',
  'reminder.json',
  'task-list.json',
  'teams-list.json',
  'workload.json',
];
const HOSTILE = '"}, {"type": "Action.OpenUrl", "url": "https://evil.example"} ${$root.occurrenceId} {{x}} \\ \n 둘째 줄';
const STRINGS_DIR = join(packageRoot(), 'cards', 'strings');

/**
 * What the object model says of Teams' people picker (Reassign, Hand over), which Teams documents as an extension
 * of Input.ChoiceSet in 1.5 cards: `choices.data` (a Data.Query over graph.microsoft.com/users) with no static
 * choices (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/people-picker). Nothing else.
 */
const PEOPLE_PICKER_EVENTS = [
  'parse: Property "choices.data" is supported in version 1.6, but you are using version 1.5.',
  'validate: An Input.ChoiceSet must have at least one choice defined.',
];

/** Problems the Adaptive Cards object model reports for a card: parse events, then validation events. */
function validationProblems(json: AdaptiveCardJson): string[] {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, context);
  const problems: string[] = [];
  for (let i = 0; i < context.eventCount; i++) problems.push(`parse: ${context.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  return problems.filter((p) => !PEOPLE_PICKER_EVENTS.includes(p));
}

/** Every object in a JSON tree, with its path. */
function objectsOf(value: unknown, path = '$'): { path: string; node: Json }[] {
  if (Array.isArray(value)) return value.flatMap((child, index) => objectsOf(child, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  const node = value as Json;
  return [{ path, node }, ...Object.entries(node).flatMap(([key, child]) => objectsOf(child, `${path}.${key}`))];
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsOf);
  return [];
}

/** The card's TextRuns of each RichTextBlock joined, as a reader sees each line. */
function flatText(card: unknown): string[] {
  return ofType(card, 'RichTextBlock').map((b) => ((b['inlines'] as Json[]) ?? []).map((r) => String(r['text'] ?? '')).join(''));
}

function ofType(card: unknown, type: string): Json[] {
  return objectsOf(card)
    .map(({ node }) => node)
    .filter((node) => node['type'] === type);
}

/** The checks every card must pass, whatever its kind. */
function expectSoundCard(card: AdaptiveCardJson): void {
  expect(validationProblems(card)).toEqual([]);
  expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.5', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
  // The hostile sample contains `${…}` on purpose; any other `${` is a template expression left unexpanded.
  expect(stringsOf(card).filter((text) => text.includes('${') && !text.includes(HOSTILE))).toEqual([]);
  for (const { path, node } of objectsOf(card)) {
    expect([path, Object.values(node).includes(null)]).toEqual([path, false]);
    if (node['type'] === 'Action.Execute') {
      expect(CARD_VERBS).toContain(node['verb']);
      expect(node['data']).toEqual({ occurrenceId: expect.any(String) });
    }
    if (['Container', 'FactSet', 'ColumnSet', 'RichTextBlock'].includes(String(node['type']))) {
      const collection = { Container: 'items', FactSet: 'facts', ColumnSet: 'columns', RichTextBlock: 'inlines' }[String(node['type']) as 'Container'];
      expect([path, (node[collection] as unknown[] | undefined)?.length ?? 0]).not.toEqual([path, 0]);
    }
  }
  expect(card['actions']).not.toEqual([]);
}

function reminderView(overrides: Partial<ReminderCardView> = {}): ReminderCardView {
  return {
    locale: 'en',
    occurrenceId: 'occ-1',
    title: 'Review firewall rule changes',
    description: 'Compare the change log against approved tickets.',
    teamName: 'Blue Team',
    cadence: 'Weekdays at 09:00',
    dueText: 'Mon 9 Mar 2026, 17:00 (GMT-4)',
    status: 'posted',
    statusText: 'Waiting for someone to take it',
    actionable: true,
    refreshUserIds: ['29:user-a', '29:user-b'],
    linkButtons: [],
    moreLinks: [],
    evidenceInputs: [],
    evidenceShown: [],
    ...overrides,
  };
}

function workloadView(locale: Locale, full: boolean): WorkloadCardView {
  return {
    locale,
    teamName: 'Blue Team',
    openCount: full ? 18 : 0,
    overdueCount: full ? 2 : 0,
    snoozedCount: full ? 1 : 0,
    doneLast7Days: full ? 12 : 0,
    completionText: full ? '83 % (10 of 12 on time, last 30 days)' : '—',
    medianText: full ? '2 h 10 min' : '—',
    people: full
      ? [
          { name: 'Minji Kim', openText: '3 open', overdueText: '1 overdue', overdue: true },
          { name: 'Unassigned (team)', openText: '2 open', overdueText: '0 overdue', overdue: false },
        ]
      : [],
    morePeople: 0,
    openItems: full
      ? Array.from({ length: 15 }, (_, i) => ({
          title: `Task ${i}`,
          dueText: `Mon 9 Mar, ${10 + (i % 10)}:00`,
          statusText: i % 2 ? 'Minji Kim is on it since 09:12' : 'Waiting for someone to take it',
          overdue: i < 2,
        }))
      : [],
    moreOpen: full ? 3 : 0,
    upcoming: full ? Array.from({ length: 5 }, (_, i) => ({ title: `Next ${i}`, whenText: `Tue 10 Mar, 0${i}:00` })) : [],
    ...(full ? { warning: '3 open tasks are recorded but not posted: no channel is bound to Blue Team.' } : {}),
    missedRuns: full ? [{ title: 'Review firewall rule changes', text: 'missed 96 times between Mon 24 Nov, 09:00 and Sun 30 Nov, 09:00' }] : [],
  };
}

function digestView(locale: Locale, full: boolean): DigestCardView {
  return {
    locale,
    periodText: 'Week of 2 Mar 2026',
    rows: full
      ? [
          {
            teamName: 'Blue Team',
            doneOnTime: 10,
            doneLate: 2,
            overdue: 1,
            skipped: 0,
            medianText: '2 h 10 min',
            tasks: [
              { label: 'Overdue', title: 'Patch the VPN gateways', dueText: 'Wed 2 Dec, 04:51', link: 'https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1?tenantId=t' },
              { label: 'Done late', title: 'Rotate the SIEM API keys', dueText: 'Mon 30 Nov, 09:00' },
            ],
            moreText: '…and 1 more',
          },
          { teamName: 'Red Team', doneOnTime: 0, doneLate: 0, overdue: 0, skipped: 3, medianText: '—', tasks: [] },
        ]
      : [],
  };
}

function flatten(value: unknown, prefix = ''): Map<string, unknown> {
  const result = new Map<string, unknown>();
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      for (const [path, leaf] of flatten(child, prefix ? `${prefix}.${key}` : key)) result.set(path, leaf);
    }
  } else {
    result.set(prefix, value);
  }
  return result;
}

function readStringsFile(locale: Locale): Map<string, unknown> {
  return flatten(JSON.parse(readFileSync(join(STRINGS_DIR, `${locale}.json`), 'utf8')));
}

function placeholdersOf(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort();
}

describe('the validator used here', () => {
  it('reports a broken card, so an empty problem list means something', () => {
    const broken = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'Bogus' }, { type: 'Input.Text', id: 'x', isRequired: true }],
    };
    expect(validationProblems(broken).length).toBeGreaterThanOrEqual(3);
  });
});

describe('templates', () => {
  it('are exactly the eight cards, all Adaptive Card 1.5 with the schema URL', () => {
    const files = readdirSync(join(packageRoot(), 'cards')).filter((name) => name.endsWith('.json'));
    expect(files.sort()).toEqual(TEMPLATE_NAMES);
    for (const name of files) {
      const template = JSON.parse(readFileSync(join(packageRoot(), 'cards', name), 'utf8')) as Json;
      expect([name, template['version'], template['$schema']]).toEqual([name, '1.5', 'http://adaptivecards.io/schemas/adaptive-card.json']);
    }
  });

  it('hard-code no words: every visible text comes from the strings or the view', () => {
    const visible = new Set(['text', 'title', 'label', 'placeholder', 'errorMessage', 'fallbackText', 'altText']);
    // Removes `${…}` expressions, which may themselves contain braces (`replace(x, '{count}', …)`).
    const withoutExpressions = (text: string): string => {
      let out = '';
      for (let i = 0; i < text.length; i++) {
        if (text.startsWith('${', i)) {
          let depth = 0;
          for (i += 1; i < text.length; i++) {
            if (text[i] === '{') depth++;
            else if (text[i] === '}' && --depth === 0) break;
          }
        } else {
          out += text[i];
        }
      }
      return out;
    };
    for (const name of TEMPLATE_NAMES) {
      const template: unknown = JSON.parse(readFileSync(join(packageRoot(), 'cards', name), 'utf8'));
      for (const { path, node } of objectsOf(template)) {
        for (const [key, value] of Object.entries(node)) {
          if (visible.has(key) && typeof value === 'string') {
            expect([name, path, key, withoutExpressions(value)]).toEqual([name, path, key, expect.not.stringMatching(/\p{L}/u)]);
          }
        }
      }
    }
  });
});

describe('reminder card', () => {
  const cases = LOCALES.flatMap((locale) => ALL_STATUSES.map((status) => ({ locale, status })));

  it.each(cases)('$locale, $status: valid, status line coloured, actions only while open', ({ locale, status }) => {
    const open = OPEN_STATUSES.includes(status);
    const card = renderReminderCard(reminderView({ locale, status, actionable: open, triggerText: 'Started by Jae.' }));
    expectSoundCard(card);
    const s = cardStrings(locale);

    const [label, , sentence] = ofType(ofType(card, 'Container')[0], 'TextRun');
    expect(label).toMatchObject({ text: s.status[status], color: STATUS_LOOK[status].color, weight: 'Bolder' });
    expect(sentence).toMatchObject({ text: 'Waiting for someone to take it' });
    const facts = ofType(card, 'FactSet')[0]?.['facts'];
    expect(facts).toEqual([
      { title: s.team, value: 'Blue Team' },
      { title: s.due, value: 'Mon 9 Mar 2026, 17:00 (GMT-4)' },
      { title: s.cadence, value: 'Weekdays at 09:00' },
    ]);
    expect(stringsOf(card)).toContain('Started by Jae.');

    if (open) {
      const verbs = ofType(card, 'Action.Execute').map((action) => action['verb']);
      // Nobody assigned: Take it (which is also "I'm on it"), and the people picker's Reassign / Hand over.
      expect(verbs).toEqual(['refresh', 'reassign', 'handover', 'take', 'done', 'snooze', 'skip']);
    } else {
      expect(card).not.toHaveProperty('actions');
      expect(ofType(card, 'Action.Execute').map((action) => action['verb'])).toEqual(['refresh']);
      expect(ofType(card, 'Input.Text')).toEqual([]);
    }
  });

  it('gives each status its own label and a semantic band, with the label readable on it, in both languages', () => {
    for (const locale of LOCALES) {
      const labels = ALL_STATUSES.map((status) => cardStrings(locale).status[status]);
      expect(new Set(labels).size).toBe(ALL_STATUSES.length);
    }
    expect(ALL_STATUSES.sort()).toEqual([...OPEN_STATUSES, ...CLOSED_STATUSES].sort());
    for (const status of ALL_STATUSES) {
      expect(['default', 'accent', 'good', 'warning', 'attention']).toContain(STATUS_LOOK[status].color);
    }
    expect(STATUS_LOOK.overdue.style).toBe('attention');
    expect(STATUS_LOOK.done.style).toBe('good');
    // A label in its band's own colour measured 1.2:1 to 3.9:1 against it (scripts/render-cards.js): default text.
    for (const status of ALL_STATUSES) expect(STATUS_LOOK[status].color).toBe('default');
  });

  it.each(LOCALES)('%s: names the assignee, and offers "I\'m on it" until someone is on it, whatever the status shows (issue 14)', (locale) => {
    const assignee = { name: locale === 'ko' ? '김민지' : 'Kim Minji', aadObjectId: '0b6c2d4e-1f3a-4e5b-8c7d-000000000005' };
    const label = cardStrings(locale).assign.assignedTo;
    for (const status of ['posted', 'overdue', 'escalated'] as const) {
      const waiting = renderReminderCard(reminderView({ locale, status, assignee, acknowledged: false }));
      expectSoundCard(waiting);
      expect(ofType(waiting, 'TextRun').map((r) => r['text'])).toEqual(expect.arrayContaining([label, assignee.name]));
      expect(flatText(waiting)).toContain(locale === 'ko' ? '담당: 김민지' : 'Assigned to Kim Minji');
      expect(ofType(waiting, 'Action.Execute').map((a) => a['verb'])).toEqual(['refresh', 'reassign', 'handover', 'ack', 'done', 'snooze', 'skip']);
      // Acknowledged, then overdue or escalated: "I'm on it" is not offered again (it was, once overdue).
      const onIt = renderReminderCard(reminderView({ locale, status, assignee, acknowledged: true }));
      expect(ofType(onIt, 'Action.Execute').map((a) => a['verb'])).toEqual(['refresh', 'reassign', 'handover', 'done', 'snooze', 'skip']);
    }
    // Snoozed by the person on it: "I'm on it" brings it back.
    const snoozed = renderReminderCard(reminderView({ locale, status: 'snoozed', assignee, acknowledged: true }));
    expect(ofType(snoozed, 'Action.Execute').map((a) => a['verb'])).toContain('ack');
  });

  it('has no actions when the caller says it is not actionable, even for an open status', () => {
    const card = renderReminderCard(reminderView({ status: 'overdue', actionable: false }));
    expectSoundCard(card);
    expect(card).not.toHaveProperty('actions');
  });

  it('carries the inputs and data the action handler expects', () => {
    const card = renderReminderCard(reminderView());
    const actions = card['actions'] as Json[];
    expect(actions.map((action) => action['type'])).toEqual(['Action.Execute', 'Action.ShowCard', 'Action.ShowCard', 'Action.ShowCard']);
    expect(actions[0]).toMatchObject({ verb: 'take', title: 'Take it', data: { occurrenceId: 'occ-1' } });

    const [done, snooze, skip] = actions.slice(1).map((action) => action['card'] as Json);
    // The people picker sits behind Assign, in its own row of the body: five buttons in a row were cut at 450 px.
    const assign = ofType(card['body'], 'Action.ShowCard').find((a) => a['title'] === 'Assign')!;
    const people = assign['card'] as Json;
    expect(ofType(people, 'Input.ChoiceSet')).toEqual([
      expect.objectContaining({ id: 'assignee', isRequired: true, 'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' } }),
    ]);
    expect(ofType(people, 'Input.Text')).toEqual([expect.objectContaining({ id: 'handoverNote', maxLength: 500 })]);
    expect(ofType(people, 'Action.Execute')).toEqual([
      expect.objectContaining({ verb: 'reassign', title: 'Reassign', data: { occurrenceId: 'occ-1' } }),
      expect.objectContaining({ verb: 'handover', title: 'Hand over', data: { occurrenceId: 'occ-1' } }),
    ]);
    expect(ofType(done, 'Input.Text')).toEqual([
      expect.objectContaining({ id: 'note', maxLength: 500, placeholder: 'Ticket link or note (optional)' }),
    ]);
    expect(ofType(done, 'Input.Text')[0]).not.toHaveProperty('isRequired');
    expect(ofType(done, 'Action.Execute')).toEqual([expect.objectContaining({ verb: 'done', data: { occurrenceId: 'occ-1' } })]);

    const [minutes] = ofType(snooze, 'Input.ChoiceSet');
    expect(minutes).toMatchObject({ id: 'minutes', value: '60' });
    expect(minutes?.['choices']).toEqual([
      { title: '1 hour', value: '60' },
      { title: '4 hours', value: '240' },
      { title: '1 day', value: '1440' },
    ]);
    expect(((minutes?.['choices'] ?? []) as Json[]).map((choice) => choice['value'])).toEqual(SNOOZE_MINUTES.map(String));
    expect(ofType(snooze, 'Action.Execute')).toEqual([expect.objectContaining({ verb: 'snooze', data: { occurrenceId: 'occ-1' } })]);

    expect(ofType(skip, 'Input.Text')).toEqual([
      expect.objectContaining({ id: 'reason', isRequired: true, maxLength: 500, errorMessage: 'Say why the task is skipped.' }),
    ]);
    expect(ofType(skip, 'Action.Execute')).toEqual([expect.objectContaining({ verb: 'skip', data: { occurrenceId: 'occ-1' } })]);
  });

  it('labels the buttons and choices in Korean', () => {
    const card = renderReminderCard(reminderView({ locale: 'ko' }));
    const titles = (card['actions'] as Json[]).map((action) => action['title']);
    expect(titles).toEqual(['내가 담당', '완료', '나중에 알림', '건너뛰기']);
    expect(ofType(card['body'], 'Action.ShowCard').map((a) => a['title'])).toEqual(['담당 변경']);
    expect(ofType(card, 'Input.ChoiceSet').find((i) => i['id'] === 'minutes')?.['choices']).toEqual([
      { title: '1시간 후', value: '60' },
      { title: '4시간 후', value: '240' },
      { title: '1일 후', value: '1440' },
    ]);
  });

  it('asks Teams to refresh it for the given users, at most 60', () => {
    const card = renderReminderCard(reminderView());
    expect(card['refresh']).toEqual({
      action: { type: 'Action.Execute', verb: 'refresh', data: { occurrenceId: 'occ-1' } },
      userIds: ['29:user-a', '29:user-b'],
    });
    expect(renderReminderCard(reminderView({ refreshUserIds: [] }))['refresh']).toMatchObject({ userIds: [] });
    const many = Array.from({ length: 75 }, (_, i) => `29:user-${i}`);
    const capped = renderReminderCard(reminderView({ refreshUserIds: many }))['refresh'] as Json;
    expect(capped['userIds']).toEqual(many.slice(0, MAX_REFRESH_USERS));
  });

  it('shows the description and trigger only when present', () => {
    const bare = renderReminderCard(reminderView({ description: undefined }));
    expect(ofType(bare, 'TextBlock').map((block) => block['text'])).toEqual(['Review firewall rule changes']);
    const emptyDescription = renderReminderCard(reminderView({ description: '' }));
    expect(ofType(emptyDescription, 'TextBlock')).toHaveLength(1);
    expect(ofType(bare, 'TextRun')).toHaveLength(3); // The status line only.
    const full = renderReminderCard(reminderView({ triggerText: 'Started late: the bot was down at 09:00.' }));
    expect(ofType(full, 'TextBlock').map((block) => block['text'])).toEqual(['Review firewall rule changes', 'Compare the change log against approved tickets.']);
    // The trigger may name a person ("Started by …"): a TextRun, never Markdown.
    expect(ofType(full, 'TextRun')[0]).toEqual({ type: 'TextRun', text: 'Started late: the bot was down at 09:00.', isSubtle: true, size: 'Small' });
  });

  it('stays under 28 KB with a long description, a 500-character note and 60 refresh users', () => {
    const note = '가'.repeat(250) + 'x'.repeat(250);
    const card = renderReminderCard(
      reminderView({
        locale: 'ko',
        status: 'done',
        actionable: false,
        title: '방화벽 규칙 변경 검토 '.repeat(10),
        description: '변경 로그를 승인된 티켓과 비교하세요. '.repeat(100),
        statusText: t('ko', 'status.doneNote', { name: '김민지', time: '14:02', note }),
        refreshUserIds: Array.from({ length: 60 }, (_, i) => `29:1${String(i).padStart(3, '0')}${'a'.repeat(90)}`),
      }),
    );
    expectSoundCard(card);
    expect(Buffer.byteLength(JSON.stringify(card), 'utf8')).toBeLessThan(28 * 1024);
    const open = renderReminderCard(reminderView({ description: 'd'.repeat(4000), refreshUserIds: Array(60).fill(`29:${'b'.repeat(100)}`) }));
    expect(Buffer.byteLength(JSON.stringify(open), 'utf8')).toBeLessThan(28 * 1024);
  });

  it('keeps hostile user text as plain text: no new elements, no evaluation, no lost characters', () => {
    const sneaky = `${HOSTILE} \uE000\uE002 \uE000`;
    const card = renderReminderCard(
      reminderView({
        title: sneaky,
        description: sneaky,
        teamName: sneaky,
        cadence: sneaky,
        dueText: sneaky,
        statusText: sneaky,
        triggerText: sneaky,
        refreshUserIds: [sneaky],
      }),
    );
    expect(validationProblems(card)).toEqual([]);
    expect(ofType(card, 'Action.OpenUrl')).toEqual([]);
    expect((card['actions'] as Json[]).length).toBe(4);
    expect(ofType(card, 'Action.Execute').every((action) => (action['data'] as Json)['occurrenceId'] === 'occ-1')).toBe(true);
    const texts = ofType(card, 'TextBlock').map((block) => block['text']);
    expect(texts).toEqual([sneaky, sneaky]);
    const runs = ofType(card, 'TextRun').map((run) => run['text']);
    expect(runs).toEqual([sneaky, cardStrings('en').status.posted, ' · ', sneaky]);
    expect(ofType(card, 'FactSet')[0]?.['facts']).toEqual([
      { title: 'Team', value: sneaky },
      { title: 'Due', value: sneaky },
      { title: 'Cadence', value: sneaky },
    ]);
    expect((card['refresh'] as Json)['userIds']).toEqual([sneaky]);
  });
});

describe('other cards', () => {
  it.each(LOCALES)('nudge (%s)', (locale) => {
    const view: NudgeCardView = { locale, occurrenceId: 'occ-1', title: 'Rotate keys', message: t(locale, 'nudge.snoozeEnded'), dueText: '17:00' };
    const card = renderNudgeCard(view);
    expectSoundCard(card);
    expect(stringsOf(card)).toEqual(expect.arrayContaining(['Rotate keys', t(locale, 'nudge.snoozeEnded'), '17:00', cardStrings(locale).due]));
  });

  it.each(LOCALES)('escalation (%s): each team a line, a link where posted, Acknowledge and Assign for the open ones', (locale) => {
    const base = {
      locale,
      title: 'Rotate keys',
      dueText: '17:00',
      tasks: [
        { teamName: 'Blue Team', stateText: HOSTILE, link: 'https://teams.microsoft.com/l/message/19:abc/123' },
        { teamName: 'Red Team', stateText: t(locale, 'escalation.stateNeverTold') },
      ],
      taskChoices: [{ title: 'Blue Team', value: 'occ-1' }],
    };
    const card = renderEscalationCard(base);
    // Teams' people picker: see people-picker.ts for what the SDK says about it and why that is left out.
    expect(withoutPeoplePickerNotes(validationProblems(card))).toEqual([]);
    expect(ofType(card, 'TextRun')[0]?.['text']).toBe(HOSTILE);
    const s = cardStrings(locale).escalation;
    expect(ofType(card, 'Action.OpenUrl')).toEqual([{ type: 'Action.OpenUrl', title: s.openTeamTask, url: 'https://teams.microsoft.com/l/message/19:abc/123' }]);
    const pick = ofType(card, 'Input.ChoiceSet');
    expect(pick.map((x) => x['id'])).toEqual(['occurrenceId', 'assignee']);
    expect(pick[0]?.['value']).toBe('occ-1');
    expect(pick[1]?.['choices.data']).toEqual({ type: 'Data.Query', dataset: 'graph.microsoft.com/users' });
    expect(ofType(card, 'Action.Execute').map((x) => x['verb'])).toEqual(['ack', 'reassign']);
    expect(stringsOf(card)).toEqual(expect.arrayContaining(['Blue Team', 'Red Team', t(locale, 'escalation.stateNeverTold')]));

    const closed = renderEscalationCard({ ...base, taskChoices: [], closedText: t(locale, 'escalation.allClosed') });
    // Closed: no picker, so the card passes every check.
    expectSoundCard(closed);
    expect(closed).not.toHaveProperty('actions');
    expect(ofType(closed, 'Input.ChoiceSet')).toEqual([]);
    expect(stringsOf(closed)).toContain(t(locale, 'escalation.allClosed'));
  });

  it.each(LOCALES)('workload (%s), empty', (locale) => {
    const card = renderWorkloadCard(workloadView(locale, false));
    expectSoundCard(card);
    const s = cardStrings(locale).workload;
    const texts = stringsOf(card);
    expect(texts).toEqual(expect.arrayContaining([s.noOpenTasks, s.noUpcoming, '0']));
    expect(texts).not.toContain(cardStrings(locale).mytasks.byPerson); // Nobody has anything: no empty heading.
    expect(ofType(card, 'Container')).toEqual([]);
    expect(texts.some((text) => text.includes('{count}'))).toBe(false);
  });

  it.each(LOCALES)('workload (%s), full', (locale) => {
    const card = renderWorkloadCard(workloadView(locale, true));
    expectSoundCard(card);
    const s = cardStrings(locale).workload;
    const texts = stringsOf(card);
    expect(texts).not.toContain(s.noOpenTasks);
    expect(texts).toEqual(expect.arrayContaining(['18', '2', '12', s.moreOpen.replace('{count}', '3'), 'Next 4', 'Tue 10 Mar, 04:00']));
    const itemContainers = ofType(card, 'Container').filter((container) => container['style'] === undefined);
    expect(itemContainers).toHaveLength(15);
    // Overdue lines say so in words; no coloured text (yellow on white was 1.47:1, red on dark 3.24:1).
    const overdueMarks = ofType(card, 'TextRun').filter((run) => run['text'] === `${cardStrings(locale).status.overdue} · `);
    expect(overdueMarks).toHaveLength(2);
    expect(ofType(card, 'TextRun').filter((run) => run['color'] !== undefined)).toEqual([]);
    // Per person: the name, then open and overdue in words, the overdue count in bold only where there is one.
    expect(texts).toEqual(expect.arrayContaining([cardStrings(locale).mytasks.byPerson, 'Minji Kim', 'Unassigned (team)', '3 open · ']));
    const overdueCounts = ofType(card, 'TextRun').filter((run) => /^\d overdue$/.test(String(run['text'])));
    expect(overdueCounts.map((run) => [run['text'], run['weight']])).toEqual([
      ['1 overdue', 'Bolder'],
      ['0 overdue', undefined],
    ]);
    // The unposted warning is a neutral band with a warning-coloured chip, not a pastel band (dark theme).
    expect(ofType(card, 'Column').filter((column) => column['style'] === 'warning')).toHaveLength(1);
    const counters = ofType(card, 'TextBlock').filter((block) => block['size'] === 'ExtraLarge');
    expect(counters.map((block) => [block['text'], block['color']])).toEqual([
      ['18', undefined],
      ['2', undefined],
      ['1', undefined],
      ['12', undefined],
    ]);
  });

  it.each(LOCALES)('task list (%s), empty and full', (locale) => {
    const heading = t(locale, 'tasks.title');
    const empty = renderTaskListCard({ locale, heading, emptyText: t(locale, 'tasks.empty'), items: [] });
    expectSoundCard(empty);
    expect(ofType(empty, 'TextBlock').map((block) => block['text'])).toEqual([heading, t(locale, 'tasks.empty')]);

    const items = Array.from({ length: 20 }, (_, i) => ({ title: `Task ${i}`, teamName: 'Blue Team', dueText: '17:00', statusText: HOSTILE }));
    const full = renderTaskListCard({ locale, heading, emptyText: t(locale, 'tasks.empty'), items });
    expectSoundCard(full);
    expect(stringsOf(full)).not.toContain(t(locale, 'tasks.empty'));
    expect(ofType(full, 'Container')).toHaveLength(20);
    expect(ofType(full, 'FactSet')[0]?.['facts']).toEqual([
      { title: cardStrings(locale).team, value: 'Blue Team' },
      { title: cardStrings(locale).due, value: '17:00' },
    ]);
    // The status names who is on it: a TextRun, not a fact value (Teams reads Markdown in those).
    expect(ofType(ofType(full, 'Container')[0], 'RichTextBlock')[1]?.['inlines']).toEqual([
      { type: 'TextRun', text: cardStrings(locale).statusLabel, weight: 'Bolder' },
      { type: 'TextRun', text: ': ' },
      { type: 'TextRun', text: HOSTILE },
    ]);
  });

  it.each(LOCALES)('teams list (%s), empty and full', (locale) => {
    const empty = renderTeamsListCard({ locale, teams: [] });
    expectSoundCard(empty);
    expect(stringsOf(empty)).toContain(cardStrings(locale).teamsList.empty);
    expect(ofType(empty, 'ColumnSet')).toEqual([]);

    const full = renderTeamsListCard({
      locale,
      teams: [
        { id: 'blue', name: 'Blue Team', channelText: 'SOC Blue', bound: true },
        { id: 'red', name: 'Red Team', channelText: t(locale, 'teams.unbound'), bound: false },
        { id: 'x', name: HOSTILE, channelText: t(locale, 'teams.inactive', { reason: 'bot removed' }), bound: false },
      ],
    });
    expectSoundCard(full);
    expect(ofType(full, 'ColumnSet')).toHaveLength(4);
    // Green and yellow text on white measured 1.47–2.07:1 (issue 15): a bound channel is plain text, an unbound
    // or inactive one subtle, and neither carries a colour of its own.
    const runs = ofType(full, 'TextRun');
    expect(runs.filter((run) => run['color'] !== undefined)).toEqual([]);
    expect(runs.filter((run) => run['isSubtle'] === true).map((run) => run['text'])).toEqual([t(locale, 'teams.unbound'), t(locale, 'teams.inactive', { reason: 'bot removed' })]);
    expect(stringsOf(full)).toContain(HOSTILE);
  });

  it.each(LOCALES)('digest (%s), empty and full', (locale) => {
    const empty = renderDigestCard(digestView(locale, false));
    expectSoundCard(empty);
    expect(stringsOf(empty)).toContain(cardStrings(locale).digest.empty);
    expect(ofType(empty, 'ColumnSet')).toEqual([]);

    const full = renderDigestCard(digestView(locale, true));
    expectSoundCard(full);
    // No six-column table (its headers broke mid-word, "Overdu/e"): each team is a block, its figures one line
    // that wraps between words, in the default text colour (green and yellow on white were below 2.1:1).
    expect(ofType(full, 'ColumnSet')).toEqual([]);
    const s = cardStrings(locale).digest;
    const blue = ofType(full, 'Container')[0]!;
    const lines = ofType(blue, 'RichTextBlock').map((block) => (block['inlines'] as Json[]).map((run) => run['text']).join(''));
    expect(lines).toEqual([
      'Blue Team',
      `${s.onTime} 10 · ${s.late} 2 · ${s.overdue} 1 · ${s.skipped} 0`,
      `${s.median} 2 h 10 min`,
      'Overdue: Patch the VPN gateways · Wed 2 Dec, 04:51',
      'Done late: Rotate the SIEM API keys · Mon 30 Nov, 09:00',
      '…and 1 more',
    ]);
    expect(ofType(full, 'TextBlock').filter((block) => block['color'] !== undefined)).toEqual([]);
    // The task with a posted card links to it; the one without is plain text.
    const titles = ofType(blue, 'TextRun').filter((run) => run['text'] === 'Patch the VPN gateways' || run['text'] === 'Rotate the SIEM API keys');
    expect(titles.map((run) => (run['selectAction'] as Json | undefined)?.['url'])).toEqual([
      'https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1?tenantId=t',
      undefined,
    ]);
  });

  it.each(LOCALES)('message (%s): help and welcome', (locale) => {
    // Help is the bot's own Markdown (bold commands, a list): a TextBlock.
    const help = renderMessageCard(new CardViews(loadCatalog({ defaultTimezone: 'UTC' })).help(locale));
    expectSoundCard(help);
    expect(ofType(help, 'TextBlock').map((block) => block['text'])).toEqual([t(locale, 'help.title'), t(locale, 'help.text')]);
    // Then the ids to type, from the catalog, as plain text (issue 15: help listed no team or activity ids).
    const ids = ofType(help, 'TextRun').map((run) => String(run['text']));
    expect(ids).toHaveLength(2);
    for (const id of ['secops', 'engineering', 'soc-oversight', 'monitoring']) expect(ids[0]).toContain(id);
    expect(ids[1]).toContain('ir-tabletop-exercise');
    expect(ids[1]).not.toContain('portal-license-review'); // scheduled only: run refuses it
    // The welcome names the Teams team, which people named: literal text, a TextRun.
    const text = t(locale, 'welcome.text', { teamName: 'SOC', teamList: 'Blue Team, Red Team' });
    const welcome = renderMessageCard({ locale, title: t(locale, 'welcome.title'), text });
    expectSoundCard(welcome);
    expect(ofType(welcome, 'TextBlock').map((block) => block['text'])).toEqual([t(locale, 'welcome.title')]);
    expect(ofType(welcome, 'TextRun').map((run) => run['text'])).toEqual([text]);
  });

  it('message text from a user is data, not template, and not Markdown', () => {
    const card = renderMessageCard({ locale: 'en', title: '', text: t('en', 'unknown.text', { input: HOSTILE }) });
    expectSoundCard(card);
    expect(ofType(card, 'TextBlock')).toEqual([]);
    expect(ofType(card, 'TextRun').map((run) => run['text'])).toEqual([t('en', 'unknown.text', { input: HOSTILE })]);
  });

  it('message text splits into paragraphs at blank lines, each its own TextRun', () => {
    const card = renderMessageCard({ locale: 'en', text: 'first\n\nsecond line\n  \nthird' });
    expectSoundCard(card);
    expect(ofType(card, 'RichTextBlock').map((block) => (block['inlines'] as Json[])[0]?.['text'])).toEqual(['first', 'second line', 'third']);
  });
});

describe('renderer errors', () => {
  it('refuses a view that leaves a template field unbound, and restores the global hook', () => {
    const incomplete = { locale: 'en', occurrenceId: 'occ-1', title: 'Rotate keys', message: 'Back' } as unknown as NudgeCardView;
    expect(() => renderNudgeCard(incomplete)).toThrow(CardTemplateError);
    expect(() => renderNudgeCard(incomplete)).toThrow(/nudge\.json.*dueText/);
    expect(GlobalSettings.getUndefinedFieldValueSubstitutionString).toBeUndefined();
  });
});

describe('strings', () => {
  const en = readStringsFile('en');
  const ko = readStringsFile('ko');

  it('have the same keys in English and Korean, all non-empty text', () => {
    expect([...ko.keys()].sort()).toEqual([...en.keys()].sort());
    for (const [key, value] of [...en, ...ko]) {
      expect([key, typeof value, String(value).trim().length > 0]).toEqual([key, 'string', true]);
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const [key, value] of en) {
      expect([key, placeholdersOf(String(ko.get(key)))]).toEqual([key, placeholdersOf(String(value))]);
    }
  });

  it('cover every occurrence status, as a label and as a sentence', () => {
    for (const locale of LOCALES) {
      for (const status of ALL_STATUSES) {
        expect(cardStrings(locale).status[status]).toEqual(expect.any(String));
        expect(() => t(locale, `status.${status}`, { name: 'n', time: 't', note: 'x', reason: 'r', team: 'SOC Oversight' })).not.toThrow();
      }
    }
  });

  it('label every snooze choice', () => {
    for (const locale of LOCALES) {
      const labels: Record<string, string | undefined> = cardStrings(locale).snoozeChoices;
      expect(Object.keys(labels).sort()).toEqual(SNOOZE_MINUTES.map(String).sort());
    }
  });

  const requiredKeys: readonly MessageKey[] = [
    'help.title', 'help.text', 'welcome.title', 'welcome.text',
    'bind.done', 'bind.moved', 'bind.unknownTeam', 'bind.needChannel', 'bind.missingTeam', 'bind.pendingPosted',
    'unbind.done', 'unbind.none', 'teams.title', 'teams.unbound', 'teams.inactive',
    'workload.title', 'workload.noTeam', 'workload.unknownTeam', 'workload.unposted', 'workload.none',
    'tasks.title', 'tasks.empty', 'overdue.title', 'overdue.empty',
    'run.done', 'run.unknownActivity', 'run.notOnDemand', 'run.teamNotAssigned', 'run.missing',
    'unknown.text',
    'action.notFound', 'action.otherConversation', 'action.alreadyDone', 'action.alreadySkipped', 'action.closed',
    'action.alreadyAcknowledged', 'action.reasonRequired', 'action.noteTooLong', 'action.badSnooze', 'action.unknownVerb', 'action.error',
    'status.pending', 'status.posted', 'status.acknowledged', 'status.snoozed', 'status.overdue', 'status.overdueAck',
    'status.escalated', 'status.done', 'status.doneNote', 'status.skipped', 'status.missed',
    'trigger.catchUp', 'trigger.onDemand', 'trigger.moved', 'nudge.snoozeEnded', 'nudge.overdue', 'escalation.title', 'escalation.text',
    'digest.title', 'digest.period', 'duration.hours', 'duration.minutes', 'duration.days',
  ];

  it('contain every message the bot needs', () => {
    for (const key of requiredKeys) {
      // A sentence with a count has its plural forms under it (`bind.pendingPosted.one`, `.other`).
      const has = (strings: Map<string, unknown>) => strings.has(`messages.${key}`) || strings.has(`messages.${key}.other`);
      expect([key, has(en), has(ko)]).toEqual([key, true, true]);
    }
  });

  it('keep the agreed English wording of the key messages', () => {
    expect(t('en', 'bind.unknownTeam', { input: 'Purple', teamList: 'Blue, Red' })).toBe('There is no SOC team "Purple". Teams: Blue, Red.');
    expect(t('en', 'status.doneNote', { name: 'Minji Kim', time: '14:02', note: 'https://tickets/123' })).toBe(
      'Done by Minji Kim at 14:02 — https://tickets/123',
    );
    expect(t('en', 'duration.hours', { h: 2, m: 10 })).toBe('2 h 10 min');
    expect(t('en', 'action.noteTooLong', { length: 612, max: 500 })).toBe('The note is too long (612 characters; at most 500).');
  });

  it('list the commands in each language and say the other words work too', () => {
    const english = t('en', 'help.text');
    for (const command of ['help', 'bind «team»', 'unbind', 'teams', 'workload [«team»]', 'tasks', 'overdue', 'run «activity» [for «team»]']) {
      expect(english).toContain(`**${command}**`);
    }
    const korean = t('ko', 'help.text');
    // The Korean `run` says 대상, the word the parser (and README) takes, not `for`.
    for (const command of ['도움말', '연결 «팀»', '연결 해제', '팀', '업무량 [«팀»]', '내 작업', '기한초과', '지연', '실행 «활동» [대상 «팀»]']) {
      expect(korean).toContain(`**${command}`);
    }
    for (const word of ['도움말', '연결', '연결 해제', '팀', '업무량', '내 작업', '기한초과', '실행']) expect(english).toContain(word);
    for (const word of ['help', 'bind', 'unbind', 'teams', 'workload', 'tasks', 'overdue', 'run']) expect(korean).toContain(word);
  });
});

describe('i18n', () => {
  it.each([
    ['ko', 'en', 'ko'],
    ['ko-KR', 'en', 'ko'],
    ['ko-kr', 'en', 'ko'],
    ['KO_KR', 'en', 'ko'],
    ['en-US', 'ko', 'en'],
    ['en', 'ko', 'en'],
    ['de-DE', 'ko', 'en'],
    ['kok-IN', 'ko', 'en'],
    [undefined, 'ko', 'ko'],
    [undefined, 'en', 'en'],
    ['', 'ko', 'ko'],
  ] as const)('localeOf(%p, %p) is %p', (teamsLocale, fallback, expected) => {
    expect(localeOf(teamsLocale, fallback)).toBe(expected);
  });

  it('substitutes parameters once, so values that look like placeholders stay as written', () => {
    expect(t('en', 'action.alreadyDone', { name: '{time}', time: '14:02' })).toBe('Already done by {time} at 14:02.');
    expect(t('ko', 'action.alreadyDone', { name: '김민지', time: '14:02' })).toBe('김민지 님이 14:02에 이미 완료했습니다.');
    expect(t('en', 'bind.pendingPosted', { count: 3 })).toBe('3 open tasks recorded before the binding will be posted here.');
  });

  it('treats an unknown key or a missing parameter as a programming error', () => {
    expect(() => t('en', 'bind.nope' as MessageKey)).toThrow(/unknown message key "bind\.nope"/);
    expect(() => t('en', 'bind' as MessageKey)).toThrow(/unknown message key/);
    expect(() => t('en', 'bind.done.toString' as MessageKey)).toThrow(/unknown message key/);
    expect(() => t('en', 'bind.done')).toThrow(/needs the parameter \{team\}/);
    // @ts-expect-error: keys are checked at compile time too
    expect(() => t('en', 'bind.doen', { team: 'x' })).toThrow();
  });

  it('hands out card strings that callers cannot change', () => {
    const strings = cardStrings('en');
    expect(() => {
      (strings as { due: string }).due = 'Changed';
    }).toThrow(TypeError);
    expect(cardStrings('en').due).toBe('Due');
  });

  it('knows its locales', () => {
    expect(isLocale('ko')).toBe(true);
    expect(isLocale('ko-KR')).toBe(false);
    expect(isLocale(undefined)).toBe(false);
  });
});

describe('a run a holiday moved (issue 15.1)', () => {
  const views = new CardViews(loadCatalog({ defaultTimezone: 'Asia/Seoul' }));
  const moved = {
    id: 'o1',
    tenantId: 't1',
    activityId: 'secure-score-report',
    teamId: 'monitoring',
    scheduledAt: Date.parse('2026-10-06T01:00:00Z'),
    dueAt: Date.parse('2026-10-08T01:00:00Z'),
    trigger: 'schedule' as const,
    state: 'open' as const,
    createdAt: Date.parse('2026-10-06T01:00:00Z'),
    movedFrom: { at: Date.parse('2026-10-05T01:00:00Z'), reason: 'National Foundation Day (substitute day)', reason_ko: '개천절 (대체공휴일)' },
  };

  it('says on the card, in the reader\'s language, which day it left and why', () => {
    const now = Date.parse('2026-10-06T01:01:00Z');
    const en = views.reminder(moved, now, 'en').triggerText;
    const ko = views.reminder(moved, now, 'ko').triggerText;
    expect(en).toMatch(/^Moved here from .*5.*, a holiday: National Foundation Day \(substitute day\)\.$/);
    expect(ko).toMatch(/^휴일이라 .*5.*에서 옮겨진 작업입니다: 개천절 \(대체공휴일\)$/);
    // People's text goes into TextRuns: the holiday name is data, never markup.
    const card = renderReminderCard(views.reminder(moved, now, 'ko'));
    expectSoundCard(card);
    expect(ofType(card, 'TextRun').map((r) => r['text'])).toContain(ko);
    expect(views.reminder({ ...moved, movedFrom: undefined }, now, 'en').triggerText).toBeUndefined();
  });
});
