/** `overdue`: every overdue task of the tenant, all SOC teams. */
import type { WorkloadService } from '../../../reminders/workload';
import { renderTaskListCard } from '../../cards/card-renderer';
import type { CardViews } from '../../card-views.builder';
import { t } from '../../i18n';
import { replyWithCard } from '../replies';
import type { RoutedTurn } from '../routed-turn';

export interface OverdueDeps {
  readonly workload: Pick<WorkloadService, 'overdue'>;
  readonly views: Pick<CardViews, 'taskList'>;
}

export async function listOverdueTasks(turn: RoutedTurn, deps: OverdueDeps): Promise<void> {
  const { locale } = turn;
  const items = await deps.workload.overdue(turn.tenantId);
  return replyWithCard(turn, renderTaskListCard(deps.views.taskList(items, locale, t(locale, 'overdue.title'), t(locale, 'overdue.empty'))));
}
