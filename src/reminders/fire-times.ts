/**
 * When scheduled activities run: pure functions over cron-parser, in each activity's time zone, and over each
 * team's working calendar (a holiday skips a run or moves it to the next working day: `plannedRunsBetween`).
 * DST behaviour is cron-parser's: a time in a skipped hour fires once at the next valid time
 * (Europe/Berlin 02:30 on the spring-forward day fires at 03:30); a repeated hour fires once.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { Activity } from '../catalog/catalog.types';
import type { HolidayName, WorkCalendar } from '../catalog/work-calendar';

// Parsing a cron expression in a time zone costs about a third of a millisecond, moving a parsed one to another
// start (`reset`) a tenth of that: keep one per (zone, expression). Sharing one is safe because every use below
// runs synchronously from its reset to its last next().
const expressions = new Map<string, CronExpression>();

/** The parsed `schedule` in `timeZone`, counting from `from` (exclusive), as a fresh parse would. */
function cronFrom(schedule: string, timeZone: string, from: number): CronExpression {
  const key = `${timeZone}\n${schedule}`;
  let expression = expressions.get(key);
  if (!expression) {
    expression = CronExpressionParser.parse(schedule, { tz: timeZone });
    expressions.set(key, expression);
  }
  expression.reset(new Date(from));
  return expression;
}

// Building an Intl.DateTimeFormat costs far more than using one: keep one per time zone.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: number, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  // en-CA formats dates as YYYY-MM-DD.
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, f);
  }
  return f.format(at);
}

/** The UTC offset (ms) of a time zone at an instant. */
export function offsetMs(at: number, timeZone: string): number {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormats.set(timeZone, f);
  }
  const name = f.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3] ?? 0) * 60_000);
}

/** Longer than any daylight-saving shift. */
const DST_LOOKBACK_MS = 3 * 3_600_000;

/**
 * Fire times of a cron expression in a time zone in (`after`, `until`], oldest first, at most `limit`, with no
 * holiday applied (`plannedRunsBetween` applies a team's calendar).
 *
 * cron-parser only yields the shifted time of a skipped hour (02:30 → 03:30) when it starts counting before
 * the gap, and yields a repeated hour's time a second time when it starts inside the repeat. So when the
 * offset changes near the range, counting starts 3 h early and the early times are dropped; elsewhere it starts
 * at `after` (per-second schedules would otherwise walk 10,800 steps on every call).
 */
export function cronTimesBetween(schedule: string, timeZone: string, after: number, until: number, limit = 100_000): number[] {
  if (until <= after) return [];
  // No endDate and no hasNext(): with a time zone each step costs about a millisecond, and hasNext() takes one.
  const it = cronFrom(schedule, timeZone, countingStart(timeZone, after, until));
  const out: number[] = [];
  while (out.length < limit) {
    const t = it.next().getTime();
    if (t <= after) continue;
    if (t > until) break;
    out.push(t);
  }
  return out;
}

/** Where cron-parser must start counting to see (`after`, `until`] right across a daylight-saving change. */
function countingStart(timeZone: string, after: number, until: number): number {
  const nearDst = offsetMs(after - DST_LOOKBACK_MS, timeZone) !== offsetMs(until + DST_LOOKBACK_MS, timeZone);
  return nearDst ? after - DST_LOOKBACK_MS : after;
}

/** A run of an activity for one team's calendar: when it fires and, when a holiday moved it, from when and why. */
export interface PlannedRun {
  readonly at: number;
  readonly moved?: { readonly from: number; readonly holiday: HolidayName };
}

/** How far back a holiday may push a run forward: longer than any run of holidays and weekends (추석 + 대체공휴일). */
const MAX_MOVE_DAYS = 14;

/**
 * The runs of `activity` in (`after`, `until`] for a team with `calendar`, oldest first.
 *
 * A fire time on a holiday is dropped (`onHoliday: skip`) or moved to the same wall-clock time on the next working
 * day (`next-working-day`; Saturdays and Sundays are not working days). A moved run takes its new time as its
 * scheduled time, so the unique key (tenant, activity, team, scheduled time) is the moved time: every process that
 * reads the same catalog computes the same moved time, so a restart, a catch-up and a second replica all land on
 * the same key. A moved run that lands on a time the activity fires anyway is the same run (one card, not two).
 * Runs moved into the range from holidays before `after` are included; runs moved out past `until` belong to the
 * range they land in.
 */
export function plannedRunsBetween(activity: Activity, calendar: WorkCalendar, after: number, until: number, limit = 100_000): PlannedRun[] {
  if (!activity.schedule || until <= after) return [];
  const tz = activity.timezone;
  // Without holidays this is the plain cron walk: no local date to format per fire time.
  if (calendar.noHolidays) return cronTimesBetween(activity.schedule, tz, after, until, limit).map((at) => ({ at }));
  // Not limited: a skipped or moved fire time does not count towards `limit`.
  const natural = cronTimesBetween(activity.schedule, tz, after, until);
  const kept = new Map<number, PlannedRun>();
  const moved: PlannedRun[] = [];
  for (const t of natural) {
    const holiday = calendar.holidayOn(localDate(t, tz));
    if (!holiday) kept.set(t, { at: t });
    else if (activity.onHoliday === 'next-working-day') {
      const at = nextWorkingDaySameTime(t, tz, calendar);
      if (at !== undefined && at <= until) moved.push({ at, moved: { from: t, holiday } });
    }
  }
  if (activity.onHoliday === 'next-working-day') {
    // Earlier holidays may push runs into this range: look only at the holiday dates before it.
    for (const day of holidayDatesBefore(after, tz, calendar)) {
      for (const t of cronTimesOnDate(activity.schedule, tz, day)) {
        if (t > after) continue;
        const at = nextWorkingDaySameTime(t, tz, calendar);
        if (at !== undefined && at > after && at <= until) moved.push({ at, moved: { from: t, holiday: calendar.holidayOn(day)! } });
      }
    }
  }
  // The first run moved onto a time wins (the earliest holiday, as the list is oldest first).
  for (const run of moved.sort((a, b) => a.moved!.from - b.moved!.from)) if (!kept.has(run.at)) kept.set(run.at, run);
  return [...kept.values()].sort((a, b) => a.at - b.at).slice(0, limit);
}

/** The first planned run strictly after `after`, for the team's calendar; undefined when none within about a year. */
export function nextPlannedRun(activity: Activity, calendar: WorkCalendar, after: number): PlannedRun | undefined {
  if (!activity.schedule) return undefined;
  // Growing windows: a per-second schedule answers in the first hour, a yearly one within nine doublings.
  for (let span = 3_600_000; span <= 800 * 86_400_000; span *= 2) {
    const runs = plannedRunsBetween(activity, calendar, after, after + span);
    if (runs.length > 0) return runs[0];
  }
  return undefined;
}

/**
 * Up to `limit` planned runs in (`after`, `before`), newest first. Walks back in growing chunks through
 * `plannedRunsBetween` (cron-parser's own prev() mishandles daylight-saving days).
 */
export function plannedRunsBefore(activity: Activity, calendar: WorkCalendar, before: number, after: number, limit: number): PlannedRun[] {
  if (!activity.schedule || before <= after) return [];
  const out: PlannedRun[] = [];
  let hi = before - 1;
  let span = 3_600_000;
  while (out.length < limit && hi > after) {
    const lo = Math.max(after, hi - span);
    const chunk = plannedRunsBetween(activity, calendar, lo, hi);
    for (let i = chunk.length - 1; i >= 0 && out.length < limit; i--) out.push(chunk[i]);
    hi = lo;
    span *= 2;
  }
  return out;
}

/** Holiday dates in the MAX_MOVE_DAYS local days up to and including the one of `at`. */
function holidayDatesBefore(at: number, tz: string, calendar: WorkCalendar): string[] {
  const out: string[] = [];
  const today = localDate(at, tz);
  for (let d = MAX_MOVE_DAYS; d >= 0; d--) {
    const day = addDays(today, -d);
    if (calendar.holidayOn(day)) out.push(day);
  }
  return out;
}

/** Fire times of a schedule on one local date. */
function cronTimesOnDate(schedule: string, tz: string, date: string): number[] {
  const midnight = localToInstant(date, 0, tz);
  // ±3 h covers a daylight-saving day; the date check keeps only that day's times.
  return cronTimesBetween(schedule, tz, midnight - DST_LOOKBACK_MS, midnight + 86_400_000 + DST_LOOKBACK_MS).filter((t) => localDate(t, tz) === date);
}

/** The same wall-clock time as `t` on the first working day after its local date, within MAX_MOVE_DAYS. */
function nextWorkingDaySameTime(t: number, tz: string, calendar: WorkCalendar): number | undefined {
  const date = localDate(t, tz);
  const sinceMidnight = t + offsetMs(t, tz) - Date.parse(`${date}T00:00:00Z`);
  for (let d = 1; d <= MAX_MOVE_DAYS; d++) {
    const day = addDays(date, d);
    if (calendar.isWorkingDay(day)) return localToInstant(day, sinceMidnight, tz);
  }
  return undefined;
}

/** The instant `msIntoDay` after local midnight of `date` in `tz` (a wall-clock reading, so 09:00 stays 09:00 across DST). */
function localToInstant(date: string, msIntoDay: number, tz: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + msIntoDay;
  // Two rounds settle the offset unless the wall time sits in a daylight-saving gap (then it lands an hour on).
  let at = wall - offsetMs(wall, tz);
  at = wall - offsetMs(at, tz);
  return at;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
