/** `help` (and an empty message, a bare mention): what the bot understands. */
import { renderMessageCard } from '../../cards/card-renderer';
import type { CardViews } from '../../card-views.builder';
import { replyWithCard } from '../replies';
import type { RoutedTurn } from '../routed-turn';

export interface HelpDeps {
  readonly views: Pick<CardViews, 'help'>;
}

export async function replyWithHelp(turn: RoutedTurn, deps: HelpDeps): Promise<void> {
  await replyWithCard(turn, renderMessageCard(deps.views.help(turn.locale)));
}
