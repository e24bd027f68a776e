/**
 * Teams conversation ids, as both directions read them: inbound routes compare where a card action came from
 * with where its card was posted, and the poster paces and links by channel. Neither owns the format, so it
 * lives here, beside them.
 */

/** The `19:…@thread…` channel part of a Teams conversation id, without `;messageid=…`. */
export function channelPart(conversationId: string): string {
  const i = conversationId.indexOf(';');
  return i < 0 ? conversationId : conversationId.slice(0, i);
}
