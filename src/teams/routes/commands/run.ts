/**
 * `run <activity> [for <team>] [again]`: starts an on-demand activity now, for all its teams or for one. Who may
 * (issue 13): a SOC admin for any team; a member (not a guest) of a Teams team for the SOC teams whose channel is
 * in that Teams team. A team with an open task of the activity gets none unless `again`: the answer links its card.
 */
import type { Catalog } from '../../../catalog/catalog.types';
import type { BindingService } from '../../../reminders/binding.service';
import type { Occurrence } from '../../../reminders/occurrence.types';
import type { ReminderService } from '../../../reminders/reminder.service';
import type { CardViews } from '../../card-views.builder';
import { formatOnDemandList } from '../../catalog-lists';
import { parseRunArgs } from '../../commands';
import { t } from '../../i18n';
import { requireRole, type AccessControl } from '../../roles/access';
import { messageLink } from '../../teams-poster';
import { replyWithText } from '../replies';
import { actorOf, channelOf, type RoutedTurn } from '../routed-turn';

export interface RunDeps {
  readonly reminders: Pick<ReminderService, 'runOnDemand'>;
  readonly bindings: Pick<BindingService, 'teamsBoundInTeamsTeam'>;
  readonly catalog: Pick<Catalog, 'activities'>;
  readonly views: Pick<CardViews, 'teamName' | 'title'>;
  readonly access: AccessControl;
}

/**
 * An unknown activity or team, a schedule-only activity, a team it is not assigned to, a refusal and the rate
 * limit are answered by the message route (error-answers.ts `replyToCommandError`).
 */
export async function startOnDemandRun(turn: RoutedTurn, args: string, deps: RunDeps): Promise<void> {
  const { locale } = turn;
  const { views } = deps;
  if (args === '') return replyWithText(turn, t(locale, 'run.missing', { activityList: formatOnDemandList(deps.catalog, locale) }));
  const { activity, team, again } = parseRunArgs(args);
  const { role } = await requireRole(deps.access, turn, 'run');
  const channel = channelOf(turn.activity);
  const allowedTeamIds = role === 'soc-admin' ? undefined : channel ? await deps.bindings.teamsBoundInTeamsTeam(turn.tenantId, channel.teamsTeamId) : [];
  const result = await deps.reminders.runOnDemand(turn.tenantId, activity, team, actorOf(turn.activity), { allowedTeamIds, again });
  const title = views.title(result.activity.id, locale);
  const lines: string[] = [];
  if (result.occurrences.length > 0 || result.alreadyOpen.length === 0) {
    lines.push(t(locale, 'run.done', { activity: title, teams: result.occurrences.map((o) => views.teamName(o.teamId, locale)).join(', ') || '—' }));
  }
  for (const open of result.alreadyOpen) lines.push(alreadyOpenLine(open, title, activity, locale, views));
  return replyWithText(turn, lines.join('\n\n'));
}

function alreadyOpenLine(o: Occurrence, title: string, activityInput: string, locale: RoutedTurn['locale'], views: Pick<CardViews, 'teamName'>): string {
  const team = views.teamName(o.teamId, locale);
  const input = activityInput.slice(0, 100);
  if (o.postedConversationId && o.postedActivityId) return t(locale, 'access.alreadyOpen', { activity: title, team, link: messageLink(o.postedConversationId, o.postedActivityId, o.tenantId), activityInput: input });
  return t(locale, 'access.alreadyOpenNoLink', { activity: title, team, activityInput: input });
}
