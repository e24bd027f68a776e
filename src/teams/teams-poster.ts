/**
 * The Teams side of the `ReminderPoster` port: renders the card for the occurrence as it is now and posts it
 * as a new conversation in the bound channel, updates the posted message, or replies in its thread. Teams'
 * HTTP failures are translated into the domain's `DeliveryFailure` kinds. Nothing is sent to a service URL off
 * the allow-list, whoever stored it: botbuilder would send the bot's bearer token along.
 */
import type { ConversationReference, TurnContext } from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { DeliveryFailure, type ChannelTarget, type Delivery, type DigestTask, type NudgeReason, type PersonalRecipient, type PersonalTarget, type Posted, type ReminderPoster } from '../reminders/delivery.port';
import type { Clock } from '../reminders/clock';
import { personOnTask } from '../reminders/personal';
import type { BotAdapter } from './adapter';
import { botbuilder } from './bot-framework';
import type { Locale } from './cards/card-views';
import { renderDigestCard, renderEscalationCard, renderMessageCard, renderNudgeCard, renderReminderCard, type AdaptiveCardJson } from './cards/card-renderer';
import type { CardViews } from './card-views.builder';
import { channelPart } from './conversation-id';
import { formatDay, formatElapsed } from './formatting';
import { t } from './i18n';
import type { ServiceUrlPolicy } from './service-url';

/** The digest covers the week before it: from `periodStart` to the digest's own day. */
const WEEK_MS = 7 * 86_400_000;

export interface TeamsPosterOptions {
  readonly adapter: BotAdapter;
  /** The bot's Microsoft App ID ('' in local mode). */
  readonly appId: string;
  readonly views: CardViews;
  readonly clock: Clock;
  /** Language of channel posts (SOC_LOCALE). */
  readonly locale: Locale;
  readonly timezone: string;
  /** The allow-list every send is checked against. */
  readonly serviceUrls: Pick<ServiceUrlPolicy, 'check'>;
}

function header(err: Record<string, unknown>, name: string): string | undefined {
  const response = err.response as { headers?: { get?: (n: string) => string | undefined } | Record<string, string> } | undefined;
  const headers = response?.headers;
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get: (n: string) => string | undefined }).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}

/** Teams' answer (status, error code, Retry-After) → what the domain should do about it. */
export function toDeliveryFailure(error: unknown): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  const err = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const status = Number(err.statusCode ?? err.status ?? (err.response as { status?: number } | undefined)?.status) || undefined;
  let code = typeof err.code === 'string' && !/^[A-Z_]+$/.test(err.code) ? err.code : undefined;
  const bodyText = (err.response as { bodyAsText?: string } | undefined)?.bodyAsText;
  if (bodyText) {
    try {
      const body = JSON.parse(bodyText) as { error?: { code?: string } };
      code = body.error?.code ?? code;
    } catch {
      // Not JSON: keep what we have.
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  if (status === undefined) return new DeliveryFailure('transient', message, undefined, typeof err.code === 'string' ? err.code : undefined);
  if (status === 429) {
    const retryAfter = Number(header(err, 'retry-after'));
    return new DeliveryFailure('throttled', message, status, code, Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined);
  }
  if (status === 412 || status === 502 || status === 503 || status === 504 || status === 500) return new DeliveryFailure('transient', message, status, code);
  if (status === 403) return new DeliveryFailure('forbidden', message, status, code);
  if (status === 404) return new DeliveryFailure('gone', message, status, code);
  if (status === 413) return new DeliveryFailure('too-large', message, status, code);
  return new DeliveryFailure('permanent', message, status, code);
}

export class TeamsPoster implements ReminderPoster {
  constructor(private readonly opts: TeamsPosterOptions) {}

  /** Teams limits a bot per thread: a channel (new posts and replies in its threads alike) or a chat. */
  threadOf(d: Delivery): string {
    if ('target' in d) return d.target.channelId;
    // A 1:1 chat not created yet has no id: the person stands for it (one chat per person).
    if ('personal' in d) return d.personal.conversationId ?? `personal:${d.personal.person.aadObjectId}`;
    return channelPart(d.occurrence.postedConversationId ?? d.occurrence.id);
  }

  async deliver(d: Delivery): Promise<Posted | undefined> {
    const { views, clock, locale } = this.opts;
    const now = clock.now();
    switch (d.kind) {
      case 'reminder.post':
        // The card shows the state it will have once posted ("Open"), not the outbox's "Not posted".
        return this.postToChannel(d.target, renderReminderCard(views.reminder({ ...d.occurrence, postedAt: d.occurrence.postedAt ?? now }, now, locale, { shrink: d.shrink })));
      case 'reminder.update':
        await this.inConversation(d.occurrence.postedServiceUrl!, d.occurrence.tenantId, d.occurrence.postedConversationId!, async (ctx) => {
          const card = renderReminderCard(views.reminder(d.occurrence, now, locale, { shrink: d.shrink }));
          await ctx.updateActivity({ type: 'message', id: d.occurrence.postedActivityId!, attachments: [botbuilder().CardFactory.adaptiveCard(card)] });
        });
        return undefined;
      case 'reminder.nudge': {
        const o = d.occurrence;
        const time = views.time(o.dueAt, o.activityId, locale);
        const message = nudgeMessage(d.reason, locale, time, d.person?.name);
        const card = renderNudgeCard({
          locale,
          occurrenceId: o.id,
          title: views.title(o.activityId, locale),
          message,
          dueText: time,
          // An escalation step to a person mentions that person; other nudges the person on the task, else the tag.
          mention: views.mention(d.person ? { aadObjectId: d.person.id, name: d.person.name } : personOnTask(o), o.teamId, locale),
        });
        await this.inConversation(o.postedServiceUrl!, o.tenantId, o.postedConversationId!, async (ctx) => {
          const { CardFactory, MessageFactory } = botbuilder();
          await ctx.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
        });
        return undefined;
      }
      case 'escalation.post':
        return this.postToChannel(d.target, renderEscalationCard(views.escalation(d.card, now, locale, messageLink)));
      case 'escalation.update': {
        const { card } = d;
        // Replaces the posted card in its own thread, as a reminder card's update does.
        await this.inConversation(d.target.serviceUrl, d.target.tenantId, card.postedConversationId!, async (ctx) => {
          const json = renderEscalationCard(views.escalation(card, now, locale, messageLink));
          await ctx.updateActivity({ type: 'message', id: card.postedActivityId!, attachments: [botbuilder().CardFactory.adaptiveCard(json)] });
        });
        return undefined;
      }
      case 'digest.post': {
        const dates = { now, readerTimeZone: this.opts.timezone };
        const task = (label: string) => (x: DigestTask) => ({
          label,
          title: views.title(x.activityId, locale),
          // The day is enough to find the task, and a time would make the line wrap mid-word in Korean.
          dueText: formatDay(x.dueAt, views.timeZoneOf(x.activityId), locale, dates),
          link: x.postedConversationId && x.postedActivityId ? messageLink(x.postedConversationId, x.postedActivityId, d.target.tenantId) : undefined,
        });
        const card = renderDigestCard({
          locale,
          periodText: t(locale, 'digest.period', {
            start: formatDay(d.periodStart, this.opts.timezone, locale, dates),
            end: formatDay(d.periodStart + WEEK_MS, this.opts.timezone, locale, dates),
          }),
          rows: d.rows.map((r) => {
            const tasks = [
              ...(r.overdueTasks ?? []).map(task(t(locale, 'digest.overdueTasks'))),
              ...(r.lateTasks ?? []).map(task(t(locale, 'digest.lateTasks'))),
              // A run of fire times missed while the bot was down: "Missed: «task» · 96 times between … and …".
              ...(r.missedRuns ?? []).map((run) => ({
                label: t(locale, 'digest.missedTasks'),
                title: views.title(run.activityId, locale),
                dueText: t(locale, 'digest.missedRun', {
                  count: run.count,
                  first: formatDay(run.firstAt, views.timeZoneOf(run.activityId), locale, dates),
                  last: formatDay(run.lastAt, views.timeZoneOf(run.activityId), locale, dates),
                }),
              })),
            ];
            // Digests enqueued before task lists existed carry none: they keep their counts and no "more" line.
            const more = r.overdueTasks || r.lateTasks ? r.overdue + r.doneLate - tasks.length : 0;
            return {
              teamName: views.teamName(r.teamId, locale),
              doneOnTime: r.doneOnTime,
              doneLate: r.doneLate,
              overdue: r.overdue,
              skipped: r.skipped,
              medianText: r.medianTimeToDoneMs === undefined ? t(locale, 'workload.none') : formatElapsed(r.medianTimeToDoneMs, locale),
              tasks,
              moreText: more > 0 ? t(locale, 'digest.moreTasks', { count: more }) : undefined,
            };
          }),
        });
        return this.postToChannel(d.target, card);
      }
      case 'personal.post':
      case 'personal.update':
        return this.deliverPersonal(d, now);
      case 'binding.moved': {
        const text = [
          t(locale, 'access.bindingMovedTitle'),
          t(locale, 'access.bindingMovedAway', { by: d.movedByName, team: views.teamName(d.socTeamId, locale), channel: d.toChannelName, teamsTeam: d.toTeamsTeamName }),
        ].join('\n\n');
        // A message card: the names are people's text, shown as typed in a TextRun (replies.ts says why).
        return this.postToChannel(d.target, renderMessageCard({ locale, text }));
      }
    }
  }

  /**
   * The reminder card in a person's 1:1 chat: the same card and actions as in the channel, without the mention (the
   * chat is theirs). The chat is created first when none is known: Teams answers with the existing chat when there
   * is one, and refuses (403, or 404 for an unknown user) while the app is not installed for the person; the worker
   * records either answer.
   */
  private async deliverPersonal(d: Extract<Delivery, { kind: 'personal.post' | 'personal.update' }>, now: number): Promise<Posted | undefined> {
    const { views, locale } = this.opts;
    const { occurrence } = d;
    const card = renderReminderCard(views.reminder({ ...occurrence, postedAt: occurrence.postedAt ?? now }, now, locale, { shrink: d.shrink, personal: true }));
    const { CardFactory, MessageFactory } = botbuilder();
    const attachment = CardFactory.adaptiveCard(card);
    if (d.kind === 'personal.update') {
      const { personal } = d;
      await this.inConversation(personal.serviceUrl, personal.tenantId, personal.conversationId, async (ctx) => {
        await ctx.updateActivity({ type: 'message', id: d.activityId, attachments: [attachment] });
      }, personal.person);
      return undefined;
    }
    const { personal } = d;
    const conversationId = personal.conversationId ?? (await this.createPersonalChat(personal));
    let activityId: string | undefined;
    await this.inConversation(personal.serviceUrl, personal.tenantId, conversationId, async (ctx) => {
      activityId = (await ctx.sendActivity(MessageFactory.attachment(attachment)))?.id;
    }, personal.person);
    if (!activityId) throw new DeliveryFailure('permanent', 'Teams did not return the personal post\'s id');
    return { conversationId, activityId };
  }

  /** Asks Teams for the bot's 1:1 chat with a person, by Entra object id, in their tenant. */
  private async createPersonalChat(personal: PersonalTarget): Promise<string> {
    let id: string | undefined;
    // Any conversation id will do for the proactive turn: createConversation addresses the service, not a chat.
    await this.inConversation(personal.serviceUrl, personal.tenantId, `personal:${personal.person.aadObjectId}`, async (ctx) => {
      const client = ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey);
      const result = await client.conversations.createConversation({
        isGroup: false,
        bot: { id: personal.botId, name: 'SOC Reminders' },
        // The Entra object id both as the id and as `aadObjectId`: the Agents Playground finds the person by the
        // latter (a bare id that is not a 29: id answers 500 UserNotFound there); Teams was not asked.
        members: [{ id: personal.person.aadObjectId, aadObjectId: personal.person.aadObjectId, name: personal.person.name }],
        tenantId: personal.tenantId,
        channelData: { tenant: { id: personal.tenantId } },
      } as never);
      id = result.id;
    }, personal.person);
    if (!id) throw new DeliveryFailure('permanent', 'Teams did not return the 1:1 chat\'s id');
    return id;
  }

  /** A new post (a new conversation) in a channel; Teams answers with the thread id and the message id. */
  private async postToChannel(target: ChannelTarget, card: AdaptiveCardJson): Promise<Posted> {
    let posted: Posted | undefined;
    await this.inConversation(target.serviceUrl, target.tenantId, target.channelId, async (ctx) => {
      const { CardFactory, MessageFactory } = botbuilder();
      const client = ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey);
      const result = await client.conversations.createConversation({
        isGroup: true,
        bot: { id: target.botId, name: 'SOC Reminders' },
        channelData: { channel: { id: target.channelId }, tenant: { id: target.tenantId } },
        tenantId: target.tenantId,
        activity: MessageFactory.attachment(CardFactory.adaptiveCard(card)) as never,
        members: [],
      });
      const activityId = result.activityId ?? /;messageid=(\d+)/.exec(result.id ?? '')?.[1];
      if (!result.id || !activityId) throw new DeliveryFailure('permanent', 'Teams did not return the new post\'s ids');
      posted = { conversationId: result.id, activityId };
    });
    return posted!;
  }

  /**
   * Runs `logic` in a proactive turn. The adapter hands errors inside the turn to onTurnError, not to the
   * caller; delivery must know, so they are caught here and rethrown as DeliveryFailure. Every send goes through
   * here, so this is where an untrusted service URL is refused: before botbuilder asks for a token or connects.
   */
  private async inConversation(
    serviceUrl: string,
    tenantId: string,
    conversationId: string,
    logic: (ctx: TurnContext) => Promise<void>,
    /** A channel (the default), or a person's 1:1 chat: then the activity is addressed to them. */
    personal?: PersonalRecipient,
  ): Promise<void> {
    const scope = personal ? 'personal' : 'channel';
    const verdict = this.opts.serviceUrls.check(serviceUrl);
    if (!verdict.trusted) throw new DeliveryFailure('untrusted-service-url', `not sent: ${verdict.reason}`, undefined, 'UntrustedServiceUrl');
    const reference: Partial<ConversationReference> = {
      channelId: 'msteams',
      serviceUrl,
      conversation: { id: conversationId, isGroup: scope === 'channel', conversationType: scope, tenantId, name: '' },
      ...(personal ? { user: { id: personal.aadObjectId, aadObjectId: personal.aadObjectId, name: personal.name } } : {}),
    };
    let failure: unknown;
    try {
      await this.opts.adapter.continueConversationAsync(this.opts.appId, reference, async (ctx) => {
        try {
          await logic(ctx);
        } catch (err) {
          failure = err;
        }
      });
    } catch (err) {
      failure = err;
    }
    if (failure !== undefined) throw toDeliveryFailure(failure);
  }
}

/** The nudge's sentence for why it is sent; `personName` is the escalation step's person. */
function nudgeMessage(reason: NudgeReason, locale: Locale, time: string, personName = ''): string {
  switch (reason) {
    case 'overdue':
      return t(locale, 'nudge.overdue', { time });
    case 'repeat':
      return t(locale, 'timers.nudgeRepeat', { time });
    case 'escalation':
      return t(locale, 'timers.nudgeEscalation', { time, name: personName });
    case 'snooze-ended':
      return t(locale, 'nudge.snoozeEnded');
  }
}

/** Deep link to a channel message, for the escalation card. */
export function messageLink(conversationId: string, activityId: string, tenantId: string): string {
  const channel = channelPart(conversationId);
  return `https://teams.microsoft.com/l/message/${encodeURIComponent(channel)}/${encodeURIComponent(activityId)}?tenantId=${encodeURIComponent(tenantId)}&parentMessageId=${encodeURIComponent(activityId)}`;
}
