/**
 * Firing. node-cron wakes the scheduler at each activity's fire times (in its time zone), and a heartbeat every
 * 30 s catches anything node-cron skipped and runs the timers; but what is due is decided from the database checkpoint and
 * cron-parser, never from the wake-up itself. So a tick that comes late, a process that stalled, a restart and
 * a second replica all converge on the same occurrences, and the unique key keeps them single.
 *
 * Catch-up rule, per activity and team, for fire times t after the checkpoint and up to now:
 *   - now - t <= liveTolerance (90 s): on time, created as scheduled;
 *   - liveTolerance < now - t <= catch-up window (SOC_CATCHUP, 24 h): only the newest such t is created,
 *     marked as a catch-up; the older ones are missed;
 *   - older than the window: missed, never posted.
 *   - when a fire time is on time in the same run, no catch-up is posted (one card per task): the late ones
 *     are all missed.
 * The missed fire times of an activity and team are recorded as ONE run (first, last, count: at most the newest
 * MAX_MISSED_COUNTED; that more were missed is only logged) with one event, not a row each: 7 days down with
 * 10,000 schedules is about 10,000 runs instead of 80,000 rows. The replica whose claim moves the checkpoint
 * records the gap's runs (`recordMissedRuns`); the others record none.
 * On the very first start there is no checkpoint: nothing is caught up.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Activity, Catalog } from '../catalog/catalog.types';
import { advanceCheckpoint, claimCheckpoint, listTenants, readCheckpoint } from '../storage/scheduler-state.repository';
import type { Clock } from './clock';
import { workCalendar, type WorkCalendar } from '../catalog/work-calendar';
import { nextPlannedRun, plannedRunsBefore, plannedRunsBetween, type PlannedRun } from './fire-times';
import type { MissedRunSlot, ScheduledSlot } from './occurrence-creation';
import type { ReminderService } from './reminder.service';

export const CHECKPOINT_NAME = 'scheduler';
/**
 * How many missed fire times one run counts, at most, per activity and team: walking cron-parser costs about 30 µs
 * a step, so a per-second schedule down for a week (604,800 fire times) would take seconds. The newest are counted;
 * that more were missed is only logged (`missedNotRecorded`).
 */
export const MAX_MISSED_COUNTED = 10_000;
/**
 * Fire times created in one transaction, at most. On SQLite a commit of scattered index entries rewrites many pages
 * (10,000 schedules 7 days down: 83,000 rows took 50 s at one transaction per activity, 14 s at 2,000 fire times,
 * 9 s at 10,000); the price of a big one is the write lock it holds, about a second at this size.
 */
const SLOTS_PER_TRANSACTION = 10_000;

export interface SchedulerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SchedulerOptions {
  readonly service: ReminderService;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly db: Parameters<typeof readCheckpoint>[0];
  /** The catch-up window in ms (SOC_CATCHUP). */
  readonly catchupMs: number;
  /** Tenant that owns occurrences while no tenant has installed the bot. */
  readonly homeTenantId: string;
  readonly logger: SchedulerLogger;
  /** A fire time processed within this many ms counts as on time. @default 90000 */
  readonly liveToleranceMs?: number;
  /** Told how late each on-time occurrence was created, in ms (metrics). */
  readonly observeLateness?: (ms: number) => void;
  /** Extra periodic work run on each heartbeat (timers, digest). */
  readonly onHeartbeat?: () => Promise<void>;
}

export interface RunResult {
  readonly created: number;
  readonly caughtUp: number;
  /** Missed fire times recorded (in `missedRuns` rows). */
  readonly missed: number;
  /** Runs of missed fire times recorded: one row per activity, team and gap. */
  readonly missedRuns: number;
  readonly missedNotRecorded: number;
}

/** One turn of the event loop: the catch-up's SQLite calls are synchronous, and a chain of them would starve HTTP. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Longest stretch of planning between two turns of the event loop, so /livez and card actions wait at most this. */
const SLICE_MS = 10;

/**
 * A pause for a loop of CPU work: a turn of the event loop once `SLICE_MS` have passed since the last one. Counting
 * iterations does not bound the wait: asking cron-parser about a new cadence costs 1–2 ms, a known one nothing, and
 * the first hundred activities of a catalog hold most of its cadences (200 ms without a turn, measured at start).
 */
function timeSlicer(): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since < SLICE_MS) return undefined;
    return yieldToEventLoop().then(() => {
      since = performance.now();
    });
  };
}

/**
 * Activities often share a cadence (weekdays 09:00 in the catalog's zone): what is planned for one (cron, zone,
 * holiday rule, calendar) is made once per memo and shared.
 */
function sameCadence<T>(memo: Map<string, T>, activity: Activity, calendar: WorkCalendar, make: () => T): T {
  const key = `${activity.timezone}\n${activity.schedule}\n${activity.onHoliday}\n${calendar.key}`;
  if (!memo.has(key)) memo.set(key, make());
  return memo.get(key)!;
}

export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  /** Each team's working calendar; holidays skip or move a team's runs (see `plannedRunsBetween`). */
  private readonly calendars = new Map<string, WorkCalendar>();
  private running: Promise<unknown> = Promise.resolve();
  /**
   * Each activity's first fire time after this process's last run. Asking cron-parser costs about a
   * millisecond a step in a time zone, so a run only plans the activities that have something due.
   */
  private readonly nextDue = new Map<string, number | undefined>();
  private started = false;
  private lastRunAt: number | undefined;
  private caughtUp = false;
  /** What `nextFireTime()` last answered; dropped whenever a run moves `nextDue`. */
  private nextFire: { readonly value: { activityId: string; at: number } | undefined } | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    for (const team of opts.catalog.teams) this.calendars.set(team.id, workCalendar(team.calendar));
  }

  get isRunning(): boolean {
    return this.started;
  }

  /** True once a run since `start()` has completed: what was missed while the process was down is recorded. */
  get hasCaughtUp(): boolean {
    return this.caughtUp;
  }

  get lastRun(): number | undefined {
    return this.lastRunAt;
  }

  /**
   * Schedules the wake-ups, then catches up. The wake-ups come first so that a catch-up that fails (the database
   * down at start) is tried again by the next heartbeat instead of leaving the process with no scheduler; callers
   * need not wait for the returned catch-up (the process answers, and `/readyz` says "catching up", meanwhile).
   * Nothing heavy runs before the first await: the caller listens first, and scheduling 2,500 wake-ups or planning
   * a week's fire times then happens in slices with the event loop turning between them, so /livez answers.
   */
  async start(): Promise<RunResult> {
    this.started = true;
    this.caughtUp = false;
    await yieldToEventLoop();
    // A wake-up only asks for a run, and a run decides from the database what is due: activities that share a cron
    // and a time zone share one node-cron task. node-cron computes each task's next match when it is scheduled
    // (about 0.3 ms), and a big catalog repeats its cadences: 2,500 activities of the benchmark have 120.
    const wakeUps = new Map<string, { schedule: string; timezone: string }>();
    for (const activity of this.opts.catalog.activities) {
      if (activity.schedule) wakeUps.set(`${activity.timezone} ${activity.schedule}`, { schedule: activity.schedule, timezone: activity.timezone });
    }
    let scheduled = 0;
    for (const [name, { schedule, timezone }] of wakeUps) {
      if (++scheduled % 250 === 0) await yieldToEventLoop();
      if (!this.started) break; // stopped meanwhile
      this.tasks.push(
        // A run a holiday moved is not a time of its cron: the 30 s heartbeat below creates it, well inside the
        // live tolerance.
        cron.schedule(schedule, () => this.wake(name), { timezone, name, noOverlap: true }),
      );
    }
    if (!this.started) return { created: 0, caughtUp: 0, missed: 0, missedRuns: 0, missedNotRecorded: 0 };
    this.tasks.push(cron.schedule('*/30 * * * * *', () => this.heartbeat(), { name: 'heartbeat', noOverlap: true }));
    return this.runDue();
  }

  /** Stops the wake-ups and waits for the run in flight. */
  async stop(): Promise<void> {
    this.started = false;
    this.caughtUp = false;
    for (const t of this.tasks.splice(0)) await t.destroy();
    await this.running.catch(() => undefined);
  }

  /**
   * The earliest next fire time over all activities, after now. Kept until that time passes or a run moves the
   * activities' next fire times: /healthz asks at every probe, and asking cron-parser costs up to a millisecond a
   * step in a time zone (2,500 activities asked afresh at each probe kept the event loop busy for seconds).
   */
  nextFireTime(): { activityId: string; at: number } | undefined {
    const now = this.opts.clock.now();
    const kept = this.nextFire;
    if (kept && (kept.value === undefined || kept.value.at > now)) return kept.value;
    const memo = new Map<string, number | undefined>();
    let best: { activityId: string; at: number } | undefined;
    for (const a of this.opts.catalog.activities) {
      if (!a.schedule) continue;
      let at = this.nextDue.get(a.id);
      if (!this.nextDue.has(a.id) || (at !== undefined && at <= now)) at = this.nextRun(a, now, memo);
      if (at !== undefined && (!best || at < best.at)) best = { activityId: a.id, at };
    }
    this.nextFire = { value: best };
    return best;
  }

  /**
   * Creates every occurrence due since the checkpoint, by the catch-up rule, and moves the checkpoint to now.
   * Runs are serialised within the process; across processes the unique key keeps them idempotent.
   *
   * Why this read-then-write needs no claim (unlike the digest): every replica may compute the same fire times
   * from the same checkpoint, and that is fine, because the insert is the claim. `createScheduledMany` inserts
   * with ON CONFLICT DO NOTHING on (tenant, activity, team, scheduled time) and enqueues a post only for the rows
   * that insert returned, in the same transaction: a replica that loses a slot gets no row and posts nothing.
   * The checkpoint only bounds what is computed, so `advanceCheckpoint` (forward-only, no winner) is enough.
   */
  runDue(): Promise<RunResult> {
    const run = this.running
      .catch(() => undefined)
      .then(() => this.runDueNow())
      .then((result) => {
        if (this.started) this.caughtUp = true;
        return result;
      });
    this.running = run;
    return run;
  }

  private async runDueNow(): Promise<RunResult> {
    const { db, clock, catchupMs, service, logger } = this.opts;
    const liveTolerance = this.opts.liveToleranceMs ?? 90_000;
    const now = clock.now();
    const checkpoint = await readCheckpoint(db, CHECKPOINT_NAME);
    let created = 0;
    let caughtUp = 0;
    let missed = 0;
    let missedRuns = 0;
    let missedNotRecorded = 0;
    // Another replica recorded this gap's missed runs first: it moved the checkpoint, this run must not.
    let gapLost = false;
    if (checkpoint !== undefined && checkpoint < now) {
      const tenants = await this.tenantsToFire();
      const plans = new Map<string, ReturnType<Scheduler['plan']>>();
      // Fire times are created in transactions of many activities: a transaction each costs far more than the rows.
      const toPost: ScheduledSlot[] = [];
      const runs: MissedRunSlot[] = [];
      const flush = async (slots: ScheduledSlot[]) => {
        while (slots.length > 0) {
          const chunk = slots.splice(0, SLOTS_PER_TRANSACTION);
          const results = await service.createScheduledMany(chunk);
          const at = clock.now();
          results.forEach((o, j) => {
            if (!o) return;
            const slot = chunk[j];
            if (slot.trigger === 'schedule') {
              created++;
              this.opts.observeLateness?.(at - slot.scheduledAt);
            } else caughtUp++;
          });
          await yieldToEventLoop();
        }
      };
      const pause = timeSlicer();
      for (const activity of this.opts.catalog.activities) {
        if (!activity.schedule) continue;
        const due = this.nextDue.get(activity.id);
        if (this.nextDue.has(activity.id) && (due === undefined || due > now)) continue;
        for (const [calendar, teamIds] of this.teamsByCalendar(activity)) {
          const plan = sameCadence(plans, activity, calendar, () => this.plan(activity, calendar, checkpoint, now, liveTolerance, catchupMs));
          // A lower bound: the walk back stops one past the cap.
          missedNotRecorded += plan.missedNotRecorded * tenants.length * teamIds.length;
          for (const tenantId of tenants) {
            for (const teamId of teamIds) {
              for (const r of plan.live) toPost.push({ activity, tenantId, teamId, scheduledAt: r.at, moved: r.moved, trigger: 'schedule' });
              if (plan.catchUp !== undefined) toPost.push({ activity, tenantId, teamId, scheduledAt: plan.catchUp.at, moved: plan.catchUp.moved, trigger: 'catch-up' });
              if (plan.missed) runs.push({ activity, tenantId, teamId, ...plan.missed });
            }
          }
        }
        if (toPost.length >= SLOTS_PER_TRANSACTION) await flush(toPost);
        // Planning thousands of activities is CPU work: let /livez and card actions in between.
        await pause();
      }
      // What is posted goes first, so a long downtime's record never delays a card.
      await flush(toPost);
      if (runs.length > 0) {
        // Claim, then act: the gap (checkpoint, now] is recorded by the one replica whose claim moves the checkpoint
        // from where this run read it; the claim and the runs commit together.
        const recorded = await service.recordMissedRuns(runs, (trx) => claimCheckpoint(trx, CHECKPOINT_NAME, checkpoint + 1, now));
        if (recorded) {
          missedRuns = recorded.runs;
          missed = recorded.fireTimes;
        } else gapLost = true;
      }
    }
    if (!gapLost) await advanceCheckpoint(db, CHECKPOINT_NAME, now);
    const nextTimes = new Map<string, number | undefined>();
    const pause = timeSlicer();
    for (const activity of this.opts.catalog.activities) {
      const due = this.nextDue.get(activity.id);
      if (activity.schedule && (!this.nextDue.has(activity.id) || (due !== undefined && due <= now))) {
        this.nextDue.set(activity.id, this.nextRun(activity, now, nextTimes));
        // Up to a millisecond or two each (a new cadence), and a catalog may have thousands: let HTTP in between.
        await pause();
      }
    }
    this.nextFire = undefined;
    this.lastRunAt = now;
    if (caughtUp || missed || missedNotRecorded) {
      logger.warn({ caughtUp, missed, missedRuns, missedNotRecorded, since: checkpoint === undefined ? undefined : new Date(checkpoint).toISOString() }, 'scheduler caught up after downtime');
    }
    return { created, caughtUp, missed, missedRuns, missedNotRecorded };
  }

  /** The activity's teams grouped by working calendar, so each calendar is planned once. */
  private teamsByCalendar(activity: Activity): Map<WorkCalendar, string[]> {
    const groups = new Map<string, { calendar: WorkCalendar; teamIds: string[] }>();
    for (const teamId of activity.teams) {
      const calendar = this.calendarOf(teamId);
      const group = groups.get(calendar.key);
      if (group) group.teamIds.push(teamId);
      else groups.set(calendar.key, { calendar, teamIds: [teamId] });
    }
    return new Map([...groups.values()].map((g) => [g.calendar, g.teamIds]));
  }

  private calendarOf(teamId: string): WorkCalendar {
    // The loader only lets activities name teams of the catalog.
    return this.calendars.get(teamId)!;
  }

  /** The activity's next run after `at` for any of its teams (their calendars may move it differently). */
  private nextRun(activity: Activity, at: number, memo?: Map<string, number | undefined>): number | undefined {
    let best: number | undefined;
    for (const calendar of this.teamsByCalendar(activity).keys()) {
      const make = () => nextPlannedRun(activity, calendar, at)?.at;
      const next = memo ? sameCadence(memo, activity, calendar, make) : make();
      if (next !== undefined && (best === undefined || next < best)) best = next;
    }
    return best;
  }

  private plan(
    activity: Activity,
    calendar: WorkCalendar,
    checkpoint: number,
    now: number,
    liveTolerance: number,
    catchupMs: number,
  ): { live: PlannedRun[]; catchUp?: PlannedRun; missed?: Pick<MissedRunSlot, 'firstAt' | 'lastAt' | 'count'>; missedNotRecorded: number } {
    // A window shorter than the live tolerance (SOC_CATCHUP=0) must still let on-time fires through.
    const windowStart = Math.max(checkpoint, now - Math.max(catchupMs, liveTolerance));
    const recent = plannedRunsBetween(activity, calendar, windowStart, now);
    const live = recent.filter((r) => now - r.at <= liveTolerance);
    const late = recent.filter((r) => now - r.at > liveTolerance && now - r.at <= catchupMs);
    // One card per task: a catch-up is only worth posting when no newer fire is being posted on time.
    const catchUp = live.length === 0 && late.length > 0 ? late[late.length - 1] : undefined;
    const missed = recent.filter((r) => now - r.at > liveTolerance && r !== catchUp).reverse();
    let missedNotRecorded = 0;
    if (windowStart > checkpoint) {
      // Older than the window: walk back from its start, newest first, up to the cap.
      const older = plannedRunsBefore(activity, calendar, windowStart + 1, checkpoint, MAX_MISSED_COUNTED + 1);
      const room = Math.max(0, MAX_MISSED_COUNTED - missed.length);
      missedNotRecorded = Math.max(0, older.length - room);
      missed.push(...older.slice(0, room));
    }
    // `missed` is newest first: one run from the oldest counted to the newest.
    const run = missed.length > 0 ? { firstAt: missed[missed.length - 1]!.at, lastAt: missed[0]!.at, count: missed.length } : undefined;
    return { live, catchUp, missed: run, missedNotRecorded };
  }

  private async tenantsToFire(): Promise<string[]> {
    const known = (await listTenants(this.opts.db)).map((t) => t.tenantId);
    return known.length > 0 ? known : [this.opts.homeTenantId];
  }

  private wake(source: string): void {
    void this.runDue().catch((err: unknown) => this.opts.logger.error({ err, source }, 'scheduler run failed'));
  }

  private heartbeat(): void {
    this.wake('heartbeat');
    if (this.opts.onHeartbeat) void this.opts.onHeartbeat().catch((err: unknown) => this.opts.logger.error({ err }, 'heartbeat work failed'));
  }
}
