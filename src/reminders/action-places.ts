/**
 * Where a card action on a task may come from (issue 14). A card is pressed in a conversation; the task's card may
 * have been posted in several (its team's channel, the escalation card, the person's 1:1 chat), and a card copied
 * anywhere else must be refused. Every allowed place is one line of `actionConversationAllowed`.
 */
import type { Actor, Occurrence } from './occurrence.types';

/** Where a card action came from, as `teams/` understands it. */
export interface ActionOrigin {
  /** True when the occurrence's card was posted in the conversation the action came from. */
  isSameConversation(postedConversationId: string): boolean;
  /** The conversation acted from, as Teams names it. */
  readonly conversationId?: string;
  /** True for the person's 1:1 chat with the bot. */
  readonly personal?: boolean;
}

/** True when the task is the person's: assigned to them, or acknowledged by them. */
export function isTheirs(o: Occurrence, actor: Actor): boolean {
  const aad = actor.aadObjectId?.toLowerCase();
  if (aad && o.assignee?.aadObjectId === aad) return true;
  return o.acknowledgedBy !== undefined && (o.acknowledgedBy.userId === actor.userId || (aad !== undefined && o.acknowledgedBy.aadObjectId?.toLowerCase() === aad));
}

/** True when `actor` may act on `o` from the conversation `origin` names. */
export function actionConversationAllowed(o: Occurrence, origin: ActionOrigin, actor: Actor | undefined): boolean {
  // The task's own card, in its team's channel (any reply in its thread is the same conversation).
  if (o.postedConversationId !== undefined && origin.isSameConversation(o.postedConversationId)) return true;
  // The person's 1:1 chat, for a task that is theirs: `tasks` there shows it with its actions.
  if (origin.personal === true && actor !== undefined && isTheirs(o, actor)) return true;
  return false;
}
