/**
 * The edge's Teams-only gate: before botbuilder sees a request, refuse activities that are not from Microsoft
 * Teams or that name a service URL off the allow-list. Both checks come before authentication on purpose:
 * - channelId: a token the Bot Framework endorsed for another channel (Web Chat, Direct Line) authenticates,
 *   and its activity can carry forged Teams `channelData` (tenant, team, channel). Only `msteams` is served.
 * - serviceUrl: botbuilder answers every activity at its serviceUrl with the bot's bearer token (and its
 *   emulator-token path does not compare the URL with the token's claim). An off-list URL gets nothing.
 * A refusal is a 403 JSON error and a warn log with the host (never the whole URL or any header).
 */
import type { Logger } from '../logger';
import type { ServiceUrlPolicy } from './service-url';

/** Bot Framework's channel id of Microsoft Teams (botbuilder `Channels.Msteams`). */
export const TEAMS_CHANNEL_ID = 'msteams';

/** What the edge answers instead of running the activity. */
export interface GateRefusal {
  readonly status: 403;
  readonly body: { readonly error: { readonly code: 'UnsupportedChannel' | 'UntrustedServiceUrl'; readonly message: string } };
}

/**
 * The answer refusing a (well-formed) activity that is not Teams traffic this bot may answer, or undefined to let
 * it through.
 */
export function refuseNonTeamsActivity(activity: { readonly id?: unknown; readonly channelId: string; readonly serviceUrl: string }, serviceUrls: ServiceUrlPolicy, logger: Logger): GateRefusal | undefined {
  const activityId = typeof activity.id === 'string' ? activity.id.slice(0, 200) : undefined;
  if (activity.channelId !== TEAMS_CHANNEL_ID) {
    logger.warn({ activityId, channelId: activity.channelId.slice(0, 64) }, 'refused an activity from a channel other than Microsoft Teams');
    return { status: 403, body: { error: { code: 'UnsupportedChannel', message: `This bot serves Microsoft Teams only (channelId "${TEAMS_CHANNEL_ID}").` } } };
  }
  const verdict = serviceUrls.check(activity.serviceUrl);
  if (!verdict.trusted) {
    logger.warn({ activityId, serviceUrlHost: verdict.host, reason: verdict.reason }, 'refused an activity whose serviceUrl is not a trusted Teams service host');
    return { status: 403, body: { error: { code: 'UntrustedServiceUrl', message: `The activity's serviceUrl is not trusted: ${verdict.reason}.` } } };
  }
  return undefined;
}
