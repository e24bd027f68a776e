import type { Actor, Assignee, OccurrenceStatus } from './occurrence.types';

export interface WorkloadItem {
  readonly occurrenceId: string;
  readonly activityId: string;
  readonly teamId: string;
  readonly status: OccurrenceStatus;
  readonly scheduledAt: number;
  readonly dueAt: number;
  readonly acknowledgedBy?: Actor;
  /** The person the task is assigned to (issue 14). */
  readonly assignee?: Assignee;
  readonly snoozedUntil?: number;
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
  /** Open occurrences not posted because the team has no bound channel. */
  readonly unposted: number;
  readonly doneLast7Days: number;
  readonly doneLast30Days: number;
  readonly upcoming: readonly UpcomingItem[];
  readonly stats: WorkloadStats;
  readonly weekly: readonly WeeklyCompletion[];
}
