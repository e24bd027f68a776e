/**
 * `tasks`: the open tasks of the person asking, assigned to them or acknowledged by them (by Entra object id, and
 * by Teams user id for an acknowledgement), most urgent first. In a channel: the list. In the person's 1:1 chat
 * (issue 14): each task's own card, with its actions (the domain lets a task's card be pressed in its person's
 * 1:1 chat, `actionConversationAllowed`), at most `MAX_PERSONAL_CARDS`, after a line saying how many there are.
 */
import type { ReminderService } from '../../../reminders/reminder.service';
import type { Clock } from '../../../reminders/clock';
import type { WorkloadService } from '../../../reminders/workload';
import { renderReminderCard, renderTaskListCard } from '../../cards/card-renderer';
import type { CardViews } from '../../card-views.builder';
import { t } from '../../i18n';
import { replyWithCard, replyWithText } from '../replies';
import { actorOf, type RoutedTurn } from '../routed-turn';

/** Cards sent at once in personal chat: more is a wall of cards (and Teams paces a bot's messages per conversation). */
export const MAX_PERSONAL_CARDS = 5;

export interface TasksDeps {
  readonly workload: Pick<WorkloadService, 'tasksOf'>;
  readonly reminders: Pick<ReminderService, 'openTasksOf'>;
  readonly views: Pick<CardViews, 'taskList' | 'reminder'>;
  readonly clock: Clock;
}

export async function listMyTasks(turn: RoutedTurn, deps: TasksDeps): Promise<void> {
  const { locale } = turn;
  const actor = actorOf(turn.activity);
  if (turn.activity.conversation?.conversationType !== 'personal') {
    const items = await deps.workload.tasksOf(turn.tenantId, actor);
    return replyWithCard(turn, renderTaskListCard(deps.views.taskList(items, locale, t(locale, 'tasks.title'), t(locale, 'tasks.empty'))));
  }
  const tasks = await deps.reminders.openTasksOf(turn.tenantId, actor);
  if (tasks.length === 0) return replyWithText(turn, t(locale, 'tasks.empty'));
  await replyWithText(turn, t(locale, 'assign.tasksHeading', { count: tasks.length }));
  const now = deps.clock.now();
  for (const o of tasks.slice(0, MAX_PERSONAL_CARDS)) await replyWithCard(turn, renderReminderCard(deps.views.reminder(o, now, locale)));
  if (tasks.length > MAX_PERSONAL_CARDS) await replyWithText(turn, t(locale, 'assign.tasksMore', { count: tasks.length - MAX_PERSONAL_CARDS }));
}
