/**
 * What the outbox carries, in one place: the union of message kinds, the only code that turns a message into the
 * columns of an outbox row and a row back into a message, and the keys that order and deduplicate rows. Writers
 * (occurrence creation, card actions, timers, the backlog, the digest) enqueue through `enqueueMessages`
 * (transaction.ts), which encodes here; the delivery worker decodes here. Nothing else reads or writes a payload.
 *
 * The outbox is shared by every replica and outlives a deploy, so a row may have been written by another version:
 * `decodeOutboxMessage` checks what it reads and says what is wrong instead of casting, and the worker
 * dead-letters such a row with that reason. Unknown payload fields are ignored, so a newer writer that adds one
 * does not break an older reader.
 *
 * A new kind: add it to `OutboxMessage`. The compiler then stops at every place that must handle it: its payload
 * (`payloadOf`), its decoder (`DECODERS`), its conversation key (`conversationKeyOf`) and the worker's
 * `toDelivery`, which needs a `Delivery` of that kind in delivery.port.ts, which the Teams poster must send.
 */
import type { Person } from '../catalog/catalog.types';
import type { ChannelTarget, DigestMissedRun, DigestRow, DigestTask, NudgeReason, PersonalReason, PersonalRecipient } from './delivery.port';

interface Shrinkable {
  /** Set by the delivery worker after Teams answered 413: the card goes out shrunk, and a second 413 is final. */
  readonly shrink?: boolean;
}

/** A new reminder card in its team's channel. */
export interface ReminderPostMessage extends Shrinkable {
  readonly kind: 'reminder.post';
  readonly occurrenceId: string;
  readonly target: ChannelTarget;
}

/** The posted card, redrawn as the occurrence is when it is sent (so only the last of several updates matters). */
export interface ReminderUpdateMessage extends Shrinkable {
  readonly kind: 'reminder.update';
  readonly occurrenceId: string;
}

/** A reply in the card's thread: the snooze ended, the task became overdue, a repeat nudge, an escalation step to a person. */
export interface ReminderNudgeMessage extends Shrinkable {
  readonly kind: 'reminder.nudge';
  readonly occurrenceId: string;
  readonly reason: NudgeReason;
  /** The person an escalation step named (reason `escalation`). */
  readonly person?: Person;
}

/** Which escalation card: one task (a run of an activity: every team's occurrence of it) in one team's channel. */
export interface EscalationCardRef {
  readonly activityId: string;
  readonly scheduledAt: number;
  /** The escalation team whose channel shows the card. */
  readonly teamId: string;
}

/**
 * The escalation card of a task in an escalation team's channel, posted by the first step that reaches that
 * channel; `occurrenceId` is the occurrence whose step posted it. Rows written before cards were per task carry no
 * `card`: the worker reads it as SOC Oversight's card of that occurrence's run.
 */
export interface EscalationPostMessage extends Shrinkable {
  readonly kind: 'escalation.post';
  readonly occurrenceId: string;
  readonly target: ChannelTarget;
  readonly card?: EscalationCardRef;
}

/** The posted escalation card, redrawn as the task's occurrences are when it is sent (one of its tasks changed). */
export interface EscalationUpdateMessage extends Shrinkable {
  readonly kind: 'escalation.update';
  readonly occurrenceId: string;
  /** The escalation team's channel, for pacing and for a 403 to make the right binding inactive. */
  readonly target: ChannelTarget;
  readonly card: EscalationCardRef;
}

/** The weekly digest in SOC Oversight's channel: the figures as computed when it was enqueued. */
export interface DigestPostMessage extends Shrinkable {
  readonly kind: 'digest.post';
  readonly target: ChannelTarget;
  readonly periodStart: number;
  readonly rows: readonly DigestRow[];
}

/**
 * The note in a channel that a SOC team's binding left it (issue 13): who moved the team's reminders and where, so
 * a move nobody there made is seen by the people who used to receive them.
 */
export interface BindingMovedMessage extends Shrinkable {
  readonly kind: 'binding.moved';
  /** The channel the team was bound to before. */
  readonly target: ChannelTarget;
  readonly socTeamId: string;
  readonly movedByName: string;
  readonly toChannelName: string;
  readonly toTeamsTeamName: string;
}

/**
 * The reminder card in a person's 1:1 chat (issue 14): created when the bot has none with them yet. `serviceUrl` and
 * `botId` are the tenant's, as a binding recorded them; the card is rendered as the occurrence is when it is sent.
 */
export interface PersonalPostMessage extends Shrinkable {
  readonly kind: 'personal.post';
  readonly occurrenceId: string;
  readonly person: PersonalRecipient;
  readonly reason: PersonalReason;
  readonly serviceUrl: string;
  readonly botId: string;
}

/** A personal card redrawn with the channel card: enqueued beside every `reminder.update` of its occurrence. */
export interface PersonalUpdateMessage extends Shrinkable {
  readonly kind: 'personal.update';
  readonly occurrenceId: string;
  readonly aadObjectId: string;
  readonly reason: PersonalReason;
}

export type OutboxMessage =
  | ReminderPostMessage
  | ReminderUpdateMessage
  | ReminderNudgeMessage
  | EscalationPostMessage
  | EscalationUpdateMessage
  | DigestPostMessage
  | BindingMovedMessage
  | PersonalPostMessage
  | PersonalUpdateMessage;

export type OutboxKind = OutboxMessage['kind'];

/** The message of one kind. */
type MessageOf<K extends OutboxKind> = Extract<OutboxMessage, { readonly kind: K }>;

/** A message to enqueue, for a tenant, at a time; with a singleton key when it must exist once at most. */
export interface OutboxEntry {
  readonly tenantId: string;
  readonly message: OutboxMessage;
  readonly at: number;
  readonly singletonKey?: string;
}

// ---- keys -------------------------------------------------------------------------------------------------------

/** Conversation key of everything about one occurrence: its post, updates and nudges go out in that order. */
export function occurrenceKey(occurrenceId: string): string {
  return `occ:${occurrenceId}`;
}

/** Conversation key of one escalation card: its post, then its updates, in that order. */
export function escalationCardKey(tenantId: string, card: EscalationCardRef): string {
  return `esc:${tenantId}|${card.activityId}|${card.scheduledAt}|${card.teamId}`;
}

/** Conversation key of new posts to a channel that belong to no occurrence's thread (digests, notes). */
export function channelKey(target: ChannelTarget): string {
  return `chan:${target.tenantId}|${target.channelId}`;
}

/**
 * Conversation key of one person's cards of one occurrence: their post comes before its updates, and a person
 * Teams is slow to reach holds up neither the channel card nor anyone else's.
 */
export function personalKey(occurrenceId: string, aadObjectId: string): string {
  return `pers:${occurrenceId}|${aadObjectId}`;
}

/**
 * Singleton keys of messages that must exist once at most. The unique index on `singleton_key` turns a second
 * insert of a key into nothing, whoever makes it, so even two callers that both believe they won a claim (a bug, a
 * checkpoint moved back by hand) leave one row, as pg-boss's singleton keys do.
 */
export const singletonKey = {
  /** The digest of the digest time `digestAt` to one tenant. */
  digest: (tenantId: string, digestAt: number): string => `digest|${tenantId}|${digestAt}`,
  /** The escalation of an occurrence, as it was before chains: it escalated once. */
  escalation: (occurrenceId: string): string => `escalation|${occurrenceId}`,
  /** The post of a task's escalation card in one team's channel: once, whichever team's step gets there first. */
  escalationCard: (tenantId: string, card: EscalationCardRef): string => `escalation-card|${tenantId}|${card.activityId}|${card.scheduledAt}|${card.teamId}`,
  /** Step `step` (0-based) of an occurrence's escalation chain: each step once. */
  escalationStep: (occurrenceId: string, step: number): string => `escalation-step|${occurrenceId}|${step}`,
  /** The "overdue" nudge of an occurrence: it becomes overdue once. */
  overdueNudge: (occurrenceId: string): string => `nudge:overdue|${occurrenceId}`,
  /** Repeat nudge `k` (the index in the activity's nudge times, 1 and up): each once. */
  repeatNudge: (occurrenceId: string, k: number): string => `nudge:repeat|${occurrenceId}|${k}`,
  /** The nudge of one snooze's end: a task may be snoozed again, and each snooze ends at its own time. */
  snoozeEndNudge: (occurrenceId: string, snoozedUntil: number): string => `nudge:snooze-ended|${occurrenceId}|${snoozedUntil}`,
  /** The personal card of one occurrence for one person and reason: posted once. */
  personalPost: (occurrenceId: string, aadObjectId: string, reason: PersonalReason): string => `personal|${occurrenceId}|${aadObjectId}|${reason}`,
} as const;

/** Rows with the same key are delivered in id order: an update never overtakes the post it updates. */
function conversationKeyOf(m: OutboxMessage): string {
  switch (m.kind) {
    case 'reminder.post':
    case 'reminder.update':
    case 'reminder.nudge':
      return occurrenceKey(m.occurrenceId);
    case 'escalation.post':
      // A legacy row (no card) keeps the channel key it was written with.
      return m.card ? escalationCardKey(m.target.tenantId, m.card) : channelKey(m.target);
    case 'escalation.update':
      return escalationCardKey(m.target.tenantId, m.card);
    case 'digest.post':
    case 'binding.moved':
      return channelKey(m.target);
    case 'personal.post':
      return personalKey(m.occurrenceId, m.person.aadObjectId);
    case 'personal.update':
      return personalKey(m.occurrenceId, m.aadObjectId);
    default:
      return unhandled(m);
  }
}

// ---- encode -----------------------------------------------------------------------------------------------------

/** A message as the columns of its outbox row. */
export interface EncodedOutboxMessage {
  readonly kind: OutboxKind;
  readonly occurrenceId?: string;
  readonly conversationKey: string;
  /** JSON text of what the message carries besides its kind and occurrence (those have columns). */
  readonly payload: string;
}

/** The columns of the outbox row that carries `m` (its tenant, time and singleton key are the writer's). */
export function encodeOutboxMessage(m: OutboxMessage): EncodedOutboxMessage {
  const payload = m.shrink ? { ...payloadOf(m), shrink: true } : payloadOf(m);
  return {
    kind: m.kind,
    occurrenceId: 'occurrenceId' in m ? m.occurrenceId : undefined,
    conversationKey: conversationKeyOf(m),
    payload: JSON.stringify(payload),
  };
}

/** The payload object of a message, field for field as earlier versions wrote it (rows outlive a deploy). */
function payloadOf(m: OutboxMessage): Record<string, unknown> {
  switch (m.kind) {
    case 'reminder.post':
      return { target: m.target };
    case 'escalation.post':
      return m.card ? { target: m.target, card: m.card } : { target: m.target };
    case 'escalation.update':
      return { target: m.target, card: m.card };
    case 'reminder.update':
      return {};
    case 'reminder.nudge':
      return m.person ? { reason: m.reason, person: m.person } : { reason: m.reason };
    case 'digest.post':
      return { target: m.target, periodStart: m.periodStart, rows: m.rows };
    case 'binding.moved':
      return { target: m.target, socTeamId: m.socTeamId, movedByName: m.movedByName, toChannelName: m.toChannelName, toTeamsTeamName: m.toTeamsTeamName };
    case 'personal.post':
      return { person: m.person, reason: m.reason, serviceUrl: m.serviceUrl, botId: m.botId };
    case 'personal.update':
      return { aadObjectId: m.aadObjectId, reason: m.reason };
    default:
      return unhandled(m);
  }
}

// ---- decode -----------------------------------------------------------------------------------------------------

export type DecodedOutboxMessage = { readonly ok: true; readonly message: OutboxMessage } | { readonly ok: false; readonly reason: string };

/** What a decoder is given: the parsed payload object and the row's occurrence column. */
interface RowParts {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly occurrenceId?: string;
}

/** Thrown inside a decoder; `decodeOutboxMessage` turns it into its answer. */
class Undecodable extends Error {}

/** One decoder per kind (a kind without one does not compile); each builds its message from checked fields only. */
const DECODERS: { readonly [K in OutboxKind]: (row: RowParts) => MessageOf<K> } = {
  'reminder.post': (row) => ({ kind: 'reminder.post', occurrenceId: requireOccurrence(row), target: readTarget(row.payload.target) }),
  'reminder.update': (row) => ({ kind: 'reminder.update', occurrenceId: requireOccurrence(row) }),
  'reminder.nudge': (row) => ({
    kind: 'reminder.nudge',
    occurrenceId: requireOccurrence(row),
    reason: readNudgeReason(row.payload.reason),
    ...(row.payload.person !== undefined && { person: readCatalogPerson(row.payload.person) }),
  }),
  'escalation.post': (row) => ({
    kind: 'escalation.post',
    occurrenceId: requireOccurrence(row),
    target: readTarget(row.payload.target),
    ...(row.payload.card !== undefined && { card: readCardRef(row.payload.card) }),
  }),
  'escalation.update': (row) => ({ kind: 'escalation.update', occurrenceId: requireOccurrence(row), target: readTarget(row.payload.target), card: readCardRef(row.payload.card) }),
  'digest.post': (row) => ({
    kind: 'digest.post',
    target: readTarget(row.payload.target),
    periodStart: readNumber(row.payload.periodStart, 'periodStart'),
    rows: readDigestRows(row.payload.rows),
  }),
  'binding.moved': (row) => ({
    kind: 'binding.moved',
    target: readTarget(row.payload.target),
    socTeamId: readString(row.payload.socTeamId, 'socTeamId'),
    movedByName: readString(row.payload.movedByName, 'movedByName'),
    toChannelName: readString(row.payload.toChannelName, 'toChannelName'),
    toTeamsTeamName: readString(row.payload.toTeamsTeamName, 'toTeamsTeamName'),
  }),
  'personal.post': (row) => ({
    kind: 'personal.post',
    occurrenceId: requireOccurrence(row),
    person: readRecipient(row.payload.person),
    reason: readPersonalReason(row.payload.reason),
    serviceUrl: readString(row.payload.serviceUrl, 'serviceUrl'),
    botId: readString(row.payload.botId, 'botId'),
  }),
  'personal.update': (row) => ({
    kind: 'personal.update',
    occurrenceId: requireOccurrence(row),
    aadObjectId: readString(row.payload.aadObjectId, 'aadObjectId'),
    reason: readPersonalReason(row.payload.reason),
  }),
};

function isOutboxKind(kind: string): kind is OutboxKind {
  return Object.hasOwn(DECODERS, kind);
}

/**
 * An outbox row's kind, occurrence column and payload text as the message they encode, or the reason they do not
 * encode one (not JSON, an unknown kind, a missing or malformed field).
 */
export function decodeOutboxMessage(row: { readonly kind: string; readonly occurrenceId?: string; readonly payload: string }): DecodedOutboxMessage {
  const { kind } = row;
  if (!isOutboxKind(kind)) return { ok: false, reason: `unknown outbox kind ${JSON.stringify(kind)}` };
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload);
  } catch {
    return { ok: false, reason: `${kind}: payload is not JSON` };
  }
  if (!isRecord(payload)) return { ok: false, reason: `${kind}: payload is not a JSON object` };
  try {
    const decode: (parts: RowParts) => OutboxMessage = DECODERS[kind];
    const message = decode({ payload, occurrenceId: row.occurrenceId });
    return { ok: true, message: payload.shrink === true ? { ...message, shrink: true } : message };
  } catch (err) {
    if (err instanceof Undecodable) return { ok: false, reason: `${kind}: ${err.message}` };
    throw err;
  }
}

function requireOccurrence(row: RowParts): string {
  if (row.occurrenceId === undefined || row.occurrenceId === '') throw new Undecodable('no occurrence id');
  return row.occurrenceId;
}

const NUDGE_REASONS: readonly NudgeReason[] = ['snooze-ended', 'overdue', 'repeat', 'escalation'];

function readCatalogPerson(value: unknown): Person {
  if (!isRecord(value)) throw new Undecodable('person is not an object');
  return { id: readString(value.id, 'person.id'), name: readString(value.name, 'person.name') };
}

function readCardRef(value: unknown): EscalationCardRef {
  if (!isRecord(value)) throw new Undecodable('card is missing');
  return { activityId: readString(value.activityId, 'card.activityId'), scheduledAt: readNumber(value.scheduledAt, 'card.scheduledAt'), teamId: readString(value.teamId, 'card.teamId') };
}

function readNudgeReason(value: unknown): NudgeReason {
  const reason = NUDGE_REASONS.find((r) => r === value);
  if (reason === undefined) throw new Undecodable(`reason ${JSON.stringify(value)} is not one of ${NUDGE_REASONS.join(', ')}`);
  return reason;
}

const PERSONAL_REASONS: readonly PersonalReason[] = ['assigned', 'overdue', 'escalation'];

function readPersonalReason(value: unknown): PersonalReason {
  const reason = PERSONAL_REASONS.find((r) => r === value);
  if (reason === undefined) throw new Undecodable(`reason ${JSON.stringify(value)} is not one of ${PERSONAL_REASONS.join(', ')}`);
  return reason;
}

function readRecipient(value: unknown): PersonalRecipient {
  if (!isRecord(value)) throw new Undecodable('person is missing');
  return { aadObjectId: readString(value.aadObjectId, 'person.aadObjectId'), name: readString(value.name, 'person.name') };
}

function readTarget(value: unknown): ChannelTarget {
  if (!isRecord(value)) throw new Undecodable('target is missing');
  return {
    tenantId: readString(value.tenantId, 'target.tenantId'),
    serviceUrl: readString(value.serviceUrl, 'target.serviceUrl'),
    botId: readString(value.botId, 'target.botId'),
    teamsTeamId: readString(value.teamsTeamId, 'target.teamsTeamId'),
    channelId: readString(value.channelId, 'target.channelId'),
  };
}

function readDigestRows(value: unknown): DigestRow[] {
  if (!Array.isArray(value)) throw new Undecodable('rows is not a list');
  return value.map((r: unknown, i) => {
    if (!isRecord(r)) throw new Undecodable(`rows[${i}] is not an object`);
    const median = r.medianTimeToDoneMs;
    return {
      teamId: readString(r.teamId, `rows[${i}].teamId`),
      doneOnTime: readNumber(r.doneOnTime, `rows[${i}].doneOnTime`),
      doneLate: readNumber(r.doneLate, `rows[${i}].doneLate`),
      overdue: readNumber(r.overdue, `rows[${i}].overdue`),
      skipped: readNumber(r.skipped, `rows[${i}].skipped`),
      // JSON leaves out an undefined median (no task done in the week); keep it out rather than null.
      ...(median === undefined ? {} : { medianTimeToDoneMs: readNumber(median, `rows[${i}].medianTimeToDoneMs`) }),
      // Digests enqueued before the task lists existed have none: they post with counts only.
      ...(r.overdueTasks === undefined ? {} : { overdueTasks: readDigestTasks(r.overdueTasks, `rows[${i}].overdueTasks`) }),
      ...(r.lateTasks === undefined ? {} : { lateTasks: readDigestTasks(r.lateTasks, `rows[${i}].lateTasks`) }),
      // Digests enqueued before missed runs existed have neither.
      ...(r.missed === undefined ? {} : { missed: readNumber(r.missed, `rows[${i}].missed`) }),
      ...(r.missedRuns === undefined ? {} : { missedRuns: readMissedRuns(r.missedRuns, `rows[${i}].missedRuns`) }),
    };
  });
}

function readMissedRuns(value: unknown, field: string): DigestMissedRun[] {
  if (!Array.isArray(value)) throw new Undecodable(`${field} is not a list`);
  return value.map((x: unknown, i) => {
    if (!isRecord(x)) throw new Undecodable(`${field}[${i}] is not an object`);
    return {
      activityId: readString(x.activityId, `${field}[${i}].activityId`),
      firstAt: readNumber(x.firstAt, `${field}[${i}].firstAt`),
      lastAt: readNumber(x.lastAt, `${field}[${i}].lastAt`),
      count: readNumber(x.count, `${field}[${i}].count`),
    };
  });
}

function readDigestTasks(value: unknown, field: string): DigestTask[] {
  if (!Array.isArray(value)) throw new Undecodable(`${field} is not a list`);
  return value.map((x: unknown, i) => {
    if (!isRecord(x)) throw new Undecodable(`${field}[${i}] is not an object`);
    const conversationId = x.postedConversationId;
    const activityId = x.postedActivityId;
    return {
      activityId: readString(x.activityId, `${field}[${i}].activityId`),
      dueAt: readNumber(x.dueAt, `${field}[${i}].dueAt`),
      ...(conversationId === undefined || activityId === undefined
        ? {}
        : { postedConversationId: readString(conversationId, `${field}[${i}].postedConversationId`), postedActivityId: readString(activityId, `${field}[${i}].postedActivityId`) }),
    };
  });
}

function readString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new Undecodable(`${field} is not a string`);
  return value;
}

function readNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Undecodable(`${field} is not a number`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `default` of an exhaustive switch: adding a kind without a case fails to compile here. */
function unhandled(m: never): never {
  throw new Error(`unhandled outbox message ${JSON.stringify(m)}`);
}
