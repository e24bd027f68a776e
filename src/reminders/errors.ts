/**
 * Domain errors with stable codes. Only `teams/` and `http/` turn them into cards, replies or status codes.
 */
import type { Actor, Assignee, OccurrenceStatus } from './occurrence.types';

export type DomainErrorCode =
  | 'OCCURRENCE_NOT_FOUND'
  | 'ALREADY_CLOSED'
  | 'ALREADY_ACKNOWLEDGED'
  | 'ALREADY_ASSIGNED'
  | 'NOT_IN_THIS_CONVERSATION'
  | 'INVALID_INPUT'
  | 'UNKNOWN_ACTIVITY'
  | 'UNKNOWN_TEAM'
  | 'NOT_ON_DEMAND'
  | 'TEAM_NOT_ASSIGNED'
  | 'UNTRUSTED_SERVICE_URL'
  | 'NOT_PERMITTED'
  | 'TOO_MANY_RUNS';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** No such occurrence in this tenant (other tenants' occurrences are indistinguishable from missing ones). */
export class OccurrenceNotFound extends DomainError {
  constructor(readonly occurrenceId: string) {
    super('OCCURRENCE_NOT_FOUND', `occurrence ${occurrenceId} not found`);
  }
}

/** The task is done, skipped or missed: nothing more can happen to it. */
export class AlreadyClosed extends DomainError {
  constructor(
    readonly status: Extract<OccurrenceStatus, 'done' | 'skipped' | 'missed'>,
    readonly by: Actor | undefined,
    readonly at: number | undefined,
    readonly note: string | undefined,
  ) {
    super('ALREADY_CLOSED', `already ${status}${by ? ` by ${by.name}` : ''}${at ? ` at ${new Date(at).toISOString()}` : ''}`);
  }
}

/** Someone else already claimed the task. */
export class AlreadyAcknowledged extends DomainError {
  constructor(
    readonly by: Actor,
    readonly at: number,
  ) {
    super('ALREADY_ACKNOWLEDGED', `already acknowledged by ${by.name}`);
  }
}

/** Take it on a task someone else has, or a reassignment that lost a race: `by` has it now (undefined: nobody). */
export class AlreadyAssigned extends DomainError {
  constructor(
    readonly by: Assignee | undefined,
    readonly at: number | undefined,
  ) {
    super('ALREADY_ASSIGNED', by ? `already assigned to ${by.name}` : 'the assignee changed meanwhile');
  }
}

/** A card action came from a conversation where that occurrence's card was not posted. */
export class NotInThisConversation extends DomainError {
  constructor(readonly occurrenceId: string) {
    super('NOT_IN_THIS_CONVERSATION', `occurrence ${occurrenceId} was not posted in this conversation`);
  }
}

export type InvalidInputReason =
  | 'reason-required'
  | 'note-too-long'
  | 'bad-snooze'
  /** Evidence reasons carry `field`, `label` and `labelKo` in `detail` (and `min`, `max` where they apply). */
  | 'evidence-required'
  | 'evidence-not-https'
  | 'evidence-not-url'
  | 'evidence-not-number'
  | 'evidence-out-of-range'
  | 'evidence-too-long'
  | 'evidence-invalid'
  /** Reassign / Hand over / rotation set: the person chosen is not named by an Entra object id (a GUID). */
  | 'assignee-not-entra-id'
  /** The person chosen could not be found (not in the rotation, the team's roster or the directory). */
  | 'assignee-unknown'
  | 'rotation-empty'
  | 'rotation-too-long';

export class InvalidInput extends DomainError {
  constructor(
    readonly reason: InvalidInputReason,
    readonly detail: Record<string, string | number> = {},
  ) {
    super('INVALID_INPUT', `invalid input: ${reason}`);
  }
}

export class UnknownActivity extends DomainError {
  constructor(readonly input: string) {
    super('UNKNOWN_ACTIVITY', `unknown activity "${input}"`);
  }
}

export class UnknownTeam extends DomainError {
  constructor(readonly input: string) {
    super('UNKNOWN_TEAM', `unknown SOC team "${input}"`);
  }
}

export class NotOnDemand extends DomainError {
  constructor(readonly activityId: string) {
    super('NOT_ON_DEMAND', `activity ${activityId} runs on its schedule only`);
  }
}

export class TeamNotAssigned extends DomainError {
  constructor(
    readonly activityId: string,
    readonly teamId: string,
  ) {
    super('TEAM_NOT_ASSIGNED', `activity ${activityId} is not assigned to team ${teamId}`);
  }
}

/** A service URL off the allow-list of Teams service hosts: it is never stored (nor sent to). */
export class UntrustedServiceUrl extends DomainError {
  constructor(
    /** The URL's host (never the whole URL: it came from outside). */
    readonly host: string,
    readonly reason: string,
  ) {
    super('UNTRUSTED_SERVICE_URL', `untrusted service URL: ${reason}`);
  }
}

/**
 * What a person may be refused (issue 13). `act` is ack, done, snooze and Take it; `reassign` is Reassign and Hand
 * over of a task that is not the person's; `rotation` is `rotation set` and `rotation reset`.
 */
export type GuardedAction = 'bind' | 'unbind' | 'move-binding' | 'run' | 'skip' | 'act' | 'reassign' | 'rotation';

/** The least a person must be to do it: a SOC admin (SOC_ADMINS), an owner of the Teams team, or a member of it. */
export type RequiredRole = 'soc-admin' | 'team-owner' | 'member';

/** The person may not do this here; nothing was recorded. */
export class NotPermitted extends DomainError {
  constructor(
    readonly action: GuardedAction,
    readonly need: RequiredRole,
    readonly detail: {
      /** Teams or Graph could not be asked: the person was taken for less than they may be. */
      readonly unverified?: boolean;
      /** The person is a guest (read only), whatever the action needs. */
      readonly guest?: boolean;
      /** The activity of a refused `run` or skip. */
      readonly activityId?: string;
      /** The SOC team of a refused move. */
      readonly socTeamId?: string;
    } = {},
  ) {
    super('NOT_PERMITTED', `not permitted: ${action} needs ${need}`);
  }
}

/** The person started too many on-demand runs lately; nothing was recorded. */
export class TooManyRuns extends DomainError {
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    /** When the oldest run of the window leaves it, so another is allowed. */
    readonly retryAt: number,
  ) {
    super('TOO_MANY_RUNS', `more than ${limit} on-demand runs in ${windowMs} ms`);
  }
}
