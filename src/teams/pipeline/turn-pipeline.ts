/**
 * The steps every routed activity passes through before its handler, in the order they were added with `use()`
 * (as microsoft/teams.ts adds middleware to its App). A step calls `next()` to go on, or returns without it to
 * stop the turn there: a gate refuses by not calling it. Cross-cutting work (tenancy, trust, metrics) is a step,
 * so a handler only does its own job.
 */
import type { Activity, TurnContext } from 'botbuilder';
import type { Locale } from '../cards/card-views';
import type { InvokeAnswer } from '../invoke-answers';
import type { HandledRoute } from '../routes/route-table';

/** A turn on its way through the steps. The steps fill in what they establish. */
export interface InboundTurn {
  readonly context: TurnContext;
  /** `context.activity`. */
  readonly activity: Activity;
  /** Chosen by `routeOf` before the steps run: ignored activities never enter the pipeline. */
  readonly route: HandledRoute;
  /** The person's language: their Teams locale, else SOC_LOCALE. */
  readonly locale: Locale;
  /** Set by the tenant step. Handlers only run once it is. */
  tenantId?: string;
  /**
   * The answer to an invoke, sent once every step is done: set by the card-action route, or by a gate that
   * refuses one (Teams shows an error rather than waiting for an answer that never comes).
   */
  invokeAnswer?: InvokeAnswer;
}

export type TurnStep = (turn: InboundTurn, next: () => Promise<void>) => Promise<void>;

export class TurnPipeline {
  private readonly steps: TurnStep[] = [];

  /** Adds a step after those already added. */
  use(step: TurnStep): this {
    this.steps.push(step);
    return this;
  }

  /** Runs the steps in order, then `handle` if every step called `next()`. */
  async run(turn: InboundTurn, handle: (turn: InboundTurn) => Promise<void>): Promise<void> {
    const at = async (i: number): Promise<void> => {
      const step = this.steps[i];
      if (step === undefined) return handle(turn);
      let called = false;
      await step(turn, () => {
        // A second call would run the rest of the turn (and its handler) twice.
        if (called) throw new Error('a turn step called next() twice');
        called = true;
        return at(i + 1);
      });
    };
    await at(0);
  }
}

/** The turn's tenant, once the tenant step has set it; a step or handler placed before that step is a wiring bug. */
export function requireTenantId(turn: InboundTurn): string {
  if (turn.tenantId === undefined) throw new Error('the tenant step must run before this step or handler');
  return turn.tenantId;
}
