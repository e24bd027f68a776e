/**
 * A turn as every route handler receives it: it has passed the pipeline's gates, so it is Teams traffic from a
 * trusted service URL, in a tenant the bot serves. And the readers of what Teams put in the activity.
 */
import type { Activity, TurnContext } from 'botbuilder';
import type { Actor } from '../../reminders/occurrence.types';
import type { Locale } from '../cards/card-views';
import { channelPart } from '../conversation-id';

export interface RoutedTurn {
  readonly context: TurnContext;
  /** `context.activity`, named for brevity. */
  readonly activity: Activity;
  /** The tenant every read and write of this turn is scoped to. */
  readonly tenantId: string;
  /** The person's language: their Teams locale, else SOC_LOCALE. */
  readonly locale: Locale;
}

/** Who sent the activity, as the domain records people. */
export function actorOf(activity: Activity): Actor {
  const from = activity.from ?? { id: 'unknown', name: 'unknown' };
  // Bounded like the name: ids are stored with every event, and a forged one could be the whole body long.
  return {
    userId: String(from.id ?? 'unknown').slice(0, 200),
    name: String(from.name ?? from.id ?? 'unknown').slice(0, 200),
    ...(from.aadObjectId ? { aadObjectId: String(from.aadObjectId).slice(0, 100) } : {}),
  };
}

/** The channel a message came from, when it came from a team channel. */
export interface TeamChannel {
  readonly teamsTeamId: string;
  readonly channelId: string;
  readonly channelName?: string;
}

export function channelOf(activity: Activity): TeamChannel | undefined {
  const cd = (activity.channelData ?? {}) as { team?: { id?: string }; channel?: { id?: string; name?: string } };
  if (!cd.team?.id) return undefined;
  const channelId = cd.channel?.id ?? channelPart(activity.conversation.id);
  return { teamsTeamId: cd.team.id, channelId, channelName: cd.channel?.name ?? (channelId === cd.team.id ? 'General' : undefined) };
}
