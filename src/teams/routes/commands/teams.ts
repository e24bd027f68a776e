/** `teams`: every SOC team, the channel it posts to, and what waits unposted for want of one. */
import type { BindingService } from '../../../reminders/binding.service';
import type { PersonalReachService } from '../../../reminders/personal';
import { renderTeamsListCard } from '../../cards/card-renderer';
import type { CardViews } from '../../card-views.builder';
import { t } from '../../i18n';
import { replyWithCard } from '../replies';
import type { RoutedTurn } from '../routed-turn';

export interface TeamsDeps {
  readonly bindings: Pick<BindingService, 'listTeams'>;
  readonly views: Pick<CardViews, 'teamName'>;
  readonly reach: Pick<PersonalReachService, 'unreachable'>;
}

export async function listTeams(turn: RoutedTurn, deps: TeamsDeps): Promise<void> {
  const { locale } = turn;
  const teams = await deps.bindings.listTeams(turn.tenantId);
  const unreachable = await deps.reach.unreachable(turn.tenantId);
  const card = renderTeamsListCard({
    locale,
    teams: teams.map(({ team, binding, unposted }) => {
      let channelText = t(locale, 'teams.unbound');
      if (binding) channelText = binding.active ? (binding.channelName ?? binding.channelId) : t(locale, 'teams.inactive', { reason: binding.inactiveReason ?? '?' });
      if (unposted > 0) channelText += ` · ${t(locale, 'workload.unposted', { count: unposted, team: deps.views.teamName(team.id, locale) })}`;
      return { id: team.id, name: deps.views.teamName(team.id, locale), channelText, bound: !!binding?.active };
    }),
    unreachable: unreachable.map((p) => t(locale, 'reach.unreachable', { name: p.name })),
  });
  return replyWithCard(turn, card);
}
