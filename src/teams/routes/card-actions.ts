/**
 * The card-action family: an `adaptiveCard/action` invoke (Action.Execute) from the reminder card. The card's
 * `data` is parsed, never trusted: it names an occurrence, and everything else about it comes from the
 * database. The verb table in route-table.ts names each verb's handler; each asks the domain for one change and
 * the answer is the card as the task now stands, or a note saying why nothing changed.
 */
import { z } from 'zod';
import type { Catalog } from '../../catalog/catalog.types';
import type { Clock } from '../../reminders/clock';
import type { Person } from '../../catalog/catalog.types';
import type { Actor, Assignee, Occurrence } from '../../reminders/occurrence.types';
import type { ActionOrigin } from '../../reminders/card-actions';
import type { BindingService } from '../../reminders/binding.service';
import type { ReminderService } from '../../reminders/reminder.service';
import type { Logger } from '../../logger';
import { EVIDENCE_INPUT_PREFIX, isCardVerb, type CardVerb } from '../cards/card-views';
import { renderReminderCard } from '../cards/card-renderer';
import type { CardViews } from '../card-views.builder';
import { channelPart } from '../conversation-id';
import { answerCardActionFailure } from '../error-answers';
import { inertText } from '../formatting';
import { resolvePerson } from '../people';
import { t } from '../i18n';
import { answerWithCard, answerWithMessage, type InvokeAnswer } from '../invoke-answers';
import { requireRole, type AccessControl } from '../roles/access';
import { NotPermitted } from '../../reminders/errors';
import { actorOf, type RoutedTurn } from './routed-turn';

// Generous: the domain enforces the real limits with a clear answer; this only bounds what is parsed.
const MAX_INPUT = 20_000;
/** The card's `data` and inputs, as much as we accept of them: everything else comes from the database. */
const actionSchema = z.object({
  type: z.literal('Action.Execute').optional(),
  verb: z.string().max(64),
  data: z
    .object({
      occurrenceId: z.string().min(1).max(64),
      note: z.string().max(MAX_INPUT).optional(),
      reason: z.string().max(MAX_INPUT).optional(),
      minutes: z.union([z.string().max(8), z.number()]).optional(),
      // The people picker's value: an Entra object id; anything else is refused by the domain's check.
      assignee: z.unknown().optional(),
      handoverNote: z.string().max(MAX_INPUT).optional(),
    })
    .passthrough(),
});

const MAX_EVIDENCE_INPUTS = 32;

/** The evidence inputs of a press, by field id; values that are not text or numbers are passed on for the domain to refuse. */
function evidenceInputs(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!key.startsWith(EVIDENCE_INPUT_PREFIX) || Object.keys(out).length >= MAX_EVIDENCE_INPUTS) continue;
    out[key.slice(EVIDENCE_INPUT_PREFIX.length)] = typeof value === 'string' ? value.slice(0, MAX_INPUT) : value;
  }
  return out;
}

/** One press, parsed: who, on which task, from where, with what the card's inputs held. */
export interface CardActionRequest {
  readonly tenantId: string;
  readonly occurrenceId: string;
  readonly actor: Actor;
  /** Lets the domain refuse a press on a card copied to another conversation. */
  readonly origin: ActionOrigin;
  readonly note?: string;
  /** Done's evidence inputs by field id, as typed: the domain checks them against the activity's fields. */
  readonly evidence?: Readonly<Record<string, unknown>>;
  readonly reason?: string;
  readonly minutes?: string | number;
  /** Reassign / Hand over: the people picker's value, as sent (an Entra object id, if the card was not forged). */
  readonly assignee?: unknown;
  /** Hand over's note for the next person. */
  readonly handoverNote?: string;
  /**
   * Names the person with this Entra object id: the rotation, then the Teams roster here, then the roster of the
   * Teams team that receives `socTeamId`'s reminders; throws InvalidInput.
   */
  readonly lookUpPerson: (aadObjectId: string, rotation: readonly Person[], socTeamId: string) => Promise<Assignee>;
  /** Throws NotPermitted unless the person may reassign or hand over this task (see `requireMayReassign`). */
  readonly mayReassign: (o: Occurrence) => Promise<void>;
}

/** One verb's handler: the occurrence as the domain left it. Domain errors are answered by `answerCardAction`. */
export type CardVerbHandler = (request: CardActionRequest) => Promise<Occurrence>;

export type CardVerbTable = { readonly [V in CardVerb]: CardVerbHandler };

/** What the verb handlers ask of the domain, together. */
export interface CardVerbDeps {
  readonly reminders: Pick<ReminderService, 'acknowledge' | 'complete' | 'snooze' | 'skip' | 'forAction' | 'assign' | 'rotation'>;
}

/** `ack` (I'm on it). */
export function acknowledgeTask(reminders: Pick<ReminderService, 'acknowledge'>, r: CardActionRequest): Promise<Occurrence> {
  return reminders.acknowledge(r.tenantId, r.occurrenceId, r.actor, r.origin);
}

/** `done`, with the optional note and the evidence the activity asks for. */
export function completeTask(reminders: Pick<ReminderService, 'complete'>, r: CardActionRequest): Promise<Occurrence> {
  return reminders.complete(r.tenantId, r.occurrenceId, r.actor, r.note, r.origin, r.evidence);
}

/** `snooze` for the chosen minutes (the domain refuses a length it does not offer). */
export function snoozeTask(reminders: Pick<ReminderService, 'snooze'>, r: CardActionRequest): Promise<Occurrence> {
  return reminders.snooze(r.tenantId, r.occurrenceId, r.actor, Number(r.minutes), r.origin);
}

/** `skip`, with its required reason. */
export function skipTask(reminders: Pick<ReminderService, 'skip'>, r: CardActionRequest): Promise<Occurrence> {
  return reminders.skip(r.tenantId, r.occurrenceId, r.actor, r.reason, r.origin);
}

/** `take` (Take it): the task is the presser's, while nobody has it. */
export function takeTask(reminders: Pick<ReminderService, 'assign'>, r: CardActionRequest): Promise<Occurrence> {
  const aadObjectId = r.actor.aadObjectId ?? '';
  return reminders.assign(r.tenantId, r.occurrenceId, r.actor, { assignee: { aadObjectId, name: r.actor.name }, how: 'take' }, r.origin);
}

/**
 * `reassign` and `handover`: to the person chosen in the people picker. Who may is checked on the task as read,
 * then the picker's id is named (rotation, roster) and the domain applies it only while the task still has the
 * assignee that check saw. A value that is not an Entra object id, or a person nobody knows, records nothing.
 */
export async function reassignTask(reminders: Pick<ReminderService, 'assign' | 'forAction' | 'rotation'>, r: CardActionRequest, how: 'reassign' | 'handover'): Promise<Occurrence> {
  const current = await reminders.forAction(r.tenantId, r.occurrenceId, r.origin, r.actor);
  await r.mayReassign(current);
  const rotation = (await reminders.rotation(r.tenantId, current.teamId)).members;
  const assignee = await r.lookUpPerson(typeof r.assignee === 'string' ? r.assignee.slice(0, 100) : '', rotation, current.teamId);
  return reminders.assign(r.tenantId, r.occurrenceId, r.actor, { assignee, how, note: how === 'handover' ? r.handoverNote : undefined, authorize: r.mayReassign }, r.origin);
}

/** `refresh` (Universal Actions auto-refresh, or a press on a stale card): the task as it is, unchanged. */
export function refreshTask(reminders: Pick<ReminderService, 'forAction'>, r: CardActionRequest): Promise<Occurrence> {
  return reminders.forAction(r.tenantId, r.occurrenceId, r.origin, r.actor);
}

export interface CardActionDeps {
  readonly views: Pick<CardViews, 'reminder' | 'title' | 'teamName' | 'statusText'>;
  /** The domain's clock: a card shows status as of the same "now" the domain decided with. */
  readonly clock: Clock;
  readonly catalog: Pick<Catalog, 'timezone' | 'activities'>;
  readonly logger: Logger;
  readonly access: AccessControl;
  readonly reminders: Pick<ReminderService, 'forAction'>;
  readonly bindings: Pick<BindingService, 'teamsTeamOf'>;
}

/**
 * Reassign and Hand over (issue 14): the person on the task (its assignee; while nobody is assigned, whoever
 * acknowledged it) passes it on; anyone else must be an owner of this Teams team or a SOC admin. Throws NotPermitted.
 */
async function requireMayReassign(turn: RoutedTurn, o: Occurrence, actor: Actor, access: AccessControl): Promise<void> {
  const aad = actor.aadObjectId?.toLowerCase();
  const onIt = o.assignee ? aad !== undefined && o.assignee.aadObjectId === aad : o.acknowledgedBy?.userId === actor.userId;
  if (onIt) return;
  await requireRole(access, turn, 'reassign');
}

/**
 * Who may press (issue 13): ack, done, snooze and Take it need a member (guests read only); skip needs what the
 * activity's catalog `skip:` says (owners by default); Reassign and Hand over a member here, and then the person on
 * the task or an owner (`requireMayReassign`, on the task as the domain reads it). Refresh needs nobody.
 */
async function requireMayPress(turn: RoutedTurn, verb: CardVerb, request: CardActionRequest, deps: CardActionDeps): Promise<void> {
  if (verb === 'refresh') return;
  if (verb !== 'skip') {
    await requireRole(deps.access, turn, 'act');
    return;
  }
  // The task is read first (scoped by tenant and conversation) to know its activity's rule.
  const o = await deps.reminders.forAction(request.tenantId, request.occurrenceId, request.origin, request.actor);
  const skipPolicy = deps.catalog.activities.find((a) => a.id === o.activityId)?.skip ?? 'owners';
  await requireRole(deps.access, turn, 'skip', { skipPolicy, activityId: o.activityId });
}

export async function answerCardAction(turn: RoutedTurn, verbs: CardVerbTable, deps: CardActionDeps): Promise<InvokeAnswer> {
  const { activity, locale } = turn;
  const parsed = actionSchema.safeParse((activity.value as { action?: unknown } | undefined)?.action);
  if (!parsed.success) return answerWithMessage(t(locale, 'action.notFound'));
  const { verb, data } = parsed.data;
  if (!isCardVerb(verb)) return answerWithMessage(t(locale, 'action.unknownVerb', { verb: inertText(verb.slice(0, 40)) }));
  const request: CardActionRequest = {
    tenantId: turn.tenantId,
    occurrenceId: data.occurrenceId,
    actor: actorOf(activity),
    origin: {
      isSameConversation: (posted: string) => channelPart(posted) === channelPart(activity.conversation.id),
      conversationId: activity.conversation.id,
      personal: activity.conversation.conversationType === 'personal',
    },
    note: data.note,
    evidence: evidenceInputs(data),
    reason: data.reason,
    minutes: data.minutes,
    assignee: data.assignee,
    handoverNote: data.handoverNote,
    lookUpPerson: async (aadObjectId, rotation, socTeamId) => resolvePerson(turn.context, aadObjectId, rotation, deps.logger, await deps.bindings.teamsTeamOf(turn.tenantId, socTeamId)),
    mayReassign: (o) => requireMayReassign(turn, o, actorOf(activity), deps.access),
  };
  try {
    await requireMayPress(turn, verb, request, deps);
    const o = await verbs[verb](request);
    // Pressed in a 1:1 chat (a personal card): the redrawn card mentions nobody there.
    const personal = activity.conversation.conversationType === 'personal';
    if (personal) return answerWithCard(renderReminderCard(deps.views.reminder(o, deps.clock.now(), locale, { personal })));
    // From the task's escalation card (another channel): that card stays, and its update redraws it for everyone.
    if (o.postedConversationId === undefined || !request.origin.isSameConversation(o.postedConversationId)) {
      // The status names people and holds their notes: inert, as every note Teams shows after a press.
      return answerWithMessage(t(locale, 'escalation.actionRecorded', { team: deps.views.teamName(o.teamId, locale), status: inertText(deps.views.statusText(o, deps.clock.now(), locale)) }));
    }
    return answerWithCard(renderReminderCard(deps.views.reminder(o, deps.clock.now(), locale)));
  } catch (err) {
    if (err instanceof NotPermitted) deps.logger.warn({ aadObjectId: request.actor.aadObjectId, userId: request.actor.userId, tenantId: turn.tenantId, verb, need: err.need }, 'card action refused: not permitted');
    return answerCardActionFailure(err, { locale, timezone: deps.catalog.timezone, logger: deps.logger, activityId: activity.id, verb, views: deps.views });
  }
}
