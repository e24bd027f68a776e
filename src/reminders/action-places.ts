/**
 * Where a card action on a task may come from (issue 14). A card is pressed in a conversation; the task's card may
 * have been posted in several (its team's channel, the escalation card, the person's 1:1 chat), and a card copied
 * anywhere else must be refused. Every allowed place is one line of `actionConversationAllowed`.
 */
import { listEscalationCards } from '../storage/escalation-card.repository';
import type { Db } from '../storage/occurrence.repository';
import { isPersonalPostConversation } from '../storage/personal.repository';
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
function isTheirs(o: Occurrence, actor: Actor): boolean {
  const aad = actor.aadObjectId?.toLowerCase();
  if (aad && o.assignee?.aadObjectId === aad) return true;
  return o.acknowledgedBy !== undefined && (o.acknowledgedBy.userId === actor.userId || (aad !== undefined && o.acknowledgedBy.aadObjectId?.toLowerCase() === aad));
}

/**
 * True when `actor` may act on `o` from the conversation `origin` names. `escalationCard` false refuses the task's
 * escalation card: it offers only Acknowledge and Assign, so a press forged in the escalation team's channel cannot
 * close or put aside another team's task.
 */
export async function actionConversationAllowed(db: Db, o: Occurrence, origin: ActionOrigin, actor: Actor | undefined, escalationCard: boolean): Promise<boolean> {
  // The task's own card, in its team's channel (any reply in its thread is the same conversation).
  if (o.postedConversationId !== undefined && origin.isSameConversation(o.postedConversationId)) return true;
  // The person's 1:1 chat, for a task that is theirs: `tasks` there shows it with its actions.
  if (origin.personal === true && actor !== undefined && isTheirs(o, actor)) return true;
  // A 1:1 chat the bot posted the task's card in (personal_posts): as good as the channel card.
  if (origin.conversationId !== undefined && (await isPersonalPostConversation(db, o.tenantId, o.id, origin.conversationId))) return true;
  // A channel where an escalation card of the task's run was posted.
  if (escalationCard) {
    const cards = await listEscalationCards(db, o.tenantId, o.activityId, o.scheduledAt);
    if (cards.some((c) => c.postedConversationId !== undefined && origin.isSameConversation(c.postedConversationId))) return true;
  }
  return false;
}
