/**
 * "What is this team's workload?": open, overdue, snoozed and acknowledged tasks, what is coming (including
 * fire times not created yet), and how the team has done: completion rate and median time to done.
 *
 * Completion rate = tasks done by their due time / tasks whose due time has passed in the window, where
 * skipped tasks (closed on purpose, with a reason) and missed ones (never posted: the bot was down) are
 * counted apart and left out of the denominator.
 */
import type { Catalog } from '../catalog/catalog.types';
import { countDoneSince, listForStats, listOpenOccurrences, listOpenOccurrencesOfPerson, listScheduledBetween, type Db } from '../storage/occurrence.repository';
import type { Activity } from '../catalog/catalog.types';
import { ALL_HOURS, workCalendar, type WorkCalendar } from '../catalog/work-calendar';
import { offsetMs, plannedRunsBetween } from './fire-times';
import { statusOf, type Occurrence } from './occurrence.types';
import { MAX_DIGEST_TASKS, type DigestMissedRun, type DigestRow, type DigestTask } from './delivery.port';
import type { MissedRunItem, MyTask, PersonLoad, TeamWorkload, UpcomingItem, WeeklyCompletion, WorkloadItem, WorkloadStats } from './workload.types';

const DAY = 86_400_000;

/**
 * Remembers each activity's fire times three weeks ahead, so the workload (asked by the tab every minute, and
 * by the bot) does not walk cron-parser on every call: with a time zone each step costs about a millisecond.
 */
export class FireTimeCache {
  private readonly entries = new Map<string, { from: number; until: number; times: number[] }>();

  /** Run times of `activity` in (`after`, `until`] for a team's calendar, from the cache when it covers them. */
  between(activity: Activity, calendar: WorkCalendar, after: number, until: number): number[] {
    const key = `${activity.id}\n${calendar.key}`;
    let e = this.entries.get(key);
    if (!e || after < e.from || until > e.until) {
      const horizon = Math.max(until, after + 21 * DAY);
      e = { from: after, until: horizon, times: plannedRunsBetween(activity, calendar, after, horizon).map((r) => r.at) };
      this.entries.set(key, e);
    }
    return e.times.filter((t) => t > after && t <= until);
  }
}

export interface WorkloadOptions {
  /** Reuse fire times across calls. */
  readonly fireTimes?: FireTimeCache;
  /** How far ahead `upcoming` looks. @default 14 days */
  readonly upcomingDays?: number;
  /** At most this many upcoming items. @default 50 */
  readonly upcomingLimit?: number;
  /** Window of `stats`. @default 30 days */
  readonly statsDays?: number;
  /** Weeks of `weekly`. @default 8 */
  readonly weeks?: number;
}

function toItem(o: Occurrence, now: number): WorkloadItem {
  return {
    occurrenceId: o.id,
    activityId: o.activityId,
    teamId: o.teamId,
    status: statusOf(o, now),
    scheduledAt: o.scheduledAt,
    dueAt: o.dueAt,
    acknowledgedBy: o.acknowledgedBy,
    snoozedUntil: o.snoozedUntil,
    ...(o.assignee && { assignee: o.assignee }),
    overdue: o.overdueAt !== undefined,
    ...(o.postedConversationId && o.postedActivityId ? { postedConversationId: o.postedConversationId, postedActivityId: o.postedActivityId } : {}),
  };
}

/**
 * Open tasks per person: a task counts for its assignee, else for whoever acknowledged it, else for nobody (the
 * team's: `unassigned`). People are told apart by Entra object id (Teams user id when there is none), so two
 * analysts with the same display name stay two lines. Most overdue first, then most open, then by name.
 */
export function countByPerson(items: readonly WorkloadItem[]): { people: PersonLoad[]; unassigned: { open: number; overdue: number } } {
  const byKey = new Map<string, { aadObjectId?: string; name: string; open: number; overdue: number }>();
  const unassigned = { open: 0, overdue: 0 };
  for (const i of items) {
    const ack = i.acknowledgedBy;
    const person = i.assignee ? { key: i.assignee.aadObjectId, aadObjectId: i.assignee.aadObjectId, name: i.assignee.name } : ack ? { key: ack.aadObjectId ?? `user:${ack.userId}`, aadObjectId: ack.aadObjectId, name: ack.name } : undefined;
    let tally: { open: number; overdue: number } = unassigned;
    if (person) {
      const known = byKey.get(person.key) ?? { ...(person.aadObjectId ? { aadObjectId: person.aadObjectId } : {}), name: person.name, open: 0, overdue: 0 };
      byKey.set(person.key, known);
      tally = known;
    }
    tally.open++;
    if (i.overdue) tally.overdue++;
  }
  const people = [...byKey.values()].sort((a, b) => b.overdue - a.overdue || b.open - a.open || a.name.localeCompare(b.name));
  return { people, unassigned };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Statistics over occurrences whose due time falls in the window and has passed by `now`. */
export function computeStats(occurrences: readonly Occurrence[], now: number, windowDays: number): WorkloadStats {
  let due = 0;
  let doneOnTime = 0;
  let doneLate = 0;
  let skipped = 0;
  let missed = 0;
  const durations: number[] = [];
  for (const o of occurrences) {
    if (o.state === 'missed') {
      missed += o.missedRun?.count ?? 1;
      continue;
    }
    if (o.state === 'skipped') {
      skipped++;
      continue;
    }
    const closedByDue = o.state === 'done' && o.closedAt !== undefined && o.closedAt <= o.dueAt;
    if (o.dueAt > now && !closedByDue) continue;
    due++;
    if (o.state === 'done') {
      if (closedByDue) doneOnTime++;
      else doneLate++;
      durations.push(o.closedAt! - (o.postedAt ?? o.scheduledAt));
    }
  }
  return {
    due,
    doneOnTime,
    doneLate,
    skipped,
    missed,
    completionRate: due > 0 ? doneOnTime / due : undefined,
    medianTimeToDoneMs: median(durations),
    windowDays,
  };
}

/** Monday 00:00 of the week holding `at`, in `timeZone`. */
export function startOfLocalWeek(at: number, timeZone: string): number {
  const local = at + offsetMs(at, timeZone);
  const day = new Date(local).getUTCDay();
  const sinceMonday = (day + 6) % 7;
  const localMidnight = Math.floor(local / DAY) * DAY - sinceMonday * DAY;
  return localMidnight - offsetMs(localMidnight, timeZone);
}

/** Computes a team's workload at `now`. */
export async function computeWorkload(db: Db, catalog: Catalog, tenantId: string, teamId: string, now: number, options: WorkloadOptions = {}): Promise<TeamWorkload> {
  const upcomingDays = options.upcomingDays ?? 14;
  const upcomingLimit = options.upcomingLimit ?? 50;
  const statsDays = options.statsDays ?? 30;
  const weeks = options.weeks ?? 8;

  const open = (await listOpenOccurrences(db, tenantId, { teamId })).map((o) => ({ o, item: toItem(o, now) }));
  const items = open.map((x) => x.item);

  const horizon = now + upcomingDays * DAY;
  const team = catalog.teams.find((t) => t.id === teamId);
  const calendar = team ? workCalendar(team.calendar) : ALL_HOURS;
  const existing = await listScheduledBetween(db, tenantId, teamId, now, horizon);
  const existingKeys = new Set(existing.map((o) => `${o.activityId}|${o.scheduledAt}`));
  const upcoming: UpcomingItem[] = existing.map((o) => ({ activityId: o.activityId, teamId, at: o.scheduledAt, created: true }));
  for (const a of catalog.activities) {
    if (!a.teams.includes(teamId) || !a.schedule) continue;
    const times = options.fireTimes ? options.fireTimes.between(a, calendar, now, horizon) : plannedRunsBetween(a, calendar, now, horizon, upcomingLimit).map((r) => r.at);
    for (const at of times.slice(0, upcomingLimit)) {
      if (!existingKeys.has(`${a.id}|${at}`)) upcoming.push({ activityId: a.id, teamId, at, created: false });
    }
  }
  upcoming.sort((x, y) => x.at - y.at || x.activityId.localeCompare(y.activityId));

  // Each week starts on its own local Monday: a fixed 7-day step would drift by the daylight-saving hour.
  const thisWeek = startOfLocalWeek(now, catalog.timezone);
  const weekStarts = Array.from({ length: weeks + 1 }, (_, k) => startOfLocalWeek(thisWeek + (k - weeks + 1) * 7 * DAY + DAY / 2, catalog.timezone));
  const weeklyStart = weekStarts[0];
  const statsFrom = Math.min(now - statsDays * DAY, weeklyStart);
  const history = await listForStats(db, tenantId, teamId, statsFrom, now + statsDays * DAY);
  const inWindow = history.filter((o) => o.dueAt >= now - statsDays * DAY);
  const weekly: WeeklyCompletion[] = [];
  for (let w = 0; w < weeks; w++) {
    const start = weekStarts[w];
    const end = weekStarts[w + 1];
    const s = computeStats(history.filter((o) => o.dueAt >= start && o.dueAt < end), now, 7);
    weekly.push({ weekStart: start, due: s.due, doneOnTime: s.doneOnTime });
  }

  return {
    teamId,
    tenantId,
    at: now,
    open: items,
    overdue: open.filter((x) => x.o.overdueAt !== undefined).map((x) => x.item),
    snoozed: items.filter((i) => i.status === 'snoozed'),
    acknowledged: items.filter((i) => i.acknowledgedBy !== undefined),
    ...countByPerson(items),
    unposted: open.filter((x) => x.o.postedActivityId === undefined).length,
    doneLast7Days: await countDoneSince(db, tenantId, teamId, now - 7 * DAY),
    doneLast30Days: await countDoneSince(db, tenantId, teamId, now - 30 * DAY),
    upcoming: upcoming.slice(0, upcomingLimit),
    stats: computeStats(inWindow, now, statsDays),
    weekly,
    missedRuns: missedRunsOf(inWindow, MAX_MISSED_RUNS),
  };
}

/** Missed runs listed in a workload, at most. */
const MAX_MISSED_RUNS = 10;

/** The missed runs among `occurrences`, the latest first, at most `max` (a row from before runs: a run of one). */
function missedRunsOf(occurrences: readonly Occurrence[], max: number): MissedRunItem[] {
  return occurrences
    .filter((o) => o.state === 'missed')
    .map((o) => ({ activityId: o.activityId, teamId: o.teamId, firstAt: o.scheduledAt, lastAt: o.missedRun?.lastAt ?? o.scheduledAt, count: o.missedRun?.count ?? 1 }))
    .sort((a, b) => b.lastAt - a.lastAt || a.activityId.localeCompare(b.activityId))
    .slice(0, max);
}

/** The workload questions the bot, the tab and the JSON API ask, at the clock's now. */
export class WorkloadService {
  private readonly fireTimes = new FireTimeCache();

  constructor(private readonly deps: { db: Db; catalog: Catalog; clock: { now(): number } }) {}

  forTeam(tenantId: string, teamId: string, options?: WorkloadOptions): Promise<TeamWorkload> {
    return computeWorkload(this.deps.db, this.deps.catalog, tenantId, teamId, this.deps.clock.now(), { fireTimes: this.fireTimes, ...options });
  }

  /** A person's open tasks: assigned to them or acknowledged by them, most urgent first. */
  async tasksOf(tenantId: string, person: { readonly userId: string; readonly aadObjectId?: string }): Promise<WorkloadItem[]> {
    const now = this.deps.clock.now();
    return (await listOpenOccurrences(this.deps.db, tenantId, { person })).map((o) => toItem(o, now));
  }

  /**
   * "My tasks": the open tasks across teams of this tenant assigned to the person with this Entra object id, or
   * acknowledged by them; overdue first, then by due time (then team and activity, so equal times keep one order).
   */
  async myTasks(tenantId: string, aadObjectId: string): Promise<{ at: number; tasks: MyTask[] }> {
    const now = this.deps.clock.now();
    const rows = await listOpenOccurrencesOfPerson(this.deps.db, tenantId, aadObjectId);
    const tasks = rows
      .map((o): MyTask => ({ ...toItem(o, now), relation: o.assignee?.aadObjectId === aadObjectId ? 'assigned' : 'acknowledged' }))
      .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueAt - b.dueAt || a.teamId.localeCompare(b.teamId) || a.activityId.localeCompare(b.activityId) || a.occurrenceId.localeCompare(b.occurrenceId));
    return { at: now, tasks };
  }

  /** Every overdue task across teams, most overdue first. */
  async overdue(tenantId: string): Promise<WorkloadItem[]> {
    const now = this.deps.clock.now();
    return (await listOpenOccurrences(this.deps.db, tenantId, { overdueOnly: true })).map((o) => toItem(o, now));
  }

  /** Per-team figures of the week starting at `weekStart`, for the digest. */
  async digest(tenantId: string, weekStart: number): Promise<DigestRow[]> {
    const now = this.deps.clock.now();
    const rows: DigestRow[] = [];
    for (const team of this.deps.catalog.teams) {
      const occurrences = await listForStats(this.deps.db, tenantId, team.id, weekStart, weekStart + 7 * DAY);
      const s = computeStats(occurrences, now, 7);
      const overdue = occurrences.filter((o) => o.state === 'open' && o.overdueAt !== undefined);
      // Late as computeStats counts it: done, and closed after the due time.
      const late = occurrences.filter((o) => o.state === 'done' && o.closedAt !== undefined && o.closedAt > o.dueAt && o.dueAt <= now);
      rows.push({
        teamId: team.id,
        doneOnTime: s.doneOnTime,
        doneLate: s.doneLate,
        overdue: overdue.length,
        skipped: s.skipped,
        medianTimeToDoneMs: s.medianTimeToDoneMs,
        overdueTasks: toDigestTasks(overdue),
        lateTasks: toDigestTasks(late),
        missed: s.missed,
        missedRuns: missedRunsOf(occurrences, MAX_DIGEST_TASKS).map(({ activityId, firstAt, lastAt, count }): DigestMissedRun => ({ activityId, firstAt, lastAt, count })),
      });
    }
    return rows;
  }
}

function toDigestTasks(occurrences: readonly Occurrence[]): DigestTask[] {
  return [...occurrences]
    .sort((a, b) => a.dueAt - b.dueAt)
    .slice(0, MAX_DIGEST_TASKS)
    .map((o) => ({
      activityId: o.activityId,
      dueAt: o.dueAt,
      ...(o.postedConversationId && o.postedActivityId ? { postedConversationId: o.postedConversationId, postedActivityId: o.postedActivityId } : {}),
    }));
}
