/**
 * People's text is never Markdown: display names, notes, reasons, Teams channel names and echoed input, built
 * into each card by the same code the bot runs (CardViews from domain objects, then the renderer), land in
 * TextRuns only. A TextBlock or a fact holding `[x](https://evil.example)` would be a link in Teams.
 */
import { loadCatalog } from '../../src/catalog/catalog.loader';
import type { Actor, Occurrence, OccurrenceStatus } from '../../src/reminders/occurrence.types';
import type { TeamWorkload, WorkloadItem } from '../../src/reminders/workload.types';
import { CardViews } from '../../src/teams/card-views.builder';
import {
  renderDigestCard,
  renderEscalationCard,
  renderMessageCard,
  renderReminderCard,
  renderTaskListCard,
  renderTeamsListCard,
  renderWorkloadCard,
} from '../../src/teams/cards/card-renderer';
import { inertText } from '../../src/teams/formatting';
import { LOCALES, t } from '../../src/teams/i18n';
import { HOSTILE_TEXT, MARKUP_SAMPLES, literalTexts, markdownTexts, markupProblems } from '../support/people-text';

const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
const views = new CardViews(catalog);
const T0 = Date.parse('2026-03-09T00:00:00Z');
const HOUR = 3_600_000;
const MALLORY: Actor = { userId: '29:mallory', aadObjectId: 'aad-mallory', name: HOSTILE_TEXT };

/** One task of the built-in catalog in each status, everything people typed being hostile. */
function occurrenceIn(status: OccurrenceStatus): { o: Occurrence; now: number } {
  const base: Occurrence = {
    id: `occ-${status}`,
    tenantId: 'tenant-1',
    activityId: 'secure-score-report',
    teamId: 'monitoring',
    scheduledAt: T0,
    dueAt: T0 + 48 * HOUR,
    escalateAt: T0 + 72 * HOUR,
    trigger: 'on-demand',
    startedByName: HOSTILE_TEXT,
    state: 'open',
    createdAt: T0,
  };
  const posted = { ...base, postedAt: T0 + 60_000 };
  const acked = { ...posted, acknowledgedAt: T0 + HOUR, acknowledgedBy: MALLORY };
  const now = T0 + 2 * HOUR;
  switch (status) {
    case 'pending':
      return { o: base, now };
    case 'posted':
      return { o: posted, now };
    case 'acknowledged':
      return { o: acked, now };
    case 'snoozed':
      return { o: { ...acked, snoozedUntil: now + HOUR, snoozedByName: HOSTILE_TEXT }, now };
    case 'overdue':
      return { o: { ...acked, overdueAt: T0 + 48 * HOUR }, now: T0 + 49 * HOUR };
    case 'escalated':
      return { o: { ...acked, overdueAt: T0 + 48 * HOUR, escalatedAt: T0 + 72 * HOUR }, now: T0 + 73 * HOUR };
    case 'done':
      return { o: { ...acked, state: 'done', closedAt: now, closedBy: MALLORY, closeNote: HOSTILE_TEXT }, now };
    case 'skipped':
      return { o: { ...acked, state: 'skipped', closedAt: now, closedBy: MALLORY, closeNote: HOSTILE_TEXT }, now };
    case 'missed':
      return { o: { ...base, trigger: 'schedule', startedByName: undefined, state: 'missed', closedAt: now }, now };
  }
}

const STATUSES: readonly OccurrenceStatus[] = ['pending', 'posted', 'acknowledged', 'snoozed', 'overdue', 'escalated', 'done', 'skipped', 'missed'];

describe('the reminder card', () => {
  const cases = LOCALES.flatMap((locale) => STATUSES.map((status) => ({ locale, status })));

  it.each(cases)('$locale, $status: names, notes and reasons only in TextRuns, shown whole', ({ locale, status }) => {
    const { o, now } = occurrenceIn(status);
    const card = renderReminderCard(views.reminder(o, now, locale));
    // Every status but "missed" names Mallory, in the trigger ("Started by …") and, once acknowledged, the status.
    if (status === 'missed') {
      for (const text of [...markdownTexts(card), ...literalTexts(card)]) for (const sample of MARKUP_SAMPLES) expect(text).not.toContain(sample);
      return;
    }
    expect(markupProblems(card)).toEqual([]);
    const whole = literalTexts(card).filter((text) => text.includes(HOSTILE_TEXT));
    // "Started by …" on every on-demand card; the status sentence too where it names a person or a note.
    // Escalated too: who is on it survives the escalation (issue 14).
    const inStatus = ['acknowledged', 'snoozed', 'overdue', 'escalated', 'done', 'skipped'].includes(status);
    expect(whole.length).toBe(inStatus ? 2 : 1);
  });

  it.each(LOCALES)('%s: the assignee\'s name is a TextRun, shown whole', (locale) => {
    const { o, now } = occurrenceIn('posted');
    const card = renderReminderCard(views.reminder({ ...o, assignee: { aadObjectId: '5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c501', name: HOSTILE_TEXT } }, now, locale));
    expect(markupProblems(card)).toEqual([]);
    // "Started by …", "Assigned to …" and "Waiting for … to take it".
    expect(literalTexts(card).filter((text) => text.includes(HOSTILE_TEXT))).toHaveLength(3);
  });
});

describe('lists and summaries', () => {
  const item = (status: OccurrenceStatus): WorkloadItem => ({
    occurrenceId: `occ-${status}`,
    activityId: 'secure-score-report',
    teamId: 'monitoring',
    status,
    scheduledAt: T0,
    dueAt: T0 + 48 * HOUR,
    acknowledgedBy: MALLORY,
    overdue: status === 'overdue',
  });

  it.each(LOCALES)('tasks and overdue (%s): who is on it is a TextRun', (locale) => {
    for (const heading of [t(locale, 'tasks.title'), t(locale, 'overdue.title')]) {
      const card = renderTaskListCard(views.taskList([item('acknowledged'), item('overdue')], locale, heading, t(locale, 'tasks.empty')));
      expect(markupProblems(card)).toEqual([]);
      expect(literalTexts(card).filter((text) => text.includes(HOSTILE_TEXT))).toHaveLength(2);
    }
  });

  it.each(LOCALES)('workload (%s): who is on each open task is a TextRun', (locale) => {
    const workload: TeamWorkload = {
      teamId: 'monitoring',
      tenantId: 'tenant-1',
      at: T0,
      open: [item('acknowledged'), item('overdue')],
      overdue: [item('overdue')],
      snoozed: [],
      acknowledged: [item('acknowledged')],
      people: [{ aadObjectId: MALLORY.aadObjectId, name: MALLORY.name, open: 2, overdue: 1 }],
      unassigned: { open: 0, overdue: 0 },
      unposted: 0,
      doneLast7Days: 0,
      doneLast30Days: 0,
      upcoming: [],
      stats: { due: 0, doneOnTime: 0, doneLate: 0, skipped: 0, missed: 0, windowDays: 30 },
      weekly: [],
      missedRuns: [],
    };
    const card = renderWorkloadCard(views.workload(workload, locale));
    expect(markupProblems(card)).toEqual([]);
    // Two open tasks and the per-person line each name Mallory, never as markup.
    expect(literalTexts(card).filter((text) => text.includes(HOSTILE_TEXT))).toHaveLength(3);
  });

  it.each(LOCALES)('teams (%s): a channel name people chose is a TextRun', (locale) => {
    const card = renderTeamsListCard({ locale, teams: [{ id: 'monitoring', name: views.teamName('monitoring', locale), channelText: HOSTILE_TEXT, bound: true }] });
    expect(markupProblems(card)).toEqual([]);
  });

  it.each(LOCALES)('escalation (%s): the status sentence names who is on it, in a TextRun', (locale) => {
    const { o, now } = occurrenceIn('escalated');
    // An escalated task acknowledged by Mallory: the escalation card's line for the team names her.
    const card = renderEscalationCard(views.escalation({ activityId: o.activityId, scheduledAt: o.scheduledAt, teamId: 'soc-oversight', tasks: [{ ...o, postedActivityId: 'a1', postedConversationId: '19:c' }], neverToldTeamIds: [] }, now, locale, () => 'https://teams.microsoft.com/l/message/x'));
    expect(markupProblems(card)).toEqual([]);
  });

  it.each(LOCALES)('digest (%s): team names are TextRuns (a catalog could carry anything)', (locale) => {
    const card = renderDigestCard({ locale, periodText: 'Week of 2 Mar 2026', rows: [{ teamName: HOSTILE_TEXT, doneOnTime: 1, doneLate: 0, overdue: 0, skipped: 0, medianText: '—', tasks: [{ label: 'Overdue', title: HOSTILE_TEXT, dueText: 'Wed 2 Dec, 04:51' }] }] });
    expect(markupProblems(card)).toEqual([]);
  });
});

describe('message cards: chat replies and the welcome', () => {
  it.each(LOCALES)('(%s) an echoed command, a channel name and a Teams team name are TextRuns; only help is Markdown', (locale) => {
    for (const text of [
      t(locale, 'unknown.text', { input: HOSTILE_TEXT }),
      t(locale, 'bind.moved', { team: 'Monitoring', previousChannel: HOSTILE_TEXT }),
      t(locale, 'bind.unknownTeam', { input: HOSTILE_TEXT, teamList: 'monitoring' }),
      t(locale, 'welcome.text', { teamName: HOSTILE_TEXT, teamList: 'monitoring' }),
    ]) {
      expect(markupProblems(renderMessageCard({ locale, text }))).toEqual([]);
      expect(markupProblems(renderMessageCard({ locale, title: t(locale, 'welcome.title'), text }))).toEqual([]);
    }
    const help = renderMessageCard(views.help(locale));
    expect(markdownTexts(help)).toContain(t(locale, 'help.text'));
  });
});

describe('inertText (the note Teams shows after a button press)', () => {
  it('reads as typed once the invisible zero-width spaces are gone, and on one line', () => {
    const typed = `${HOSTILE_TEXT}\n# heading`;
    expect(inertText(typed).replace(/\u200B/g, '')).toBe(typed.replace('\n', ' '));
    expect(inertText('Minji Kim')).toBe('Minji Kim');
  });

  it('leaves no link, image, reference, autolink, tag, mention or entity syntax', () => {
    for (const typed of [...MARKUP_SAMPLES, '<https://evil.example>', '[x]: https://evil.example', '<img src=x onerror=alert(1)>', '&#91;x&#93;(https://evil.example)']) {
      const inert = inertText(typed);
      expect([typed, /\]\(|\]:|<[A-Za-z/!?]|&[#A-Za-z]/.test(inert)]).toEqual([typed, false]);
    }
  });

  it('starts no heading, quote or list', () => {
    for (const typed of ['# Admin', '> quoted', '- item', '+ item', '* item', '1. item', '2) item']) {
      expect(inertText(typed).startsWith('\u200B')).toBe(true);
    }
  });
});
