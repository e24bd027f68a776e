/**
 * The one place where a failure becomes what a person sees: the note on a pressed card (an invoke's message
 * answer) or the reply to a chat command, in the person's language. Nothing else in teams/ catches to explain.
 *
 * Domain errors carry typed fields (reminders/errors.ts). `isCodedDomainError` narrows an error to the subclass
 * its code names, so a `switch (err.code)` reads `err.by` or `err.activityId` with their types, not through a
 * cast. A new DomainErrorCode fails to compile in DOMAIN_ERROR_TYPES and in both switches until it has answers.
 *
 * Faults that are nobody's doing (the store unreachable, say) belong here too: `answerCardActionFailure` and
 * `replyToCommandFailure` are the spots, before their generic answers.
 */
import { isStoreFault } from '../storage/store-faults';
import type { Catalog } from '../catalog/catalog.types';
import type { Actor } from '../reminders/occurrence.types';
import {
  AlreadyAcknowledged,
  AlreadyAssigned,
  AlreadyClosed,
  DomainError,
  InvalidInput,
  NotInThisConversation,
  NotOnDemand,
  NotPermitted,
  OccurrenceNotFound,
  TeamNotAssigned,
  TooManyRuns,
  UnknownActivity,
  UnknownTeam,
  UntrustedServiceUrl,
  type DomainErrorCode,
} from '../reminders/errors';
import type { Logger } from '../logger';
import type { Locale } from './cards/card-views';
import type { CardViews } from './card-views.builder';
import { formatOnDemandList, formatTeamList } from './catalog-lists';
import type { CommandName } from './commands';
import { formatDateTime, inertText } from './formatting';
import { t, type MessageKey } from './i18n';
import { answerWithMessage, type InvokeAnswer } from './invoke-answers';
import { explainNotPermitted, explainTooManyRuns } from './roles/refusals';

/** The subclass that carries each code's fields. */
const DOMAIN_ERROR_TYPES = {
  OCCURRENCE_NOT_FOUND: OccurrenceNotFound,
  ALREADY_CLOSED: AlreadyClosed,
  ALREADY_ACKNOWLEDGED: AlreadyAcknowledged,
  ALREADY_ASSIGNED: AlreadyAssigned,
  NOT_IN_THIS_CONVERSATION: NotInThisConversation,
  INVALID_INPUT: InvalidInput,
  UNKNOWN_ACTIVITY: UnknownActivity,
  UNKNOWN_TEAM: UnknownTeam,
  NOT_ON_DEMAND: NotOnDemand,
  TEAM_NOT_ASSIGNED: TeamNotAssigned,
  UNTRUSTED_SERVICE_URL: UntrustedServiceUrl,
  NOT_PERMITTED: NotPermitted,
  TOO_MANY_RUNS: TooManyRuns,
} as const satisfies { readonly [C in DomainErrorCode]: new (...args: never[]) => DomainError };

/** A domain error whose `code` tells its subclass: switching on `code` narrows to it. */
export type CodedDomainError = { [C in DomainErrorCode]: InstanceType<(typeof DOMAIN_ERROR_TYPES)[C]> & { readonly code: C } }[DomainErrorCode];

/** True for a DomainError that is an instance of the subclass its code names (every one the domain throws). */
export function isCodedDomainError(err: unknown): err is CodedDomainError {
  return err instanceof DomainError && Object.hasOwn(DOMAIN_ERROR_TYPES, err.code) && err instanceof DOMAIN_ERROR_TYPES[err.code];
}

/**
 * The note Teams shows on a pressed card for a domain error. People's names, notes and reasons are made inert:
 * this text is not a card, so Markdown in it is not known to be shown as typed.
 * @param timezone where the times of "already done at …" are read (the catalog's)
 */
export function explainToCardAction(err: CodedDomainError, locale: Locale, timezone: string, views?: Pick<CardViews, 'title' | 'teamName'>): string {
  const nameOf = (by: Actor | undefined) => inertText(by?.name ?? '?');
  const time = (at: number | undefined) => (at === undefined ? '' : formatDateTime(at, timezone, locale));
  switch (err.code) {
    case 'OCCURRENCE_NOT_FOUND':
      return t(locale, 'action.notFound');
    case 'NOT_IN_THIS_CONVERSATION':
      return t(locale, 'action.otherConversation');
    case 'ALREADY_ACKNOWLEDGED':
      return t(locale, 'action.alreadyAcknowledged', { name: nameOf(err.by), time: time(err.at) });
    case 'ALREADY_ASSIGNED':
      return err.by ? t(locale, 'assign.alreadyAssigned', { name: inertText(err.by.name), time: time(err.at) }) : t(locale, 'assign.changedMeanwhile');
    case 'ALREADY_CLOSED':
      if (err.status === 'done') return t(locale, 'action.alreadyDone', { name: nameOf(err.by), time: time(err.at) });
      if (err.status === 'skipped') return t(locale, 'action.alreadySkipped', { name: nameOf(err.by), time: time(err.at), reason: inertText(err.note ?? '') });
      return t(locale, 'action.closed', { status: err.status });
    case 'INVALID_INPUT':
      return explainInvalidInput(err, locale);
    case 'NOT_PERMITTED':
      return views ? explainNotPermitted(err, locale, views) : t(locale, 'access.refused.act');
    case 'TOO_MANY_RUNS':
      return explainTooManyRuns(err, locale, timezone);
    case 'UNKNOWN_ACTIVITY':
    case 'UNKNOWN_TEAM':
    case 'NOT_ON_DEMAND':
    case 'TEAM_NOT_ASSIGNED':
    case 'UNTRUSTED_SERVICE_URL':
      // Errors of `run` and `bind`, which no card action meets: should one ever, the generic sentence.
      return t(locale, 'action.error');
  }
}

function explainInvalidInput(err: InvalidInput, locale: Locale): string {
  switch (err.reason) {
    case 'reason-required':
      return t(locale, 'action.reasonRequired');
    case 'bad-snooze':
      return t(locale, 'action.badSnooze');
    case 'note-too-long':
      return t(locale, 'action.noteTooLong', { length: Number(err.detail.length), max: Number(err.detail.max) });
    case 'assignee-not-entra-id':
      return t(locale, 'assign.notEntraId');
    case 'assignee-unknown':
      return t(locale, 'assign.unknownPerson');
    case 'rotation-empty':
      return t(locale, 'assign.rotationNeedsPeople');
    case 'rotation-too-long':
      return t(locale, 'assign.rotationTooLong', { max: Number(err.detail.max) });
    case 'evidence-required':
    case 'evidence-not-https':
    case 'evidence-not-url':
    case 'evidence-not-number':
    case 'evidence-out-of-range':
    case 'evidence-too-long':
    case 'evidence-invalid':
      return explainEvidence(err, err.reason, locale);
  }
}

const EVIDENCE_MESSAGES = {
  'evidence-required': 'evidence.required',
  'evidence-not-https': 'evidence.notHttps',
  'evidence-not-url': 'evidence.notUrl',
  'evidence-not-number': 'evidence.notNumber',
  'evidence-out-of-range': 'evidence.outOfRange',
  'evidence-too-long': 'evidence.tooLong',
  'evidence-invalid': 'evidence.invalid',
} as const satisfies Partial<Record<InvalidInput['reason'], MessageKey>>;

/** Names the field in the reader's language (its catalog label), so the person knows which input to fix. */
function explainEvidence(err: InvalidInput, reason: keyof typeof EVIDENCE_MESSAGES, locale: Locale): string {
  const label = String((locale === 'ko' ? err.detail.labelKo : err.detail.label) ?? err.detail.field ?? '');
  return t(locale, EVIDENCE_MESSAGES[reason], { label, min: err.detail.min ?? '', max: err.detail.max ?? '' });
}

/** What the card-action route needs to answer a failure. */
export interface CardActionFailureContext {
  readonly locale: Locale;
  /** The catalog's time zone. */
  readonly timezone: string;
  readonly logger: Logger;
  readonly activityId: string | undefined;
  readonly verb: string;
  /** Names for a refusal's words (the activity that may not be skipped). */
  readonly views?: Pick<CardViews, 'title' | 'teamName'>;
}

/** The invoke answer to a card action that threw: a domain error's sentence, else (logged) the generic one. */
export function answerCardActionFailure(err: unknown, context: CardActionFailureContext): InvokeAnswer {
  const { locale } = context;
  if (isCodedDomainError(err)) return answerWithMessage(explainToCardAction(err, locale, context.timezone, context.views));
  context.logger.error({ err, activityId: context.activityId, verb: context.verb }, 'card action failed');
  // The store refused (its file lost, the disk full, the server down): say that nothing was recorded.
  if (isStoreFault(err)) return answerWithMessage(t(locale, 'store.unavailable'));
  return answerWithMessage(t(locale, 'action.error'));
}

/** The catalog and names the command replies quote. */
export interface CommandErrorWording {
  readonly catalog: Pick<Catalog, 'teams' | 'activities' | 'timezone'>;
  readonly views: Pick<CardViews, 'activity' | 'title' | 'teamName'>;
}

/**
 * The chat reply to a command that met a domain error, or undefined where that command has no answer for it:
 * the error then fails the turn, and the adapter logs it and apologises ("nothing was recorded").
 */
export function replyToCommandError(err: CodedDomainError, command: CommandName, locale: Locale, wording: CommandErrorWording): string | undefined {
  const { catalog, views } = wording;
  switch (err.code) {
    case 'UNKNOWN_TEAM':
      if (command === 'bind' || command === 'rotation') return t(locale, 'bind.unknownTeam', { input: err.input.slice(0, 100), teamList: formatTeamList(catalog, locale) });
      if (command === 'run') return t(locale, 'run.unknownTeam', { input: err.input.slice(0, 100), teamList: formatTeamList(catalog, locale) });
      return undefined;
    case 'UNKNOWN_ACTIVITY':
      if (command !== 'run') return undefined;
      return t(locale, 'run.unknownActivity', { input: err.input.slice(0, 100), activityList: formatOnDemandList(catalog, locale) });
    case 'NOT_ON_DEMAND': {
      if (command !== 'run') return undefined;
      const activity = views.activity(err.activityId);
      const cadence = activity ? (locale === 'ko' ? activity.cadence_ko : activity.cadence) : '';
      return t(locale, 'run.notOnDemand', { activity: views.title(err.activityId, locale), cadence });
    }
    case 'TEAM_NOT_ASSIGNED':
      if (command !== 'run') return undefined;
      return t(locale, 'run.teamNotAssigned', { activity: views.title(err.activityId, locale), team: views.teamName(err.teamId, locale) });
    case 'NOT_PERMITTED':
      // The commands that change something (issue 13); the others only read.
      if (command !== 'bind' && command !== 'unbind' && command !== 'run' && command !== 'rotation') return undefined;
      return explainNotPermitted(err, locale, views);
    case 'INVALID_INPUT':
      // `rotation set` with nobody mentioned, too many people, or a mention without an Entra id.
      return command === 'rotation' ? explainInvalidInput(err, locale) : undefined;
    case 'TOO_MANY_RUNS':
      if (command !== 'run') return undefined;
      return explainTooManyRuns(err, locale, catalog.timezone);
    case 'OCCURRENCE_NOT_FOUND':
    case 'ALREADY_CLOSED':
    case 'ALREADY_ACKNOWLEDGED':
    case 'ALREADY_ASSIGNED':
    case 'NOT_IN_THIS_CONVERSATION':
    case 'UNTRUSTED_SERVICE_URL':
      // Card-action errors, and a service URL the gates have already refused: no command has words for them.
      return undefined;
  }
}

/** The chat reply to a command that threw, or undefined to let the error fail the turn. */
export function replyToCommandFailure(err: unknown, command: CommandName, locale: Locale, wording: CommandErrorWording): string | undefined {
  if (isCodedDomainError(err)) return replyToCommandError(err, command, locale, wording);
  // The store refused: the person is told nothing was recorded (the fault is logged by the message route).
  if (isStoreFault(err)) return t(locale, 'store.unavailable');
  return undefined;
}
