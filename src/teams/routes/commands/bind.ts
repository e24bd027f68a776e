/** `bind <team>`: this channel receives a SOC team's reminders (moved here if they went elsewhere). */
import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Catalog } from '../../../catalog/catalog.types';
import type { BindingService } from '../../../reminders/binding.service';
import type { Logger } from '../../../logger';
import type { CardViews } from '../../card-views.builder';
import { formatTeamList } from '../../catalog-lists';
import { t } from '../../i18n';
import { replyWithText } from '../replies';
import { actorOf, channelOf, type RoutedTurn } from '../routed-turn';

export interface BindDeps {
  readonly bindings: Pick<BindingService, 'bind'>;
  readonly catalog: Pick<Catalog, 'teams'>;
  readonly views: Pick<CardViews, 'teamName'>;
  readonly logger: Logger;
}

/** An unknown team is answered by the message route (error-answers.ts `replyToCommandError`). */
export async function bindChannel(turn: RoutedTurn, args: string, deps: BindDeps): Promise<void> {
  const { activity: a, locale } = turn;
  const channel = channelOf(a);
  if (!channel) return replyWithText(turn, t(locale, 'bind.needChannel'));
  if (args === '') return replyWithText(turn, t(locale, 'bind.missingTeam', { teamList: formatTeamList(deps.catalog, locale) }));
  const channelName = channel.channelName ?? (await lookUpChannelName(turn.context, channel.teamsTeamId, channel.channelId, deps.logger));
  const result = await deps.bindings.bind(turn.tenantId, args, { ...channel, channelName, serviceUrl: a.serviceUrl, botId: a.recipient?.id ?? '' }, actorOf(a));
  const name = deps.views.teamName(result.team.id, locale);
  const lines = [t(locale, 'bind.done', { team: name })];
  if (result.previous) lines.push(t(locale, 'bind.moved', { team: name, previousChannel: result.previous.channelName ?? result.previous.channelId }));
  if (result.pendingPosted > 0) lines.push(t(locale, 'bind.pendingPosted', { count: result.pendingPosted }));
  return replyWithText(turn, lines.join('\n\n'));
}

/**
 * Teams sends a channel's id in messages but seldom its name; ask Teams for the team's channels so `teams` can
 * name it. A failed lookup only costs the name.
 */
async function lookUpChannelName(context: TurnContext, teamsTeamId: string, channelId: string, logger: Logger): Promise<string | undefined> {
  try {
    const channels = await TeamsInfo.getTeamChannels(context, teamsTeamId);
    return channels.find((c) => c.id === channelId)?.name ?? undefined;
  } catch (err) {
    logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not read the team\'s channel names');
    return undefined;
  }
}
