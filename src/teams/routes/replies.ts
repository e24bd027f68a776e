/** How a route answers in chat: always with a card. */
import { botbuilder } from '../bot-framework';
import { renderMessageCard, type AdaptiveCardJson } from '../cards/card-renderer';
import type { RoutedTurn } from './routed-turn';

/**
 * A reply in chat. Sent as a card, not as message text: Teams renders a bot's message text as Markdown and HTML
 * (a display name `[x](https://evil.example)` would be a link, `<at>…</at>` a mention; what looks like a tag,
 * such as `<team>` in the bot's own words, is dropped, and text in `{…}` has been hidden: msteams-docs#4956),
 * and how to escape it is undocumented. A card's TextRun shows the text exactly as written, whatever it echoes
 * (a channel name, the team someone asked for, their command).
 */
export async function replyWithText(turn: RoutedTurn, text: string): Promise<void> {
  await replyWithCard(turn, renderMessageCard({ locale: turn.locale, text }));
}

export async function replyWithCard(turn: Pick<RoutedTurn, 'context'>, card: AdaptiveCardJson): Promise<void> {
  const { CardFactory, MessageFactory } = botbuilder();
  await turn.context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
}
