/**
 * Fire times with the real cron-parser, in each activity's own time zone, across both 2026 DST changes
 * (US: 2026-03-08 and 2026-11-01; EU: 2026-03-29 and 2026-10-25). Time is a parameter: nothing sleeps.
 */
import type { Activity } from '../../src/catalog/catalog.types';
import { ALL_HOURS, workCalendar, type WorkCalendar } from '../../src/catalog/work-calendar';
import { localDate, nextPlannedRun, plannedRunsBefore, plannedRunsBetween, type PlannedRun } from '../../src/reminders/fire-times';
import { DAY, HOUR, MINUTE, SECOND, makeCatalog, ms } from '../support/engine-fixtures';

const NO_SKIPS: ReadonlySet<string> = new Set();

/** A team whose only holidays are `dates` (the catalog's `holidays`/`skipDates`, no country); none: 24×7. */
function calendarWith(dates: ReadonlySet<string>): WorkCalendar {
  return dates.size === 0 ? ALL_HOURS : workCalendar({ allHours: false, holidays: [...dates], workingDays: [] });
}

/** The run times the scheduler plans in (`after`, `until`] for a team with those holidays. */
function fireTimesBetween(activity: Activity, after: number, until: number, holidays: ReadonlySet<string>): number[] {
  return plannedRunsBetween(activity, calendarWith(holidays), after, until).map((r) => r.at);
}

function fireTimesBefore(activity: Activity, before: number, after: number, holidays: ReadonlySet<string>, limit: number): number[] {
  return plannedRunsBefore(activity, calendarWith(holidays), before, after, limit).map((r) => r.at);
}

function nextFireTime(activity: Activity, after: number, holidays: ReadonlySet<string>): number | undefined {
  return nextPlannedRun(activity, calendarWith(holidays), after)?.at;
}

/** One scheduled activity in `timezone`, parsed through the real catalog loader. */
function scheduled(schedule: string, timezone: string): Activity {
  const catalog = makeCatalog(`
teams:
  - id: secops
    name: SecOps
activities:
  - id: task
    title: Task
    description: A task.
    teams: [secops]
    schedule: "${schedule}"
    timezone: ${timezone}
`);
  return catalog.activities[0]!;
}

/** `2026-03-08 09:00:00 GMT-04:00`: the wall-clock time and UTC offset a person in that zone would see. */
function wallClock(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(at);
  const p = (type: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === type)?.value ?? '';
  const offset = p('timeZoneName') === 'GMT' ? 'GMT+00:00' : p('timeZoneName');
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${offset}`;
}

function wallClocks(times: readonly number[], timeZone: string): string[] {
  return times.map((t) => wallClock(t, timeZone));
}

/**
 * The fire times the scheduler sees when it asks every `step` (its heartbeat is 30 s): the union of consecutive
 * windows (t, t + step]. Each scheduler run asks exactly this of `fireTimesBetween`.
 */
function firedInSteps(activity: Activity, from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let t = from; t < to; t += step) out.push(...fireTimesBetween(activity, t, Math.min(t + step, to), NO_SKIPS));
  return out;
}

describe('daily 09:00 fires once a day at 09:00 local time', () => {
  test('Asia/Seoul (no DST): always +09:00, i.e. 00:00 UTC', () => {
    const a = scheduled('0 9 * * *', 'Asia/Seoul');
    const times = fireTimesBetween(a, ms('2026-03-05T00:00:00Z'), ms('2026-03-10T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'Asia/Seoul')).toEqual([
      '2026-03-06 09:00:00 GMT+09:00',
      '2026-03-07 09:00:00 GMT+09:00',
      '2026-03-08 09:00:00 GMT+09:00',
      '2026-03-09 09:00:00 GMT+09:00',
      '2026-03-10 09:00:00 GMT+09:00',
    ]);
    expect(times.map((t) => new Date(t).toISOString())).toEqual([
      '2026-03-06T00:00:00.000Z',
      '2026-03-07T00:00:00.000Z',
      '2026-03-08T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
      '2026-03-10T00:00:00.000Z',
    ]);
  });

  test('America/New_York across spring forward (2026-03-08): EST before, EDT from that day', () => {
    const a = scheduled('0 9 * * *', 'America/New_York');
    const times = fireTimesBetween(a, ms('2026-03-06T12:00:00Z'), ms('2026-03-10T16:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'America/New_York')).toEqual([
      '2026-03-06 09:00:00 GMT-05:00',
      '2026-03-07 09:00:00 GMT-05:00',
      '2026-03-08 09:00:00 GMT-04:00',
      '2026-03-09 09:00:00 GMT-04:00',
      '2026-03-10 09:00:00 GMT-04:00',
    ]);
    // The day of the change is 23 hours long: the UTC gap between the two fires around it is 23 h.
    expect(times[2]! - times[1]!).toBe(23 * HOUR);
  });

  test('America/New_York across fall back (2026-11-01): EDT before, EST from that day', () => {
    const a = scheduled('0 9 * * *', 'America/New_York');
    const times = fireTimesBetween(a, ms('2026-10-30T12:00:00Z'), ms('2026-11-03T16:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'America/New_York')).toEqual([
      '2026-10-30 09:00:00 GMT-04:00',
      '2026-10-31 09:00:00 GMT-04:00',
      '2026-11-01 09:00:00 GMT-05:00',
      '2026-11-02 09:00:00 GMT-05:00',
      '2026-11-03 09:00:00 GMT-05:00',
    ]);
    expect(times[2]! - times[1]!).toBe(25 * HOUR);
  });

  test('Europe/Berlin across spring forward (2026-03-29): CET before, CEST from that day', () => {
    const a = scheduled('0 9 * * *', 'Europe/Berlin');
    const times = fireTimesBetween(a, ms('2026-03-27T00:00:00Z'), ms('2026-03-31T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'Europe/Berlin')).toEqual([
      '2026-03-27 09:00:00 GMT+01:00',
      '2026-03-28 09:00:00 GMT+01:00',
      '2026-03-29 09:00:00 GMT+02:00',
      '2026-03-30 09:00:00 GMT+02:00',
    ]);
  });

  test('Europe/Berlin across fall back (2026-10-25): CEST before, CET from that day', () => {
    const a = scheduled('0 9 * * *', 'Europe/Berlin');
    const times = fireTimesBetween(a, ms('2026-10-23T00:00:00Z'), ms('2026-10-27T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'Europe/Berlin')).toEqual([
      '2026-10-23 09:00:00 GMT+02:00',
      '2026-10-24 09:00:00 GMT+02:00',
      '2026-10-25 09:00:00 GMT+01:00',
      '2026-10-26 09:00:00 GMT+01:00',
    ]);
  });

  test('the same schedule fires at different instants in different zones', () => {
    const after = ms('2026-05-31T20:00:00Z');
    const until = ms('2026-06-01T19:00:00Z');
    const at = (tz: string) => fireTimesBetween(scheduled('0 9 * * *', tz), after, until, NO_SKIPS).map((t) => new Date(t).toISOString());
    expect(at('Asia/Seoul')).toEqual(['2026-06-01T00:00:00.000Z']);
    expect(at('Europe/Berlin')).toEqual(['2026-06-01T07:00:00.000Z']);
    expect(at('America/New_York')).toEqual(['2026-06-01T13:00:00.000Z']);
  });
});

describe('a time in the skipped hour of spring forward fires once, at the next valid time', () => {
  test('Europe/Berlin 02:30 on 2026-03-29 fires once at 03:30 CEST', () => {
    const a = scheduled('30 2 * * *', 'Europe/Berlin');
    const times = fireTimesBetween(a, ms('2026-03-28T00:00:00Z'), ms('2026-03-31T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'Europe/Berlin')).toEqual([
      '2026-03-28 02:30:00 GMT+01:00',
      '2026-03-29 03:30:00 GMT+02:00',
      '2026-03-30 02:30:00 GMT+02:00',
    ]);
  });

  test('America/New_York 02:30 on 2026-03-08 fires once at 03:30 EDT', () => {
    const a = scheduled('30 2 * * *', 'America/New_York');
    const times = fireTimesBetween(a, ms('2026-03-07T00:00:00Z'), ms('2026-03-10T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'America/New_York')).toEqual([
      '2026-03-07 02:30:00 GMT-05:00',
      '2026-03-08 03:30:00 GMT-04:00',
      '2026-03-09 02:30:00 GMT-04:00',
    ]);
  });

  // The scheduler asks for (checkpoint, now] on every 30 s heartbeat. The window that holds 03:30 starts after the
  // gap, so the skipped 02:30 must still come out of it, or the task silently never fires that day.
  test('asked in 30-second steps through the night, as the scheduler does, Berlin 02:30 still fires once at 03:30', () => {
    const a = scheduled('30 2 * * *', 'Europe/Berlin');
    const fired = firedInSteps(a, ms('2026-03-28T23:00:00Z'), ms('2026-03-29T04:00:00Z'), 30 * SECOND);
    expect(wallClocks(fired, 'Europe/Berlin')).toEqual(['2026-03-29 03:30:00 GMT+02:00']);
  });

  test('asked in 30-second steps through the night, as the scheduler does, New York 02:30 still fires once at 03:30', () => {
    const a = scheduled('30 2 * * *', 'America/New_York');
    const fired = firedInSteps(a, ms('2026-03-08T05:00:00Z'), ms('2026-03-08T10:00:00Z'), 30 * SECOND);
    expect(wallClocks(fired, 'America/New_York')).toEqual(['2026-03-08 03:30:00 GMT-04:00']);
  });
});

describe('a time in the repeated hour of fall back fires exactly once', () => {
  test('America/New_York 01:30 on 2026-11-01 fires once (at the first 01:30, EDT)', () => {
    const a = scheduled('30 1 * * *', 'America/New_York');
    const times = fireTimesBetween(a, ms('2026-10-31T00:00:00Z'), ms('2026-11-03T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'America/New_York')).toEqual([
      '2026-10-31 01:30:00 GMT-04:00',
      '2026-11-01 01:30:00 GMT-04:00',
      '2026-11-02 01:30:00 GMT-05:00',
    ]);
  });

  test('Europe/Berlin 02:30 on 2026-10-25 fires once (at the first 02:30, CEST)', () => {
    const a = scheduled('30 2 * * *', 'Europe/Berlin');
    const times = fireTimesBetween(a, ms('2026-10-24T00:00:00Z'), ms('2026-10-27T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'Europe/Berlin')).toEqual([
      '2026-10-24 02:30:00 GMT+02:00',
      '2026-10-25 02:30:00 GMT+02:00',
      '2026-10-26 02:30:00 GMT+01:00',
    ]);
  });

  // The scheduler asks for (checkpoint, now] on every 30 s heartbeat, so a window that starts inside the second
  // pass of the repeated hour must not yield the repeated 01:30 again: that would post the task twice that night.
  test('asked in 30-second steps through the night, as the scheduler does, New York 01:30 still fires once', () => {
    const a = scheduled('30 1 * * *', 'America/New_York');
    const fired = firedInSteps(a, ms('2026-11-01T04:00:00Z'), ms('2026-11-01T08:00:00Z'), 30 * SECOND);
    expect(wallClocks(fired, 'America/New_York')).toEqual(['2026-11-01 01:30:00 GMT-04:00']);
  });

  test('asked in 30-second steps through the night, as the scheduler does, Berlin 02:30 still fires once', () => {
    const a = scheduled('30 2 * * *', 'Europe/Berlin');
    const fired = firedInSteps(a, ms('2026-10-24T23:00:00Z'), ms('2026-10-25T03:00:00Z'), 30 * SECOND);
    expect(wallClocks(fired, 'Europe/Berlin')).toEqual(['2026-10-25 02:30:00 GMT+02:00']);
  });
});

describe('fireTimesBefore (used for misses older than the catch-up window)', () => {
  test('lists the newest first and stops at the limit', () => {
    const a = scheduled('0 9 * * *', 'Asia/Seoul');
    const times = fireTimesBefore(a, ms('2026-03-10T00:00:00Z'), ms('2026-03-01T00:00:00Z'), NO_SKIPS, 3);
    expect(wallClocks(times, 'Asia/Seoul')).toEqual([
      '2026-03-09 09:00:00 GMT+09:00',
      '2026-03-08 09:00:00 GMT+09:00',
      '2026-03-07 09:00:00 GMT+09:00',
    ]);
  });

  // A miss is recorded per fire time: walking back must see the same fire times as walking forward, or a
  // spring-forward day goes unrecorded and a fall-back day is recorded as missed twice.
  test.each([
    ['Europe/Berlin', '30 2 * * *', '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z'],
    ['Europe/Berlin', '30 2 * * *', '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z'],
    ['America/New_York', '30 2 * * *', '2026-03-06T12:00:00Z', '2026-03-10T12:00:00Z'],
    ['America/New_York', '30 1 * * *', '2026-10-30T12:00:00Z', '2026-11-03T12:00:00Z'],
    ['America/New_York', '0 9 * * *', '2026-03-06T12:00:00Z', '2026-03-10T16:00:00Z'],
  ])('%s "%s" from %s to %s: the same fire times as fireTimesBetween, newest first', (tz, schedule, from, to) => {
    const a = scheduled(schedule, tz);
    const forward = fireTimesBetween(a, ms(from), ms(to), NO_SKIPS);
    const backward = fireTimesBefore(a, ms(to), ms(from), NO_SKIPS, 100);
    expect(wallClocks(backward, tz)).toEqual(wallClocks([...forward].reverse(), tz));
  });
});

describe('6-field (seconds) cron', () => {
  test('fires at the given second in the zone', () => {
    const a = scheduled('15 30 9 * * *', 'Asia/Seoul');
    const times = fireTimesBetween(a, ms('2026-03-06T00:00:00Z'), ms('2026-03-08T00:00:00Z'), NO_SKIPS);
    expect(wallClocks(times, 'Asia/Seoul')).toEqual(['2026-03-06 09:30:15 GMT+09:00', '2026-03-07 09:30:15 GMT+09:00']);
  });

  test('every 20 seconds fires three times a minute, the window start excluded and its end included', () => {
    const a = scheduled('*/20 * * * * *', 'Europe/Berlin');
    const from = ms('2026-05-01T10:00:00Z');
    const times = fireTimesBetween(a, from, from + MINUTE, NO_SKIPS);
    expect(times.map((t) => (t - from) / SECOND)).toEqual([20, 40, 60]);
  });
});

describe('skip dates are read in the activity time zone', () => {
  test('localDate is the calendar date where the activity lives, not in UTC', () => {
    const at = ms('2026-03-09T23:00:00Z');
    expect(localDate(at, 'Asia/Seoul')).toBe('2026-03-10');
    expect(localDate(at, 'UTC')).toBe('2026-03-09');
    expect(localDate(at, 'America/New_York')).toBe('2026-03-09');
  });

  test('Seoul 08:00 (23:00 UTC the day before) is skipped on the Seoul date, not the UTC date', () => {
    const a = scheduled('0 8 * * *', 'Asia/Seoul');
    const skip = new Set(['2026-03-10']);
    const times = fireTimesBetween(a, ms('2026-03-08T00:00:00Z'), ms('2026-03-11T00:00:00Z'), skip);
    // 2026-03-09T23:00Z is 08:00 on 10 March in Seoul: skipped. 2026-03-10T23:00Z is 11 March there: fires.
    expect(wallClocks(times, 'Asia/Seoul')).toEqual([
      '2026-03-09 08:00:00 GMT+09:00',
      '2026-03-11 08:00:00 GMT+09:00',
    ]);
    expect(calendarWith(skip).holidayOn(localDate(ms('2026-03-09T23:00:00Z'), 'Asia/Seoul'))).toBeDefined();
    expect(calendarWith(skip).holidayOn(localDate(ms('2026-03-10T23:00:00Z'), 'Asia/Seoul'))).toBeUndefined();
  });

  test('New York 21:00 (01:00 UTC the next day) is skipped on the New York date', () => {
    const a = scheduled('0 21 * * *', 'America/New_York');
    const after = ms('2026-06-08T12:00:00Z');
    const until = ms('2026-06-11T12:00:00Z');
    expect(wallClocks(fireTimesBetween(a, after, until, new Set(['2026-06-09'])), 'America/New_York')).toEqual([
      '2026-06-08 21:00:00 GMT-04:00',
      '2026-06-10 21:00:00 GMT-04:00',
    ]);
    // The UTC date of the 9 June fire is 10 June: skipping 10 June drops the 10 June (local) fire instead.
    expect(wallClocks(fireTimesBetween(a, after, until, new Set(['2026-06-10'])), 'America/New_York')).toEqual([
      '2026-06-08 21:00:00 GMT-04:00',
      '2026-06-09 21:00:00 GMT-04:00',
    ]);
  });
});

describe('nextFireTime', () => {
  test('is the next fire strictly after the instant', () => {
    const a = scheduled('0 9 * * *', 'Asia/Seoul');
    expect(nextFireTime(a, ms('2026-03-09T00:00:00Z'), NO_SKIPS)).toBe(ms('2026-03-10T00:00:00Z'));
    expect(nextFireTime(a, ms('2026-03-09T00:00:00Z') - 1, NO_SKIPS)).toBe(ms('2026-03-09T00:00:00Z'));
  });

  test('skips skip dates, several in a row', () => {
    const a = scheduled('0 8 * * *', 'Asia/Seoul');
    const next = nextFireTime(a, ms('2026-03-09T00:00:00Z'), new Set(['2026-03-10', '2026-03-11']));
    expect(wallClock(next!, 'Asia/Seoul')).toBe('2026-03-12 08:00:00 GMT+09:00');
  });

  test('across spring forward lands on the next valid local time', () => {
    const a = scheduled('30 2 * * *', 'Europe/Berlin');
    const next = nextFireTime(a, ms('2026-03-28T12:00:00Z'), NO_SKIPS);
    expect(wallClock(next!, 'Europe/Berlin')).toBe('2026-03-29 03:30:00 GMT+02:00');
  });

  test('asked after the spring-forward gap began but before 03:30, Berlin 02:30 is next at 03:30 that day', () => {
    const a = scheduled('30 2 * * *', 'Europe/Berlin');
    // 01:15 UTC is 03:15 CEST: the 02:30 of that day has not fired yet (it fires at 03:30 CEST).
    const next = nextFireTime(a, ms('2026-03-29T01:15:00Z'), NO_SKIPS);
    expect(wallClock(next!, 'Europe/Berlin')).toBe('2026-03-29 03:30:00 GMT+02:00');
  });

  test('is undefined for an activity without a schedule', () => {
    const catalog = makeCatalog(`
teams: [{ id: secops, name: SecOps }]
activities:
  - { id: adhoc, title: Ad hoc, description: By hand., teams: [secops] }
`);
    expect(nextFireTime(catalog.activities[0]!, ms('2026-03-09T00:00:00Z'), NO_SKIPS)).toBeUndefined();
    expect(fireTimesBetween(catalog.activities[0]!, 0, ms('2026-03-09T00:00:00Z'), NO_SKIPS)).toEqual([]);
  });

  test('a weekly schedule with every date of 2026 a holiday: skipped, it fires on the first Monday of 2027', () => {
    const a: Activity = { ...scheduled('0 9 * * 1', 'Asia/Seoul'), onHoliday: 'skip' };
    const start = ms('2025-12-31T15:00:00Z'); // 2026-01-01 00:00 in Seoul
    const skip = new Set<string>();
    for (let d = 0; d < 365; d++) skip.add(localDate(start + d * DAY, 'Asia/Seoul'));
    expect(wallClock(nextFireTime(a, start, skip)!, 'Asia/Seoul')).toBe('2027-01-04 09:00:00 GMT+09:00');
    // Moved instead (the weekly default), Monday 28 December's run lands on the first working day: Friday 1 January.
    const moved = nextFireTime({ ...a, onHoliday: 'next-working-day' }, start, skip);
    expect(wallClock(moved!, 'Asia/Seoul')).toBe('2027-01-01 09:00:00 GMT+09:00');
  });
});

describe('plannedRunsBetween (holiday calendars, issue 15.1)', () => {
  const KR = workCalendar({ country: 'KR', allHours: false, holidays: [], workingDays: [] });
  const SEOUL = 'Asia/Seoul';
  const october = [ms('2026-09-30T15:00:00Z'), ms('2026-10-31T15:00:00Z')] as const;
  const withHoliday = (schedule: string, onHoliday?: 'skip' | 'next-working-day'): Activity => ({ ...scheduled(schedule, SEOUL), ...(onHoliday && { onHoliday }) });
  const moves = (runs: readonly PlannedRun[]) =>
    runs.map((r) => [wallClock(r.at, SEOUL), r.moved && wallClock(r.moved.from, SEOUL), r.moved?.holiday.ko]);

  it('moves the weekly Monday run off 2026-10-05 (개천절 대체공휴일) to Tuesday at the same time', () => {
    const runs = plannedRunsBetween(withHoliday('0 10 * * 1'), KR, ...october);
    expect(moves(runs)).toEqual([
      ['2026-10-06 10:00:00 GMT+09:00', '2026-10-05 10:00:00 GMT+09:00', '개천절 (대체공휴일)'],
      ['2026-10-12 10:00:00 GMT+09:00', undefined, undefined],
      ['2026-10-19 10:00:00 GMT+09:00', undefined, undefined],
      ['2026-10-26 10:00:00 GMT+09:00', undefined, undefined],
    ]);
    expect(runs[0]!.moved!.holiday.en).toBe('National Foundation Day (substitute day)');
  });

  it("keeps October's only monthly run (first Monday), moved to 10-06", () => {
    expect(moves(plannedRunsBetween(withHoliday('0 10 * * 1#1'), KR, ...october))).toEqual([
      ['2026-10-06 10:00:00 GMT+09:00', '2026-10-05 10:00:00 GMT+09:00', '개천절 (대체공휴일)'],
    ]);
  });

  it('skips daily work on holidays (10-05 and 한글날 10-09) instead of doubling the next day', () => {
    const days = plannedRunsBetween(withHoliday('0 9 * * 1-5'), KR, ms('2026-10-04T15:00:00Z'), ms('2026-10-09T15:00:00Z')).map((r) => localDate(r.at, SEOUL));
    expect(days).toEqual(['2026-10-06', '2026-10-07', '2026-10-08']);
  });

  it('does not touch a Friday run before a Monday holiday, and skips weekends when moving (추석 Thursday → Monday)', () => {
    expect(moves(plannedRunsBetween(withHoliday('0 10 * * 5'), KR, ms('2026-10-01T15:00:00Z'), ms('2026-10-02T15:00:00Z')))).toEqual([
      ['2026-10-02 10:00:00 GMT+09:00', undefined, undefined],
    ]);
    // 추석 2026 is Thursday 09-24 to Saturday 09-26; the next working day after Thursday is Monday 09-28.
    expect(moves(plannedRunsBetween(withHoliday('0 10 * * 4'), KR, ms('2026-09-20T15:00:00Z'), ms('2026-09-28T15:00:00Z')))).toEqual([
      ['2026-09-28 10:00:00 GMT+09:00', '2026-09-24 10:00:00 GMT+09:00', '추석'],
    ]);
  });

  it('moves nothing for a 24×7 team', () => {
    const runs = plannedRunsBetween(withHoliday('0 10 * * 1#1'), ALL_HOURS, ...october);
    expect(moves(runs)).toEqual([['2026-10-05 10:00:00 GMT+09:00', undefined, undefined]]);
  });

  it('gives each moved run to exactly one of a run of back-to-back windows, as the scheduler asks every 30 s', () => {
    const activity = withHoliday('0 10 * * 1');
    const whole = plannedRunsBetween(activity, KR, ...october).map((r) => r.at);
    const stepped: number[] = [];
    for (let t = october[0]; t < october[1]; t += 6 * HOUR) stepped.push(...plannedRunsBetween(activity, KR, t, Math.min(t + 6 * HOUR, october[1])).map((r) => r.at));
    expect(stepped).toEqual(whole);
  });

  it('merges a moved run into a run the activity has anyway at that time (one card, not two)', () => {
    const runs = plannedRunsBetween(withHoliday('0 10 * * 1,2'), KR, ms('2026-10-04T15:00:00Z'), ms('2026-10-06T15:00:00Z'));
    expect(moves(runs)).toEqual([['2026-10-06 10:00:00 GMT+09:00', undefined, undefined]]);
  });

  it('reads extra holidays (skipDates) and working days, and honours onHoliday: skip on weekly work', () => {
    const calendar = workCalendar({ allHours: false, holidays: ['2026-12-28'], workingDays: ['2026-10-05'] });
    expect(moves(plannedRunsBetween(withHoliday('0 10 * * 1'), calendar, ms('2026-12-27T15:00:00Z'), ms('2026-12-29T15:00:00Z')))).toEqual([
      ['2026-12-29 10:00:00 GMT+09:00', '2026-12-28 10:00:00 GMT+09:00', '카탈로그 지정 휴일'],
    ]);
    const krWorking = workCalendar({ country: 'KR', allHours: false, holidays: [], workingDays: ['2026-10-05'] });
    expect(moves(plannedRunsBetween(withHoliday('0 10 * * 1'), krWorking, ms('2026-10-04T15:00:00Z'), ms('2026-10-05T15:00:00Z')))).toEqual([
      ['2026-10-05 10:00:00 GMT+09:00', undefined, undefined],
    ]);
    expect(plannedRunsBetween(withHoliday('0 10 * * 1', 'skip'), KR, ms('2026-10-04T15:00:00Z'), ms('2026-10-07T15:00:00Z'))).toEqual([]);
  });

  it('nextPlannedRun answers the moved time', () => {
    expect(nextPlannedRun(withHoliday('0 10 * * 1'), KR, ms('2026-10-04T15:00:00Z'))?.at).toBe(ms('2026-10-06T01:00:00Z'));
  });
});
