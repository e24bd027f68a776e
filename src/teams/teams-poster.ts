/**
 * The Teams side of the `ReminderPoster` port: renders the card for the occurrence as it is now and posts it
 * as a new conversation in the bound channel, updates the posted message, or replies in its thread. Teams'
 * HTTP failures are translated into the domain's `DeliveryFailure` kinds. Nothing is sent to a service URL off
 * the allow-list, whoever stored it: the bot's bearer token goes along with every call. The calls themselves are
 * bot-connector.ts's (Node's HTTP client, not botbuilder's pipeline: that file says why).
 */
import { DeliveryFailure, type ChannelTarget, type Delivery, type DigestTask, type NudgeReason, type PersonalRecipient, type PersonalTarget, type Posted, type ReminderPoster } from '../reminders/delivery.port';
import type { Clock } from '../reminders/clock';
import { personOnTask } from '../reminders/personal';
import type { BotAdapter } from './adapter';
import { BotConnector, BotConnectorError, type ConnectorCall } from './bot-connector';
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
  /** The Bot Connector client (tests give one with a short deadline); else one through `proxy`. */
  readonly connector?: BotConnector;
  /** Config.outboundProxy: the forward proxy, if any, the posts go through. */
  readonly proxy?: Readonly<Record<string, string>>;
}

/** An Adaptive Card as a message's attachment (botbuilder's CardFactory.adaptiveCard). */
function cardAttachment(card: AdaptiveCardJson) {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}

/** A message with one card, as botbuilder's MessageFactory.attachment builds it. */
function cardMessage(card: AdaptiveCardJson) {
  return { type: 'message', attachmentLayout: 'list', inputHint: 'acceptingInput', attachments: [cardAttachment(card)] };
}

/** Teams' answer (status, error code, Retry-After), or a failed connection, → what the domain should do about it. */
export function toDeliveryFailure(error: unknown): DeliveryFailure {
  if (error instanceof DeliveryFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof BotConnectorError)) {
    // No answer: refused, reset or timed out. Whether Teams took the call is unknown; the worker retries it.
    const code = (error as { code?: unknown } | null)?.code;
    return new DeliveryFailure('transient', message, undefined, typeof code === 'string' ? code : undefined);
  }
  const { statusCode: status, code } = error;
  if (status === 429) {
    const retryAfter = error.retryAfterSeconds;
    return new DeliveryFailure('throttled', message, status, code, retryAfter === undefined ? undefined : retryAfter * 1000);
  }
  if (status === 408 || status === 412 || status === 502 || status === 503 || status === 504 || status === 500) return new DeliveryFailure('transient', message, status, code);
  if (status === 403) return new DeliveryFailure('forbidden', message, status, code);
  if (status === 404) return new DeliveryFailure('gone', message, status, code);
  if (status === 413) return new DeliveryFailure('too-large', message, status, code);
  return new DeliveryFailure('permanent', message, status, code);
}

export class TeamsPoster implements ReminderPoster {
  private readonly connector: BotConnector;

  constructor(private readonly opts: TeamsPosterOptions) {
    this.connector = opts.connector ?? new BotConnector({ proxy: opts.proxy });
  }

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
      case 'reminder.update': {
        const o = d.occurrence;
        const card = renderReminderCard(views.reminder(o, now, locale, { shrink: d.shrink }));
        await this.update(o.postedServiceUrl!, o.tenantId, o.postedConversationId!, o.postedActivityId!, card);
        return undefined;
      }
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
        // In the card's thread: its conversation id is the thread's (`<channel>;messageid=<root>`).
        await this.send(o.postedServiceUrl!, o.tenantId, o.postedConversationId!, card);
        return undefined;
      }
      case 'escalation.post':
        return this.postToChannel(d.target, renderEscalationCard(views.escalation(d.card, now, locale, messageLink)));
      case 'escalation.update': {
        const { card } = d;
        // Replaces the posted card in its own thread, as a reminder card's update does.
        const json = renderEscalationCard(views.escalation(card, now, locale, messageLink));
        await this.update(d.target.serviceUrl, d.target.tenantId, card.postedConversationId!, card.postedActivityId!, json);
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
    if (d.kind === 'personal.update') {
      const { personal } = d;
      await this.update(personal.serviceUrl, personal.tenantId, personal.conversationId, d.activityId, card, personal.person);
      return undefined;
    }
    const { personal } = d;
    const conversationId = personal.conversationId ?? (await this.createPersonalChat(personal));
    const activityId = (await this.send(personal.serviceUrl, personal.tenantId, conversationId, card, personal.person)).id;
    if (!activityId) throw new DeliveryFailure('permanent', 'Teams did not return the personal post\'s id');
    return { conversationId, activityId };
  }

  /** Asks Teams for the bot's 1:1 chat with a person, by Entra object id, in their tenant. */
  private async createPersonalChat(personal: PersonalTarget): Promise<string> {
    const result = await this.call(personal.serviceUrl, (call) =>
      this.connector.createConversation(call, {
        isGroup: false,
        bot: { id: personal.botId, name: 'SOC Reminders' },
        // The Entra object id both as the id and as `aadObjectId`: the Agents Playground finds the person by the
        // latter (a bare id that is not a 29: id answers 500 UserNotFound there); Teams was not asked.
        members: [{ id: personal.person.aadObjectId, aadObjectId: personal.person.aadObjectId, name: personal.person.name }],
        tenantId: personal.tenantId,
        channelData: { tenant: { id: personal.tenantId } },
      }),
    );
    if (!result.id) throw new DeliveryFailure('permanent', 'Teams did not return the 1:1 chat\'s id');
    return result.id;
  }

  /** A new post (a new conversation) in a channel; Teams answers with the thread id and the message id. */
  private async postToChannel(target: ChannelTarget, card: AdaptiveCardJson): Promise<Posted> {
    const result = await this.call(target.serviceUrl, (call) =>
      this.connector.createConversation(call, {
        isGroup: true,
        bot: { id: target.botId, name: 'SOC Reminders' },
        members: [],
        tenantId: target.tenantId,
        activity: cardMessage(card),
        channelData: { channel: { id: target.channelId }, tenant: { id: target.tenantId } },
      }),
    );
    const activityId = result.activityId ?? /;messageid=(\d+)/.exec(result.id ?? '')?.[1];
    if (!result.id || !activityId) throw new DeliveryFailure('permanent', 'Teams did not return the new post\'s ids');
    return { conversationId: result.id, activityId };
  }

  /** A message with `card` in a conversation: a channel thread, or a person's 1:1 chat (then addressed to them). */
  private send(serviceUrl: string, tenantId: string, conversationId: string, card: AdaptiveCardJson, personal?: PersonalRecipient) {
    return this.call(serviceUrl, (call) => this.connector.sendToConversation(call, conversationId, { ...cardMessage(card), ...addressOf(serviceUrl, tenantId, conversationId, personal) }));
  }

  /** Replaces the posted message `activityId` with `card`. */
  private async update(serviceUrl: string, tenantId: string, conversationId: string, activityId: string, card: AdaptiveCardJson, personal?: PersonalRecipient): Promise<void> {
    const activity = { type: 'message', id: activityId, ...addressOf(serviceUrl, tenantId, conversationId, personal), attachments: [cardAttachment(card)] };
    await this.call(serviceUrl, (call) => this.connector.updateActivity(call, conversationId, activityId, activity));
  }

  /**
   * Runs one Bot Connector call at `serviceUrl` with the bot's token, every failure rethrown as DeliveryFailure.
   * Every send goes through here, so this is where an untrusted service URL is refused: before a token is asked
   * for or a connection made.
   */
  private async call<T>(serviceUrl: string, send: (call: ConnectorCall) => Promise<T>): Promise<T> {
    const verdict = this.opts.serviceUrls.check(serviceUrl);
    if (!verdict.trusted) throw new DeliveryFailure('untrusted-service-url', `not sent: ${verdict.reason}`, undefined, 'UntrustedServiceUrl');
    let authorization: string | undefined;
    try {
      // Under the call's deadline too: MSAL puts none on its token request, and a hung one would outlive the claim.
      authorization = await withDeadline(this.opts.adapter.outboundAuthorization(this.opts.appId, serviceUrl), this.connector.timeoutMs);
    } catch (err) {
      // No token (Entra unreachable, a credential refused): nothing was sent; the worker retries later.
      throw new DeliveryFailure('transient', `no Bot Framework token: ${err instanceof Error ? err.message : String(err)}`, undefined, 'TokenUnavailable');
    }
    try {
      return await send({ serviceUrl, authorization });
    } catch (err) {
      throw toDeliveryFailure(err);
    }
  }
}

/** `promise`, or a rejection once `ms` have passed without it settling. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Where a sent or updated activity says it belongs, as botbuilder filled it in from the conversation reference: the
 * channel, the service URL and the conversation; in a 1:1 chat also the person it is addressed to.
 */
function addressOf(serviceUrl: string, tenantId: string, conversationId: string, personal?: PersonalRecipient) {
  const scope = personal ? 'personal' : 'channel';
  return {
    serviceUrl,
    channelId: 'msteams',
    conversation: { isGroup: scope === 'channel', conversationType: scope, id: conversationId, name: '', tenantId },
    ...(personal ? { recipient: { id: personal.aadObjectId, name: personal.name, aadObjectId: personal.aadObjectId } } : {}),
  };
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
