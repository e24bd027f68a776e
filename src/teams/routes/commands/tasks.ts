/** `tasks`: the open tasks the person asking has acknowledged. */
import type { WorkloadService } from '../../../reminders/workload';
import { renderTaskListCard } from '../../cards/card-renderer';
import type { CardViews } from '../../card-views.builder';
import { t } from '../../i18n';
import { replyWithCard } from '../replies';
import { actorOf, type RoutedTurn } from '../routed-turn';

export interface TasksDeps {
  readonly workload: Pick<WorkloadService, 'tasksOf'>;
  readonly views: Pick<CardViews, 'taskList'>;
}

export async function listMyTasks(turn: RoutedTurn, deps: TasksDeps): Promise<void> {
  const { locale } = turn;
  const items = await deps.workload.tasksOf(turn.tenantId, actorOf(turn.activity).userId);
  return replyWithCard(turn, renderTaskListCard(deps.views.taskList(items, locale, t(locale, 'tasks.title'), t(locale, 'tasks.empty'))));
}
