/**
 * A team's quiet hours (`quietHours: 22:00-08:00` in its zone): no nudge or escalation is delivered to the team in
 * them. Times are wall-clock minutes in the team's IANA zone, read with the same offset logic as fire-times.ts, so
 * a night that spans a daylight-saving change still ends at 08:00 local time (one hour earlier or later in UTC).
 */
import type { QuietHours } from '../catalog/catalog.types';
import { offsetMs } from './fire-times';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Minutes after local midnight of `at` in `timeZone`. */
function localMinute(at: number, timeZone: string): number {
  const local = at + offsetMs(at, timeZone);
  return Math.floor((((local % DAY) + DAY) % DAY) / MINUTE);
}

/**
 * The instant at which the wall clock of `timeZone` shows `minute` on the local day that `at`'s wall clock is on
 * plus `days`. A wall time that does not exist (the hour skipped in spring) comes out as the instant after the gap.
 */
function wallTime(at: number, timeZone: string, days: number, minute: number): number {
  const local = at + offsetMs(at, timeZone);
  const wall = local - (((local % DAY) + DAY) % DAY) + days * DAY + minute * MINUTE;
  // The offset at the answer may differ from the offset at `at` (a DST change in between): settle it twice.
  const first = wall - offsetMs(wall - offsetMs(at, timeZone), timeZone);
  return wall - offsetMs(first, timeZone);
}

/** True when `minute` lies in [start, end), wrapping past midnight when start > end. */
function inWindow(q: QuietHours, minute: number): boolean {
  if (q.startMinute === q.endMinute) return false;
  return q.startMinute < q.endMinute ? minute >= q.startMinute && minute < q.endMinute : minute >= q.startMinute || minute < q.endMinute;
}

/**
 * When the quiet hours `at` falls in end; undefined when `at` is not in quiet hours (or there are none). Always
 * later than `at`, so that waiting for it makes progress.
 */
export function quietUntil(quiet: QuietHours | undefined, at: number): number | undefined {
  if (!quiet) return undefined;
  const minute = localMinute(at, quiet.timezone);
  if (!inWindow(quiet, minute)) return undefined;
  // The end is today's end minute when it is still ahead on the wall clock, else tomorrow's.
  const end = wallTime(at, quiet.timezone, minute < quiet.endMinute ? 0 : 1, quiet.endMinute);
  return end > at ? end : at + MINUTE;
}
