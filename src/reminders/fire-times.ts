/**
 * When scheduled activities fire: pure functions over cron-parser, in each activity's time zone.
 * DST behaviour is cron-parser's: a time in a skipped hour fires once at the next valid time
 * (Europe/Berlin 02:30 on the spring-forward day fires at 03:30); a repeated hour fires once.
 */
import { CronExpressionParser } from 'cron-parser';
import type { Activity } from '../catalog/catalog.types';

/** The local calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: number, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** True when the instant falls on one of the catalog's skip dates in the activity's time zone. */
export function isSkipped(at: number, timeZone: string, skipDates: ReadonlySet<string>): boolean {
  return skipDates.size > 0 && skipDates.has(localDate(at, timeZone));
}

/**
 * Fire times of `activity` in (`after`, `until`], oldest first, without skip dates; at most `limit`
 * (the newest are dropped when the limit is hit, so callers that need the newest use `fireTimesBefore`).
 */
export function fireTimesBetween(activity: Activity, after: number, until: number, skipDates: ReadonlySet<string>, limit = 100_000): number[] {
  if (!activity.schedule) return [];
  return cronTimesBetween(activity.schedule, activity.timezone, after, until, skipDates, limit);
}

/** Fire times of a cron expression in a time zone in (`after`, `until`], oldest first, at most `limit`. */
export function cronTimesBetween(schedule: string, timeZone: string, after: number, until: number, skipDates: ReadonlySet<string> = new Set(), limit = 100_000): number[] {
  if (until <= after) return [];
  const it = CronExpressionParser.parse(schedule, { currentDate: new Date(after), endDate: new Date(until), tz: timeZone });
  const out: number[] = [];
  while (out.length < limit && it.hasNext()) {
    const t = it.next().getTime();
    if (t <= after) continue;
    if (t > until) break;
    if (!isSkipped(t, timeZone, skipDates)) out.push(t);
  }
  return out;
}

/** Up to `limit` fire times of `activity` in (`after`, `before`), newest first, without skip dates. */
export function fireTimesBefore(activity: Activity, before: number, after: number, skipDates: ReadonlySet<string>, limit: number): number[] {
  if (!activity.schedule || before <= after) return [];
  const it = CronExpressionParser.parse(activity.schedule, {
    currentDate: new Date(before),
    startDate: new Date(after),
    tz: activity.timezone,
  });
  const out: number[] = [];
  while (out.length < limit && it.hasPrev()) {
    const t = it.prev().getTime();
    if (t >= before) continue;
    if (t <= after) break;
    if (!isSkipped(t, activity.timezone, skipDates)) out.push(t);
  }
  return out;
}

/** The next fire time strictly after `after`, skipping skip dates; undefined for on-demand activities. */
export function nextFireTime(activity: Activity, after: number, skipDates: ReadonlySet<string>): number | undefined {
  if (!activity.schedule) return undefined;
  const it = CronExpressionParser.parse(activity.schedule, { currentDate: new Date(after), tz: activity.timezone });
  // A long run of skip dates is bounded: a year of daily slots at most.
  for (let i = 0; i < 400 && it.hasNext(); i++) {
    const t = it.next().getTime();
    if (t > after && !isSkipped(t, activity.timezone, skipDates)) return t;
  }
  return undefined;
}
