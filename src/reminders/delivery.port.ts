/**
 * The port through which the domain reaches Teams. `teams/` implements it; the domain never imports
 * botbuilder. Items come from the outbox and carry only references; the implementation renders the card
 * from the occurrence as it is at send time, so a late update always shows the current state.
 */
import type { Person } from '../catalog/catalog.types';
import type { Occurrence } from './occurrence.types';

/** Where a new post goes: a bound channel, as recorded when it was bound. */
export interface ChannelTarget {
  readonly tenantId: string;
  readonly serviceUrl: string;
  readonly botId: string;
  readonly teamsTeamId: string;
  readonly channelId: string;
}

/** A task the digest names, with where its reminder card was posted (for a link to it), when it was. */
export interface DigestTask {
  readonly activityId: string;
  readonly dueAt: number;
  readonly postedConversationId?: string;
  readonly postedActivityId?: string;
}

export interface DigestRow {
  readonly teamId: string;
  readonly doneOnTime: number;
  readonly doneLate: number;
  readonly overdue: number;
  readonly skipped: number;
  readonly medianTimeToDoneMs?: number;
  /**
   * The first overdue and late tasks by due time (at most `MAX_DIGEST_TASKS` each; `overdue` and `doneLate` count
   * them all), so that the digest says which tasks, not only how many. Absent in digests enqueued before they existed.
   */
  readonly overdueTasks?: readonly DigestTask[];
  readonly lateTasks?: readonly DigestTask[];
  /** Fire times missed while the bot was down, and the latest runs of them (at most `MAX_DIGEST_TASKS`). Absent in older digests. */
  readonly missed?: number;
  readonly missedRuns?: readonly DigestMissedRun[];
}

/** A run of fire times of one activity missed while the bot was down, as the digest names it. */
export interface DigestMissedRun {
  readonly activityId: string;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly count: number;
}

/** Tasks named per team and kind in the digest: enough to act on, and the card stays far below Teams' 28 KB. */
export const MAX_DIGEST_TASKS = 5;

/**
 * Why a nudge is posted in a card's thread: a snooze ended, the task became overdue, a repeat nudge while nobody
 * acknowledged (`nudges`), or an escalation step to a person (who is named).
 */
export type NudgeReason = 'snooze-ended' | 'overdue' | 'repeat' | 'escalation';

/**
 * An escalation card as it is sent: every team's occurrence of the task (one run of an activity), the steps that
 * reached nobody, and where the card was posted (for an update).
 */
export interface EscalationCardDelivery {
  readonly activityId: string;
  readonly scheduledAt: number;
  /** The escalation team whose channel shows the card. */
  readonly teamId: string;
  /** Every team's occurrence of the run, in team order. */
  readonly tasks: readonly Occurrence[];
  /** Whom a step of the chain could not tell (a team with no bound channel): team ids, once each. */
  readonly neverToldTeamIds: readonly string[];
  readonly postedConversationId?: string;
  readonly postedActivityId?: string;
}

/** Why a reminder card goes to a person's 1:1 chat: the task was assigned to them, it is overdue, or escalated to them. */
export type PersonalReason = 'assigned' | 'overdue' | 'escalation';

/** The person a personal card is for: Entra object id (what a 1:1 chat is created with) and name. */
export interface PersonalRecipient {
  readonly aadObjectId: string;
  readonly name: string;
}

/**
 * Where a personal card goes. `conversationId` is the 1:1 chat when one is known; without it the poster asks Teams to
 * create it (which Teams refuses while the app is not installed for the person). `serviceUrl`: the tenant's.
 */
export interface PersonalTarget {
  readonly tenantId: string;
  readonly serviceUrl: string;
  readonly botId: string;
  readonly person: PersonalRecipient;
  readonly conversationId?: string;
}

export type Delivery =
  | { readonly kind: 'reminder.post'; readonly occurrence: Occurrence; readonly target: ChannelTarget; readonly shrink: boolean }
  | { readonly kind: 'reminder.update'; readonly occurrence: Occurrence; readonly shrink: boolean }
  | { readonly kind: 'reminder.nudge'; readonly occurrence: Occurrence; readonly reason: NudgeReason; readonly person?: Person }
  | { readonly kind: 'escalation.post'; readonly occurrence: Occurrence; readonly target: ChannelTarget; readonly card: EscalationCardDelivery }
  | { readonly kind: 'escalation.update'; readonly occurrence: Occurrence; readonly target: ChannelTarget; readonly card: EscalationCardDelivery }
  | { readonly kind: 'digest.post'; readonly target: ChannelTarget; readonly periodStart: number; readonly rows: readonly DigestRow[] }
  | { readonly kind: 'personal.post'; readonly occurrence: Occurrence; readonly personal: PersonalTarget; readonly reason: PersonalReason; readonly shrink: boolean }
  | { readonly kind: 'personal.update'; readonly occurrence: Occurrence; readonly personal: Omit<PersonalTarget, 'botId'> & { readonly conversationId: string }; readonly activityId: string; readonly shrink: boolean }
  | { readonly kind: 'binding.moved'; readonly target: ChannelTarget; readonly socTeamId: string; readonly movedByName: string; readonly toChannelName: string; readonly toTeamsTeamName: string };

export type DeliveryKind = Delivery['kind'];

/** Where a post landed: the thread's conversation id and the message id, to update it later. */
export interface Posted {
  readonly conversationId: string;
  readonly activityId: string;
}

/**
 * Why a delivery failed, as the domain needs to know it. `teams/` maps HTTP statuses and Teams error codes
 * onto these.
 */
export type DeliveryFailureKind =
  /** 429: wait `retryAfterMs` (or back off) and try again. */
  | 'throttled'
  /** 412, 5xx, network: try again with backoff. */
  | 'transient'
  /** 403 bot not in roster, blocked, disabled by admin: the binding is unusable until someone fixes it. */
  | 'forbidden'
  /** 404 conversation not found: the conversation reference is gone. */
  | 'gone'
  /** 413: the card is too large. */
  | 'too-large'
  /**
   * The stored service URL is not one of Teams' service hosts (an older version stored what any activity said):
   * nothing was sent, so the bot's token did not leave. A kind of its own, not 'permanent': waiting will not
   * make the URL trusted, and the bindings that hold it must stop being used until the channel is bound again.
   */
  | 'untrusted-service-url'
  /** Anything else: retrying will not help. */
  | 'permanent';

export class DeliveryFailure extends Error {
  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}

export interface ReminderPoster {
  /** Posts or updates; returns where a new post landed. Throws `DeliveryFailure` on failure. */
  deliver(delivery: Delivery): Promise<Posted | undefined>;
  /** The Teams thread a delivery lands in, as Teams counts it for rate limits (a channel, a chat). */
  threadOf(delivery: Delivery): string;
}
