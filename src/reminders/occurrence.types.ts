/** What Done recorded: evidence field id → the value as given (a number for a number field, else the trimmed text). */
export type Evidence = Readonly<Record<string, string | number>>;

/** Who did something: a Teams user as the activity names them, or the system (scheduler, sweeper). */
export interface Actor {
  /** Teams user id (29:…), or `system`. */
  readonly userId: string;
  /** Azure AD object id, when Teams gives it. */
  readonly aadObjectId?: string;
  readonly name: string;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ userId: 'system', name: 'SOC Reminders' });

/**
 * The lifecycle state that guards transitions. `open` covers pending, posted, acknowledged, snoozed,
 * overdue and escalated: those are facets of an open task (see `statusOf`). The closed states are final.
 */
export type OccurrenceState = 'open' | 'done' | 'skipped' | 'missed';

/** The status a person sees, derived from state and facets. */
export type OccurrenceStatus =
  | 'pending'
  | 'posted'
  | 'acknowledged'
  | 'snoozed'
  | 'overdue'
  | 'escalated'
  | 'done'
  | 'skipped'
  | 'missed';

/** How an occurrence came to be: its fire time on schedule, late after downtime, or started by hand. */
export type OccurrenceTrigger = 'schedule' | 'catch-up' | 'on-demand';

/** What an event records. */
export type OccurrenceEventType =
  | 'created'
  | 'missed'
  | 'posted'
  | 'acknowledged'
  | 'snoozed'
  | 'woke'
  | 'done'
  | 'skipped'
  | 'overdue'
  | 'escalated'
  /** The task was given to a person (`subject`): by the rotation at creation, or by Take it, Reassign, Hand over. */
  | 'assigned'
  /** A repeat nudge while nobody had acknowledged (the first one, at overdue, is the `overdue` event). */
  | 'nudged';

/**
 * Snooze lengths a person may choose, in minutes. The domain refuses any other; the reminder card offers exactly
 * these (it imports this list), so the two cannot drift apart.
 */
export const SNOOZE_MINUTES: readonly number[] = [60, 240, 1440];

export const OPEN_STATUSES: readonly OccurrenceStatus[] = [
  'pending',
  'posted',
  'acknowledged',
  'snoozed',
  'overdue',
  'escalated',
];

/** Where and why a holiday moved a run: e.g. from Monday 2026-10-05 10:00, 개천절 (대체공휴일). */
export interface MovedFrom {
  /** Epoch ms of the fire time the run left. */
  readonly at: number;
  readonly reason: string;
  readonly reason_ko: string;
}

/** The person a task is assigned to: their Entra object id (what Teams mentions and chats use) and name. */
export interface Assignee {
  readonly aadObjectId: string;
  readonly name: string;
}

/** Fire times missed in a row while the bot was down, recorded as one occurrence. */
export interface MissedRun {
  /** Epoch ms of the last fire time of the run (the first is the occurrence's `scheduledAt`). */
  readonly lastAt: number;
  /** How many fire times, first and last included. */
  readonly count: number;
}

/** One task: one activity, one SOC team, one scheduled time, in one tenant. */
export interface Occurrence {
  readonly id: string;
  readonly tenantId: string;
  readonly activityId: string;
  readonly teamId: string;
  /** Epoch ms of the fire time (or of the moment an on-demand run was started). */
  readonly scheduledAt: number;
  readonly dueAt: number;
  /** Epoch ms at which an unfinished task escalates; undefined: never. */
  readonly escalateAt?: number;
  readonly trigger: OccurrenceTrigger;
  readonly state: OccurrenceState;
  readonly createdAt: number;
  readonly postedAt?: number;
  readonly acknowledgedAt?: number;
  readonly acknowledgedBy?: Actor;
  readonly snoozedUntil?: number;
  readonly snoozedByName?: string;
  readonly overdueAt?: number;
  readonly escalatedAt?: number;
  readonly closedAt?: number;
  readonly closedBy?: Actor;
  /** Done note (e.g. ticket link) or skip reason. */
  readonly closeNote?: string;
  /** What Done recorded for the activity's evidence fields. */
  readonly closeEvidence?: Evidence;
  /** Who started an on-demand run. */
  readonly startedByName?: string;
  /** Set when a holiday moved this run: the fire time it left (`scheduledAt` is the moved one) and the holiday. */
  readonly movedFrom?: MovedFrom;
  /**
   * Set on a missed occurrence: the run of fire times it stands for, from `scheduledAt` to `lastAt`, `count` of
   * them (a row recorded before runs existed is a run of one).
   */
  readonly missedRun?: MissedRun;
  /** Where the card was posted: the Teams conversation (channel thread) and the message id. */
  readonly postedConversationId?: string;
  readonly postedActivityId?: string;
  readonly postedServiceUrl?: string;
  /** The person on the task by assignment; undefined: the team as a whole. Who acknowledged is `acknowledgedBy`. */
  readonly assignee?: Assignee;
  readonly assignedAt?: number;
  /** Nudge times of the activity behind the task: sent, or passed over in a snooze or quiet hours. @default 0 */
  readonly nudgesSent?: number;
  /** When the next nudge is due; undefined: none left, or not overdue yet. */
  readonly nextNudgeAt?: number;
  /** Steps of the escalation chain taken (`escalateAt` is the next one's time). @default 0 */
  readonly escalationStep?: number;
}

/** One append-only record of something that happened to an occurrence. */
export interface OccurrenceEvent {
  readonly id: number;
  readonly tenantId: string;
  readonly occurrenceId: string;
  readonly type: OccurrenceEventType;
  readonly fromStatus?: OccurrenceStatus;
  readonly toStatus: OccurrenceStatus;
  readonly actor: Actor;
  readonly note?: string;
  /** The evidence recorded with a `done` event. */
  readonly evidence?: Evidence;
  /** Whom the event was about when not the actor: the person assigned, the person or team escalated to. */
  readonly subject?: { readonly aadObjectId?: string; readonly name: string };
  readonly at: number;
}

/** The status a person sees. `now` matters for snoozes that have run out but not been woken yet. */
export function statusOf(o: Occurrence, now: number): OccurrenceStatus {
  if (o.state !== 'open') return o.state;
  if (o.snoozedUntil !== undefined && o.snoozedUntil > now) return 'snoozed';
  if (o.escalatedAt !== undefined) return 'escalated';
  if (o.overdueAt !== undefined) return 'overdue';
  if (o.acknowledgedAt !== undefined) return 'acknowledged';
  if (o.postedAt !== undefined) return 'posted';
  return 'pending';
}
