/**
 * The words of issue 15, points 5 and 6, as a person reads them in the rendered cards: dates in Korean as a
 * Korean SOC writes them, counts with the right plural, status banners that do not repeat themselves, status
 * labels that are never raw ids, and the Korean sentences the review asked for, each in the card that carries it.
 */
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { findTeam } from '../../src/catalog/catalog-lookup';
import type { Actor, Occurrence, OccurrenceStatus } from '../../src/reminders/occurrence.types';
import type { WorkloadItem } from '../../src/reminders/workload.types';
import { CardViews, formatRate } from '../../src/teams/card-views.builder';
import { renderNudgeCard, renderReminderCard, renderTaskListCard } from '../../src/teams/cards/card-renderer';
import { formatDateTime, formatDay } from '../../src/teams/formatting';
import { cardStrings, LOCALES, t } from '../../src/teams/i18n';

type Json = Record<string, unknown>;

const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
// 2 Dec 2026, 04:51 in Seoul (a Wednesday); "now" is a day later, the same year.
const DUE = Date.parse('2026-12-01T19:51:00Z');
const NOW = DUE + 86_400_000;
const views = new CardViews(catalog, () => NOW);
const MINJI: Actor = { userId: '29:minji', aadObjectId: 'aad-minji', name: '김민지' };
const STATUSES: readonly OccurrenceStatus[] = ['pending', 'posted', 'acknowledged', 'snoozed', 'overdue', 'escalated', 'done', 'skipped', 'missed'];

/** A status id shown as such: the whole text, or the text before " · " (the status of a line). */
function isRawStatus(text: string): boolean {
  return (STATUSES as readonly string[]).includes(text.split(' · ')[0]!.trim());
}

function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(texts);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, child]) => (['text', 'title', 'value'].includes(key) ? texts(child) : typeof child === 'object' ? texts(child) : []));
  }
  return [];
}

/** The reminder card's status banner as read: the TextRuns of the RichTextBlock in its band, joined. */
function bannerOf(card: Json): string {
  const body = card['body'] as Json[];
  const band = body.find((item) => item['type'] === 'Container')!;
  const find = (node: unknown): Json | undefined => {
    if (Array.isArray(node)) return node.map(find).find(Boolean);
    if (typeof node !== 'object' || node === null) return undefined;
    const json = node as Json;
    return json['type'] === 'RichTextBlock' ? json : find(Object.values(json));
  };
  return (find(band)!['inlines'] as Json[]).map((run) => String(run['text'])).join('');
}

function occurrenceIn(status: OccurrenceStatus): Occurrence {
  const base: Occurrence = {
    id: `occ-${status}`,
    tenantId: 'tenant-1',
    activityId: 'secure-score-report',
    teamId: 'monitoring',
    scheduledAt: DUE - 48 * 3_600_000,
    dueAt: DUE,
    trigger: 'schedule',
    state: 'open',
    createdAt: DUE - 48 * 3_600_000,
    postedAt: DUE - 47 * 3_600_000,
  };
  const acked = { ...base, acknowledgedAt: DUE - 3_600_000, acknowledgedBy: MINJI };
  switch (status) {
    case 'pending':
      return { ...base, postedAt: undefined };
    case 'posted':
      return base;
    case 'acknowledged':
      return { ...acked, dueAt: NOW + 3_600_000 };
    case 'snoozed':
      return { ...acked, dueAt: NOW + 7_200_000, snoozedUntil: NOW + 3_600_000, snoozedByName: '김민지' };
    case 'overdue':
      return { ...base, overdueAt: DUE };
    case 'escalated':
      return { ...acked, overdueAt: DUE, escalatedAt: DUE + 3_600_000 };
    case 'done':
      return { ...acked, state: 'done', closedAt: DUE - 60_000, closedBy: MINJI, closeNote: 'INC-4411' };
    case 'skipped':
      return { ...acked, state: 'skipped', closedAt: DUE - 60_000, closedBy: MINJI, closeNote: '점검 창 변경' };
    case 'missed':
      return { ...base, state: 'missed', postedAt: undefined };
  }
}

describe('dates', () => {
  it('read in Korean as 12월 2일(수) 오전 4:51: no year this year, no zone in the reader\'s own', () => {
    expect(formatDateTime(DUE, 'Asia/Seoul', 'ko', { now: NOW, readerTimeZone: 'Asia/Seoul' })).toBe('12월 2일(수) 오전 4:51');
    expect(formatDateTime(DUE + 12 * 3_600_000, 'Asia/Seoul', 'ko', { now: NOW, readerTimeZone: 'Asia/Seoul' })).toBe('12월 2일(수) 오후 4:51');
    expect(formatDateTime(DUE, 'Asia/Seoul', 'en', { now: NOW, readerTimeZone: 'Asia/Seoul' })).toBe('Wed 2 Dec, 04:51');
  });

  it('name the zone only when it is not the reader\'s, and the year only when it is not this one', () => {
    expect(formatDateTime(DUE, 'Asia/Seoul', 'ko', { now: NOW, readerTimeZone: 'UTC' })).toBe('12월 2일(수) 오전 4:51 GMT+9');
    // Tokyo's clock is Seoul's: nothing to tell the reader.
    expect(formatDateTime(DUE, 'Asia/Tokyo', 'ko', { now: NOW, readerTimeZone: 'Asia/Seoul' })).toBe('12월 2일(수) 오전 4:51');
    const lastYear = DUE - 365 * 86_400_000;
    expect(formatDateTime(lastYear, 'Asia/Seoul', 'ko', { now: NOW, readerTimeZone: 'Asia/Seoul' })).toBe('2025년 12월 2일(화) 오전 4:51');
    expect(formatDateTime(lastYear, 'Asia/Seoul', 'en', { now: NOW, readerTimeZone: 'Asia/Seoul' })).toBe('Tue 2 Dec 2025, 04:51');
  });

  it('show every instant of a minute as that minute, and the next minute as the next, across midnight and the year too', () => {
    const context = { now: NOW, readerTimeZone: 'Asia/Seoul' };
    const minute = DUE - (DUE % 60_000);
    for (const at of [minute, minute + 1, minute + 59_999]) expect(formatDateTime(at, 'Asia/Seoul', 'en', context)).toBe('Wed 2 Dec, 04:51');
    expect(formatDateTime(minute + 60_000, 'Asia/Seoul', 'en', context)).toBe('Wed 2 Dec, 04:52');
    // 23:59:59.999 on 31 December in Seoul, then midnight: another day and another year.
    const newYear = Date.UTC(2026, 11, 31, 15);
    expect(formatDateTime(newYear - 1, 'Asia/Seoul', 'en', context)).toBe('Thu 31 Dec, 23:59');
    expect(formatDateTime(newYear, 'Asia/Seoul', 'en', context)).toBe('Fri 1 Jan 2027, 00:00');
  });

  it('give the digest period as 11월 25일(수)~12월 2일(수)', () => {
    const start = DUE - 7 * 86_400_000;
    const context = { now: NOW, readerTimeZone: 'Asia/Seoul' };
    const period = (locale: 'en' | 'ko') =>
      t(locale, 'digest.period', { start: formatDay(start, 'Asia/Seoul', locale, context), end: formatDay(DUE, 'Asia/Seoul', locale, context) });
    expect(period('ko')).toBe('11월 25일(수)~12월 2일(수)');
    expect(period('en')).toBe('Wed 25 Nov – Wed 2 Dec');
  });

  it('show the completion rate as 100%(1/1) in Korean and 100% (1/1) in English', () => {
    expect(formatRate(1, 1, 1, 'ko')).toBe('100%(1/1)');
    expect(formatRate(0.833, 10, 12, 'en')).toBe('83% (10/12)');
  });
});

describe('counts', () => {
  it('are singular for one and plural otherwise in English, with a counter in Korean', () => {
    expect(t('en', 'bind.pendingPosted', { count: 1 })).toBe('1 open task recorded before the binding will be posted here.');
    expect(t('en', 'bind.pendingPosted', { count: 2 })).toBe('2 open tasks recorded before the binding will be posted here.');
    expect(t('en', 'workload.unposted', { count: 1, team: 'Monitoring' })).toBe('1 open task is recorded but not posted: no channel is bound to Monitoring.');
    expect(t('en', 'workload.unposted', { count: 0, team: 'Monitoring' })).toMatch(/^0 open tasks are/);
    expect(t('ko', 'workload.unposted', { count: 1, team: '모니터링' })).toBe('미완료 작업 1건이 기록되었지만 게시되지 않았습니다. 모니터링 팀에 연결된 채널이 없습니다.');
  });

  it('say a missed run of one fire time as one time, in Korean too, whose plural rules have no "one"', () => {
    const one = { count: 1, first: '12월 1일(화) 오전 9:00', last: '12월 1일(화) 오전 9:00' };
    expect(t('ko', 'workload.missedRun', one)).toBe('12월 1일(화) 오전 9:00 누락');
    expect(t('ko', 'digest.missedRun', one)).toBe('12월 1일(화) 오전 9:00');
    expect(t('ko', 'workload.missedRun', { ...one, count: 3, last: '12월 3일(목) 오전 9:00' })).toBe('12월 1일(화) 오전 9:00~12월 3일(목) 오전 9:00 사이 3회 누락');
    expect(t('en', 'workload.missedRun', { count: 1, first: 'Tue 1 Dec, 09:00', last: 'Tue 1 Dec, 09:00' })).toBe('missed at Tue 1 Dec, 09:00');
  });

  it('refuse a plural sentence without a number to choose by', () => {
    expect(() => t('en', 'bind.pendingPosted')).toThrow(/plural/);
  });
});

describe('the reminder card\'s banner', () => {
  const cases = LOCALES.flatMap((locale) => STATUSES.map((status) => ({ locale, status })));

  it.each(cases)('$locale, $status: says the status once, as a word, never as its id', ({ locale, status }) => {
    const card = renderReminderCard(views.reminder(occurrenceIn(status), NOW, locale));
    const banner = bannerOf(card);
    const label = cardStrings(locale).status[status];
    expect(banner.startsWith(`${label} · `)).toBe(true);
    // "Overdue · Overdue since …" said it twice (issue 15).
    expect(banner.slice(label.length)).not.toContain(label);
    expect(texts(card).filter(isRawStatus)).toEqual([]);
  });

  it('reads in Korean as the review wrote it', () => {
    const banner = (status: OccurrenceStatus) => bannerOf(renderReminderCard(views.reminder(occurrenceIn(status), NOW, 'ko')));
    expect(banner('posted')).toBe('담당자 대기 · 아직 맡은 사람이 없습니다');
    expect(banner('snoozed')).toMatch(/^나중에 알림 · 김민지 님이 12월 3일\(목\) 오전 5:51까지 알림을 미룸$/);
    expect(banner('overdue')).toBe('기한 초과 · 12월 2일(수) 오전 4:51 마감');
    // The team by its own name: SOC 감독 팀, not "SOC Oversight".
    // Who is on it survives the escalation (issue 14: the name disappeared at escalation).
    expect(views.statusText(occurrenceIn('escalated'), NOW, 'ko')).toBe('12월 2일(수) 오전 5:51에 SOC 감독 팀에 에스컬레이션됨, 김민지 님이 처리 중');
    expect(views.statusText({ ...occurrenceIn('escalated'), acknowledgedBy: undefined }, NOW, 'ko')).toBe('12월 2일(수) 오전 5:51에 SOC 감독 팀에 에스컬레이션됨');
    expect(views.statusText(occurrenceIn('escalated'), NOW, 'en')).toMatch(/^Escalated to SOC Oversight at .*; 김민지 is on it$/);
  });

  it('uses one Korean word for snoozing: the button, its submit, the status and the workload count', () => {
    const s = cardStrings('ko');
    expect([s.snooze, s.snoozeSubmit, s.status.snoozed, s.workload.snoozed]).toEqual(['나중에 알림', '나중에 알림', '나중에 알림', '나중에 알림']);
    const card = renderReminderCard(views.reminder(occurrenceIn('posted'), NOW, 'ko'));
    expect(texts(card).filter((x) => /다시 알림|미루기/.test(x))).toEqual([]);
  });

  it('says in Korean why a task started late', () => {
    const card = renderReminderCard(views.reminder({ ...occurrenceIn('posted'), trigger: 'catch-up' }, NOW, 'ko'));
    expect(texts(card)).toContain('봇 중단으로 늦게 게시했습니다(원래 예정: 11월 30일(월) 오전 4:51).');
  });
});

describe('the overdue nudge', () => {
  it('tells a Korean SOC what to do', () => {
    const message = t('ko', 'nudge.overdue', { time: views.time(DUE, 'secure-score-report', 'ko') });
    const card = renderNudgeCard({ locale: 'ko', occurrenceId: 'o', title: '보안 점수 보고서 생성', message, dueText: views.time(DUE, 'secure-score-report', 'ko') });
    expect(texts(card)).toContain('기한(12월 2일(수) 오전 4:51)이 지났습니다. 지금 처리하거나 알림을 미루세요.');
  });
});

describe('the tasks and overdue lists', () => {
  it.each(LOCALES)('%s: show status words, never status ids', (locale) => {
    const items: WorkloadItem[] = STATUSES.map((status, i) => ({
      occurrenceId: `o${i}`,
      activityId: 'secure-score-report',
      teamId: 'monitoring',
      dueAt: DUE,
      status,
      ...(status === 'acknowledged' ? { acknowledgedBy: MINJI } : {}),
    })) as unknown as WorkloadItem[];
    const card = renderTaskListCard(views.taskList(items, locale, t(locale, 'overdue.title'), t(locale, 'overdue.empty')));
    const all = texts(card).join('\n');
    for (const status of STATUSES) expect(all).toContain(cardStrings(locale).status[status]);
    // "Status: escalated", "상태: overdue" (issue 15): an id as the whole status, or leading it.
    expect(texts(card).filter(isRawStatus)).toEqual([]);
    if (locale === 'ko') expect(all).not.toMatch(/[a-z]{4,}/);
  });
});

describe('team names', () => {
  it('match by part of a name, with or without spaces, when one team has it', () => {
    expect(findTeam(catalog, '감독')?.id).toBe('soc-oversight');
    expect(findTeam(catalog, 'soc감독')?.id).toBe('soc-oversight');
    expect(findTeam(catalog, '모니터')?.id).toBe('monitoring');
    expect(findTeam(catalog, 'Oversight')?.id).toBe('soc-oversight');
    expect(findTeam(catalog, 'ing')).toBeUndefined();
    expect(findTeam(catalog, 's')).toBeUndefined();
    expect(findTeam(catalog, '  ')).toBeUndefined();
  });
});
