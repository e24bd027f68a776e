/** `run <activity> [for <team>]`: starts an on-demand activity now, for all its teams or for one. */
import type { Catalog } from '../../../catalog/catalog.types';
import type { ReminderService } from '../../../reminders/reminder.service';
import type { CardViews } from '../../card-views.builder';
import { formatOnDemandList } from '../../catalog-lists';
import { parseRunArgs } from '../../commands';
import { t } from '../../i18n';
import { replyWithText } from '../replies';
import { actorOf, type RoutedTurn } from '../routed-turn';

export interface RunDeps {
  readonly reminders: Pick<ReminderService, 'runOnDemand'>;
  readonly catalog: Pick<Catalog, 'activities'>;
  readonly views: Pick<CardViews, 'teamName' | 'title'>;
}

/**
 * An unknown activity or team, a schedule-only activity and a team it is not assigned to are answered by the
 * message route (error-answers.ts `replyToCommandError`).
 */
export async function startOnDemandRun(turn: RoutedTurn, args: string, deps: RunDeps): Promise<void> {
  const { locale } = turn;
  const { views } = deps;
  if (args === '') return replyWithText(turn, t(locale, 'run.missing', { activityList: formatOnDemandList(deps.catalog, locale) }));
  const { activity, team } = parseRunArgs(args);
  const result = await deps.reminders.runOnDemand(turn.tenantId, activity, team, actorOf(turn.activity));
  const teams = result.occurrences.map((o) => views.teamName(o.teamId, locale)).join(', ');
  return replyWithText(turn, t(locale, 'run.done', { activity: views.title(result.activity.id, locale), teams: teams || '—' }));
}
