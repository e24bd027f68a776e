/**
 * The bot's entry point: each turn takes the route `routeOf` names (route-table.ts), passes the pipeline's
 * steps in order, and reaches the one handler the route table names for it:
 *
 *   routeOf → trusted Teams endpoint → allowed tenant → service-URL refresh → card-action metrics → handler
 *
 * A step that refuses stops the turn there: an untrusted endpoint or a tenant off ALLOWED_TENANTS never
 * reaches a handler, the refresh or the metrics. An invoke's answer is sent once, after every step is done.
 */
import type { TurnContext } from 'botbuilder';
import type { Locale } from './cards/card-views';
import { isStoreFault } from '../storage/store-faults';
import { localeOf, t } from './i18n';
import { answerWithMessage, sendInvokeAnswer } from './invoke-answers';
import { observeCardActions, type CardActionObserver } from './pipeline/card-action-metrics.step';
import { followServiceUrl, type ServiceUrlRefreshDeps } from './pipeline/service-url-refresh.step';
import { requireAllowedTenant, type TenantGateDeps } from './pipeline/tenant-gate.step';
import { requireTrustedTeamsEndpoint, type TrustedEndpointDeps } from './pipeline/trusted-endpoint.step';
import { TurnPipeline, requireTenantId, type InboundTurn } from './pipeline/turn-pipeline';
import { createRouteTable, routeOf, type RouteDeps, type RouteHandlers } from './routes/route-table';
import { replyWithText } from './routes/replies';
import type { RoutedTurn } from './routes/routed-turn';

export { routeOf, type RouteName } from './routes/route-table';
export type { InvokeAnswer } from './invoke-answers';

/** What the bot needs: the handlers' dependencies and the steps'. Each handler and step takes only its share. */
export type BotDeps = RouteDeps &
  TrustedEndpointDeps &
  TenantGateDeps &
  ServiceUrlRefreshDeps & {
    /** SOC_LOCALE: the language when Teams states none. */
    readonly defaultLocale: Locale;
    /** Told each card action's verb, outcome and duration in seconds (metrics). */
    readonly observeCardAction?: CardActionObserver;
  };

export class SocBot {
  private readonly pipeline = new TurnPipeline();
  private readonly routes: RouteHandlers;

  constructor(private readonly deps: BotDeps) {
    this.routes = createRouteTable(deps);
    this.pipeline.use(requireTrustedTeamsEndpoint(deps)).use(requireAllowedTenant(deps)).use(followServiceUrl(deps));
    if (deps.observeCardAction) this.pipeline.use(observeCardActions(deps.observeCardAction));
  }

  /**
   * Handles one turn. Card actions answer through an invoke response; everything else replies in chat. When the
   * store refuses in a step before the handler (the service-URL refresh writes), the person is told that nothing
   * was recorded; installation events have nobody to tell, and go to the adapter's turn error.
   */
  async onTurn(context: TurnContext): Promise<void> {
    const { activity } = context;
    const route = routeOf(activity);
    if (route === 'ignored') return;
    const turn: InboundTurn = { context, activity, route, locale: localeOf(activity.locale, this.deps.defaultLocale) };
    try {
      await this.pipeline.run(turn, (passed) => this.dispatch(passed));
    } catch (err) {
      if (!isStoreFault(err) || (route !== 'message' && route !== 'card.action')) throw err;
      this.deps.logger.error({ err, activityId: activity.id, route }, 'the store refused; the person is told nothing was recorded');
      const text = t(turn.locale, 'store.unavailable');
      if (route === 'card.action') turn.invokeAnswer = answerWithMessage(text);
      else await replyWithText({ context, activity, tenantId: turn.tenantId ?? '', locale: turn.locale }, text);
    }
    if (turn.invokeAnswer) await sendInvokeAnswer(context, turn.invokeAnswer);
  }

  /** The end of the pipeline: the route's handler, with the tenant the gate established. */
  private async dispatch(turn: InboundTurn): Promise<void> {
    const routed: RoutedTurn = { context: turn.context, activity: turn.activity, tenantId: requireTenantId(turn), locale: turn.locale };
    if (turn.route === 'card.action') turn.invokeAnswer = await this.routes['card.action'](routed);
    else await this.routes[turn.route](routed);
  }
}
