/** `workload [team]`: a SOC team's workload card; without a team, the one bound to this channel. */
import type { Catalog } from '../../../catalog/catalog.types';
import type { BindingService } from '../../../reminders/binding.service';
import type { PersonalReachService } from '../../../reminders/personal';
import type { WorkloadService } from '../../../reminders/workload';
import { renderWorkloadCard } from '../../cards/card-renderer';
import type { CardViews } from '../../card-views.builder';
import { formatTeamList } from '../../catalog-lists';
import { t } from '../../i18n';
import { replyWithCard, replyWithText } from '../replies';
import { channelOf, type RoutedTurn } from '../routed-turn';

export interface WorkloadDeps {
  readonly bindings: Pick<BindingService, 'findTeam' | 'teamsOfChannel'>;
  readonly workload: Pick<WorkloadService, 'forTeam'>;
  readonly catalog: Pick<Catalog, 'teams'>;
  readonly views: Pick<CardViews, 'workload'>;
  readonly reach: Pick<PersonalReachService, 'unreachable'>;
}

export async function showWorkload(turn: RoutedTurn, args: string, deps: WorkloadDeps): Promise<void> {
  const { locale, tenantId } = turn;
  let teamId: string | undefined;
  if (args !== '') {
    teamId = deps.bindings.findTeam(args)?.id;
    if (!teamId) return replyWithText(turn, t(locale, 'workload.unknownTeam', { input: args.slice(0, 100), teamList: formatTeamList(deps.catalog, locale) }));
  } else {
    const channel = channelOf(turn.activity);
    teamId = channel ? (await deps.bindings.teamsOfChannel(tenantId, channel.channelId))[0]?.id : undefined;
    if (!teamId) return replyWithText(turn, t(locale, 'workload.noTeam', { teamList: formatTeamList(deps.catalog, locale) }));
  }
  const workload = await deps.workload.forTeam(tenantId, teamId);
  const unreachable = await deps.reach.unreachable(tenantId, teamId);
  return replyWithCard(turn, renderWorkloadCard(deps.views.workload(workload, locale, unreachable)));
}
