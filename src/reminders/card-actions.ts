/**
 * What the buttons on a reminder card do: "I'm on it" (acknowledge), "Done" (complete), "Snooze" and "Skip", and
 * what a card may read before acting. Each action is one guarded UPDATE of the open occurrence, its event and a card
 * update in one transaction; of two people pressing at once exactly one wins, and the other is told why not from the
 * row as it then is (`AlreadyClosed`, `AlreadyAcknowledged`).
 */
import type { Kysely } from 'kysely';
import type { EvidenceField } from '../catalog/catalog.types';
import { findOccurrence, updateOpenOccurrence, type Db } from '../storage/occurrence.repository';
import type { Database } from '../storage/tables';
import { actionConversationAllowed, type ActionOrigin } from './action-places';
import { AlreadyAcknowledged, AlreadyClosed, InvalidInput, NotInThisConversation, OccurrenceNotFound } from './errors';
import { checkEvidence, encodeEvidence } from './evidence';
import { SNOOZE_MINUTES, statusOf, type Actor, type Evidence, type Occurrence, type OccurrenceEvent } from './occurrence.types';
import { cardUpdate, enqueueMessage, recordEvent, transact, type WriteDeps } from './transaction';

/** Longest note or skip reason kept, in characters. */
export const MAX_NOTE_LENGTH = 500;

export type { ActionOrigin } from './action-places';

/** "I'm on it": claims the task. Pressing it again is harmless; someone else's claim is refused. */
export async function acknowledge(deps: WriteDeps, tenantId: string, id: string, actor: Actor, origin: ActionOrigin): Promise<Occurrence> {
  const current = await getOccurrenceForAction(deps.db, tenantId, id, origin, actor);
  if (current.acknowledgedBy?.userId === actor.userId && current.snoozedUntil === undefined) return current;
  const now = deps.clock.now();
  return transition(deps, current, 'acknowledged', actor, now, undefined, { acknowledgedBy: actor.userId }, {
    acknowledged_at: current.acknowledgedBy?.userId === actor.userId ? current.acknowledgedAt! : now,
    ack_user_id: actor.userId,
    ack_aad_id: actor.aadObjectId ?? null,
    ack_name: actor.name,
    snoozed_until: null,
    snoozed_by_name: null,
  });
}

/** What Done was given: the optional note and the card's evidence inputs (field id → value as typed). */
export interface DoneInput {
  readonly note?: string;
  readonly evidence?: Readonly<Record<string, unknown>>;
}

/**
 * Marks the task done, with an optional note and the evidence its activity asks for (`fields`, from the catalog).
 * Every value is checked before anything is written: a missing required field, an http:// link or text in a number
 * field is refused (`InvalidInput`) and the task stays open. Exactly one of racing callers wins.
 */
export async function complete(deps: WriteDeps, tenantId: string, id: string, actor: Actor, input: DoneInput, fields: readonly EvidenceField[], origin: ActionOrigin): Promise<Occurrence> {
  const cleanNote = checkNote(input.note, false);
  const evidence = checkEvidence(fields, input.evidence);
  return close(deps, tenantId, id, actor, 'done', cleanNote, origin, evidence);
}

/** Puts the task aside for one of `SNOOZE_MINUTES`; it comes back as a nudge in its thread when the snooze ends. */
export async function snooze(deps: WriteDeps, tenantId: string, id: string, actor: Actor, minutes: number, origin: ActionOrigin): Promise<Occurrence> {
  if (!SNOOZE_MINUTES.includes(minutes)) throw new InvalidInput('bad-snooze', { minutes });
  const current = await getOccurrenceForAction(deps.db, tenantId, id, origin, actor, false);
  const now = deps.clock.now();
  return transition(deps, current, 'snoozed', actor, now, `${minutes} min`, {}, {
    snoozed_until: now + minutes * 60_000,
    snoozed_by_name: actor.name,
  });
}

/** Closes the task without doing it; a reason is required. */
export async function skip(deps: WriteDeps, tenantId: string, id: string, actor: Actor, reason: string | undefined, origin: ActionOrigin): Promise<Occurrence> {
  return close(deps, tenantId, id, actor, 'skipped', checkNote(reason, true), origin);
}

/** Reads an occurrence for display (a card refresh); scoped by tenant. */
export async function getOccurrence(db: Kysely<Database>, tenantId: string, id: string): Promise<Occurrence> {
  const o = await findOccurrence(db, tenantId, id);
  if (!o) throw new OccurrenceNotFound(id);
  return o;
}

/**
 * Occurrence as a card action may touch it: in this tenant, and acted on from a place its card may be pressed in
 * (`actionConversationAllowed`; the person's own 1:1 chat needs `actor`). The escalation card offers only
 * Acknowledge and Assign (and refreshes): Done, Skip, Snooze, Take it and Hand over pass `escalationCard: false`.
 */
export async function getOccurrenceForAction(db: Kysely<Database>, tenantId: string, id: string, origin: ActionOrigin, actor?: Actor, escalationCard = true): Promise<Occurrence> {
  const o = await getOccurrence(db, tenantId, id);
  if (await actionConversationAllowed(db, o, origin, actor, escalationCard)) return o;
  throw new NotInThisConversation(id);
}

/** Done or skipped: final, with who, when and the note or reason. */
async function close(deps: WriteDeps, tenantId: string, id: string, actor: Actor, state: 'done' | 'skipped', note: string | undefined, origin: ActionOrigin, evidence?: Evidence): Promise<Occurrence> {
  const current = await getOccurrenceForAction(deps.db, tenantId, id, origin, actor, false);
  const now = deps.clock.now();
  return transition(deps, current, state, actor, now, note, {}, {
    state,
    closed_at: now,
    closed_user_id: actor.userId,
    closed_aad_id: actor.aadObjectId ?? null,
    closed_name: actor.name,
    close_note: note ?? null,
    close_evidence: encodeEvidence(evidence),
    snoozed_until: null,
  }, evidence);
}

/** A note or reason as kept: line breaks normalised, trimmed, at most `MAX_NOTE_LENGTH`; empty is none. */
function checkNote(text: string | undefined, required: boolean): string | undefined {
  const clean = (text ?? '').replace(/\r\n?/g, '\n').trim();
  if (required && clean === '') throw new InvalidInput('reason-required');
  if (clean.length > MAX_NOTE_LENGTH) throw new InvalidInput('note-too-long', { length: clean.length, max: MAX_NOTE_LENGTH });
  return clean === '' ? undefined : clean;
}

/**
 * Applies `patch` while the occurrence is open and `guard` holds, with its event and a card update; when the
 * UPDATE matched nothing, throws the reason as the row now tells it.
 */
async function transition(
  deps: WriteDeps,
  current: Occurrence,
  type: OccurrenceEvent['type'],
  actor: Actor,
  now: number,
  note: string | undefined,
  guard: Parameters<typeof updateOpenOccurrence>[4],
  patch: Parameters<typeof updateOpenOccurrence>[3],
  evidence?: Evidence,
): Promise<Occurrence> {
  const updated = await transact(deps, async (trx: Db) => {
    const row = await updateOpenOccurrence(trx, current.tenantId, current.id, patch, guard);
    if (!row) return undefined;
    await recordEvent(trx, row, type, statusOf(current, now), actor, now, note, evidence);
    await enqueueMessage(trx, cardUpdate(row, now));
    return row;
  });
  if (updated) return updated;
  // Lost the race or the state was wrong: say exactly why, from the row as it is now.
  const latest = await getOccurrence(deps.db, current.tenantId, current.id);
  if (latest.state !== 'open') throw new AlreadyClosed(latest.state, latest.closedBy, latest.closedAt, latest.closeNote);
  if (latest.acknowledgedBy && latest.acknowledgedBy.userId !== actor.userId) throw new AlreadyAcknowledged(latest.acknowledgedBy, latest.acknowledgedAt!);
  throw new AlreadyClosed('done', undefined, undefined, undefined);
}
