import type { Actor, Assignee, OccurrenceStatus } from './occurrence.types';

export interface WorkloadItem {
  readonly occurrenceId: string;
  readonly activityId: string;
  readonly teamId: string;
  readonly status: OccurrenceStatus;
  readonly scheduledAt: number;
  readonly dueAt: number;
  readonly acknowledgedBy?: Actor;
  readonly snoozedUntil?: number;
  /** The person the task is assigned to; undefined: the team as a whole. */
  readonly assignee?: Assignee;
  /** True once the overdue nudge went out (whatever the status shows: snoozed, escalated). */
  readonly overdue: boolean;
  /** Where the task's card was posted, to link to it; both set or neither. */
  readonly postedConversationId?: string;
  readonly postedActivityId?: string;
}

/** One person's share of a team's open tasks: the assignee's, else the acknowledger's. */
export interface PersonLoad {
  /** Entra object id; undefined when Teams gave none (an acknowledger known only by their Teams user id). */
  readonly aadObjectId?: string;
  readonly name: string;
  readonly open: number;
  readonly overdue: number;
}

/** A task in someone's "My tasks": why it is theirs (assigned wins over acknowledged). */
export interface MyTask extends WorkloadItem {
  readonly relation: 'assigned' | 'acknowledged';
}

/** Fire times of an activity missed in a row while the bot was down (one recorded run). */
export interface MissedRunItem {
  readonly activityId: string;
  readonly teamId: string;
  /** Epoch ms of the first and the last missed fire time. */
  readonly firstAt: number;
  readonly lastAt: number;
  /** How many fire times were missed, first and last included. */
  readonly count: number;
}

export interface UpcomingItem {
  readonly activityId: string;
  readonly teamId: string;
  /** Epoch ms of the fire time. */
  readonly at: number;
  /** True when the occurrence already exists (on demand or created early); false: computed from the schedule. */
  readonly created: boolean;
}

export interface WorkloadStats {
  /** Occurrences whose due time has passed (or which are closed) in the window. */
  readonly due: number;
  readonly doneOnTime: number;
  readonly doneLate: number;
  readonly skipped: number;
  /** Fire times missed while the bot was down (a recorded run counts each of its fire times). */
  readonly missed: number;
  /** doneOnTime / due, 0..1; undefined when nothing was due. */
  readonly completionRate?: number;
  /** Median ms from posted to done; undefined when nothing was done. */
  readonly medianTimeToDoneMs?: number;
  /** The window the stats cover, in days. */
  readonly windowDays: number;
}

export interface WeeklyCompletion {
  /** Epoch ms of the week's start (Monday 00:00 in the team's time zone). */
  readonly weekStart: number;
  readonly due: number;
  readonly doneOnTime: number;
}

export interface TeamWorkload {
  readonly teamId: string;
  readonly tenantId: string;
  /** When it was computed. */
  readonly at: number;
  readonly open: readonly WorkloadItem[];
  readonly overdue: readonly WorkloadItem[];
  readonly snoozed: readonly WorkloadItem[];
  readonly acknowledged: readonly WorkloadItem[];
  /** Open tasks per person, most overdue first, then most open, then by name. */
  readonly people: readonly PersonLoad[];
  /** Open tasks nobody is assigned to and nobody acknowledged: the team's. */
  readonly unassigned: { readonly open: number; readonly overdue: number };
  /** Open occurrences not posted because the team has no bound channel. */
  readonly unposted: number;
  readonly doneLast7Days: number;
  readonly doneLast30Days: number;
  readonly upcoming: readonly UpcomingItem[];
  readonly stats: WorkloadStats;
  readonly weekly: readonly WeeklyCompletion[];
  /** Runs of fire times missed while the bot was down, in the stats window, the latest first (at most 10). */
  readonly missedRuns: readonly MissedRunItem[];
}
