/**
 * Times each card action's handler (`soc_card_action_duration_seconds`), labelled with its verb and whether it
 * answered with a card or refused. Only card actions that passed the gates are timed: refusals by the gates
 * cost nothing worth measuring.
 */
import { isCardVerb } from '../cards/card-views';
import { isCardAnswer } from '../invoke-answers';
import type { TurnStep } from './turn-pipeline';

/** Told each card action's verb (or `other`), outcome (`card` or `refused`) and duration in seconds. */
export type CardActionObserver = (verb: string, outcome: string, seconds: number) => void;

export function observeCardActions(observe: CardActionObserver): TurnStep {
  return async (turn, next) => {
    if (turn.route !== 'card.action') return next();
    const started = performance.now();
    await next();
    // The label comes from outside: bounded, and anything but a known verb is `other` (a metric's label set must stay small).
    const verb = String((turn.activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb ?? 'none').slice(0, 16);
    const answer = turn.invokeAnswer;
    observe(isCardVerb(verb) ? verb : 'other', answer !== undefined && isCardAnswer(answer) ? 'card' : 'refused', (performance.now() - started) / 1000);
  };
}
