/**
 * What Teams accepts as the answer to an `adaptiveCard/action` invoke, and the only constructors of one. The
 * answer travels in the body of the invoke response (HTTP 200 whatever the `statusCode` inside says: that is how
 * Teams reads Universal Actions answers).
 */
import type { TurnContext } from 'botbuilder';
import { botbuilder } from './bot-framework';
import type { AdaptiveCardJson } from './cards/card-renderer';

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';
const ERROR = 'application/vnd.microsoft.error';

export type InvokeAnswer =
  /** The card that replaces the pressed one. */
  | { readonly statusCode: 200; readonly type: typeof CARD; readonly value: AdaptiveCardJson }
  /** A short note Teams shows on the card; the card stays as it was. */
  | { readonly statusCode: 200; readonly type: typeof MESSAGE; readonly value: string }
  /** A refusal of the request itself, before any handler ran. */
  | { readonly statusCode: 400 | 403; readonly type: typeof ERROR; readonly value: { readonly code: InvokeErrorCode; readonly message: string } };

export type InvokeErrorCode = 'BadRequest' | 'Forbidden';

/** The updated card, shown in place of the one that was pressed. */
export function answerWithCard(card: AdaptiveCardJson): InvokeAnswer {
  return { statusCode: 200, type: CARD, value: card };
}

/** A sentence Teams shows on the card (people's text in it must already be inert: see `inertText`). */
export function answerWithMessage(text: string): InvokeAnswer {
  return { statusCode: 200, type: MESSAGE, value: text };
}

/** An invoke the bot will not handle: no tenant to scope it to (400), or a tenant off ALLOWED_TENANTS (403). */
export function refuseInvoke(statusCode: 400 | 403, message: string): InvokeAnswer {
  return { statusCode, type: ERROR, value: { code: statusCode === 400 ? 'BadRequest' : 'Forbidden', message } };
}

/** True when the answer is an updated card (the metrics' "card" outcome; anything else was refused). */
export function isCardAnswer(answer: InvokeAnswer): boolean {
  return answer.type === CARD;
}

/** Hands the answer to botbuilder, which returns it as the body of the HTTP response to the invoke. */
export async function sendInvokeAnswer(context: TurnContext, answer: InvokeAnswer): Promise<void> {
  await context.sendActivity({ type: botbuilder().ActivityTypes.InvokeResponse, value: { status: 200, body: answer } });
}
