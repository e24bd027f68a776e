/**
 * Second line of defence behind the edge's gate (teams-gate.ts): an activity that is not from Microsoft Teams,
 * or names a service URL off the allow-list, goes no further. Nothing is answered, not even to an invoke: an
 * answer would go to the activity's serviceUrl with the bot's token. The edge refuses these before botbuilder
 * runs; this step covers any other way a turn reaches the bot.
 */
import type { ServiceUrlTrust } from '../../reminders/binding.service';
import type { Logger } from '../../logger';
import { TEAMS_CHANNEL_ID } from '../teams-gate';
import type { TurnStep } from './turn-pipeline';

export interface TrustedEndpointDeps {
  /** The service-URL allow-list (the edge applies it first). */
  readonly trustServiceUrl: ServiceUrlTrust;
  readonly logger: Logger;
}

export function requireTrustedTeamsEndpoint(deps: TrustedEndpointDeps): TurnStep {
  return async (turn, next) => {
    const { activity } = turn;
    if (activity.channelId !== TEAMS_CHANNEL_ID || !deps.trustServiceUrl(activity.serviceUrl).trusted) {
      deps.logger.warn({ activityId: activity.id, route: turn.route, channelId: String(activity.channelId).slice(0, 64) }, 'activity not from a trusted Microsoft Teams endpoint ignored');
      return;
    }
    await next();
  };
}
