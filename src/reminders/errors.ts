/**
 * Domain errors with stable codes. Only `teams/` and `http/` turn them into cards, replies or status codes.
 */
import type { Actor, OccurrenceStatus } from './occurrence.types';

export type DomainErrorCode =
  | 'OCCURRENCE_NOT_FOUND'
  | 'ALREADY_CLOSED'
  | 'ALREADY_ACKNOWLEDGED'
  | 'NOT_IN_THIS_CONVERSATION'
  | 'INVALID_INPUT'
  | 'UNKNOWN_ACTIVITY'
  | 'UNKNOWN_TEAM'
  | 'NOT_ON_DEMAND'
  | 'TEAM_NOT_ASSIGNED'
  | 'UNTRUSTED_SERVICE_URL';

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
  | 'evidence-invalid';

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
