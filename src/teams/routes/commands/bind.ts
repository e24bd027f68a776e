/**
 * `bind <team>`: this channel receives a SOC team's reminders (moved here if they went elsewhere). Who may: a SOC
 * admin or an owner of this channel's Teams team; moving a team out of ANOTHER Teams team: SOC admins only, and
 * the old channel is told (issue 13).
 */
import type { TurnContext } from 'botbuilder';
import type { Catalog } from '../../../catalog/catalog.types';
import type { BindingService } from '../../../reminders/binding.service';
import type { Logger } from '../../../logger';
import type { CardViews } from '../../card-views.builder';
import { botbuilder } from '../../bot-framework';
import { formatTeamList } from '../../catalog-lists';
import { t } from '../../i18n';
import { requireRole, type AccessControl } from '../../roles/access';
import { replyWithText } from '../replies';
import { actorOf, channelOf, type RoutedTurn } from '../routed-turn';

export interface BindDeps {
  readonly bindings: Pick<BindingService, 'bind'>;
  readonly catalog: Pick<Catalog, 'teams'>;
  readonly views: Pick<CardViews, 'teamName'>;
  readonly logger: Logger;
  readonly access: AccessControl;
}

/** An unknown team and a refusal are answered by the message route (error-answers.ts `replyToCommandError`). */
export async function bindChannel(turn: RoutedTurn, args: string, deps: BindDeps): Promise<void> {
  const { activity: a, locale } = turn;
  const channel = channelOf(a);
  if (!channel) return replyWithText(turn, t(locale, 'bind.needChannel'));
  if (args === '') return replyWithText(turn, t(locale, 'bind.missingTeam', { teamList: formatTeamList(deps.catalog, locale) }));
  const { role } = await requireRole(deps.access, turn, 'bind');
  const channelName = channel.channelName ?? (await lookUpChannelName(turn.context, channel.teamsTeamId, channel.channelId, deps.logger));
  const teamsTeamName = (a.channelData as { team?: { name?: string } } | undefined)?.team?.name;
  const result = await deps.bindings.bind(turn.tenantId, args, { ...channel, channelName, serviceUrl: a.serviceUrl, botId: a.recipient?.id ?? '' }, actorOf(a), {
    mayMoveFromAnotherTeam: role === 'soc-admin',
    ...(teamsTeamName ? { teamsTeamName } : {}),
  });
  const name = deps.views.teamName(result.team.id, locale);
  const lines = [t(locale, 'bind.done', { team: name })];
  if (result.previous) {
    const previousChannel = result.previous.channelName ?? result.previous.channelId;
    lines.push(t(locale, 'bind.moved', { team: name, previousChannel }));
    if (result.previous.active) lines.push(t(locale, 'access.movedNotified', { previousChannel }));
  }
  if (result.pendingPosted > 0) lines.push(t(locale, 'bind.pendingPosted', { count: result.pendingPosted }));
  return replyWithText(turn, lines.join('\n\n'));
}

/**
 * Teams sends a channel's id in messages but seldom its name; ask Teams for the team's channels so `teams` can
 * name it. A failed lookup only costs the name.
 */
async function lookUpChannelName(context: TurnContext, teamsTeamId: string, channelId: string, logger: Logger): Promise<string | undefined> {
  try {
    const channels = await botbuilder().TeamsInfo.getTeamChannels(context, teamsTeamId);
    return channels.find((c) => c.id === channelId)?.name ?? undefined;
  } catch (err) {
    logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not read the team\'s channel names');
    return undefined;
  }
}
