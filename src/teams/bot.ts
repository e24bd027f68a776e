/**
 * The route table: every inbound Teams activity goes to exactly one handler, chosen here. Handlers parse and
 * authorise what Teams sent, call the domain, and turn its answers (and its typed errors) into cards.
 */
import { ActivityTypes, CardFactory, MessageFactory, TeamsInfo, type Activity, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.types';
import type { BindingService, ServiceUrlTrust } from '../reminders/binding.service';
import type { Clock } from '../reminders/clock';
import { DomainError, type InvalidInput } from '../reminders/errors';
import type { Actor, Occurrence } from '../reminders/occurrence.types';
import type { ReminderService } from '../reminders/reminder.service';
import type { WorkloadService } from '../reminders/workload';
import type { Logger } from '../logger';
import type { CardVerb, Locale } from './cards/card-views';
import { CARD_VERBS } from './cards/card-views';
import { renderMessageCard, renderReminderCard, renderTaskListCard, renderTeamsListCard, renderWorkloadCard, type AdaptiveCardJson } from './cards/card-renderer';
import type { CardViews } from './card-views.builder';
import { parseCommand, parseRunArgs, type CommandName } from './commands';
import { formatDateTime, inertText } from './formatting';
import { t, localeOf } from './i18n';
import { channelPart } from './conversation-id';
import { TEAMS_CHANNEL_ID } from './teams-gate';

export type RouteName = 'message' | 'card.action' | 'installed' | 'uninstalled' | 'ignored';

export interface BotDeps {
  readonly catalog: Catalog;
  /** The domain's clock: a card shows status as of the same "now" the domain decided with. */
  readonly clock: Clock;
  readonly reminders: ReminderService;
  readonly bindings: BindingService;
  readonly workload: WorkloadService;
  readonly views: CardViews;
  readonly logger: Logger;
  /** SOC_LOCALE. */
  readonly defaultLocale: Locale;
  /** Empty: every tenant. */
  readonly allowedTenants: readonly string[];
  /** Tenant assumed when an activity carries none (local mode only). */
  readonly fallbackTenantId?: string;
  /** Told each card action's verb, outcome and duration in seconds (metrics). */
  readonly observeCardAction?: (verb: string, outcome: string, seconds: number) => void;
  /** The service-URL allow-list (the edge applies it first; this is the second line, for any other entry). */
  readonly trustServiceUrl: ServiceUrlTrust;
}

/** Which handler an activity goes to. */
export function routeOf(activity: Partial<Activity>): RouteName {
  switch (activity.type) {
    case ActivityTypes.Message:
      return 'message';
    case ActivityTypes.Invoke:
      return activity.name === 'adaptiveCard/action' ? 'card.action' : 'ignored';
    case ActivityTypes.InstallationUpdate:
      return activity.action?.startsWith('remove') ? 'uninstalled' : activity.action?.startsWith('add') ? 'installed' : 'ignored';
    case ActivityTypes.ConversationUpdate: {
      const botId = activity.recipient?.id;
      if (botId && activity.membersAdded?.some((m) => m.id === botId)) return 'installed';
      if (botId && activity.membersRemoved?.some((m) => m.id === botId)) return 'uninstalled';
      return 'ignored';
    }
    default:
      return 'ignored';
  }
}

/** What Teams accepts as the answer to an `adaptiveCard/action` invoke. */
export interface InvokeAnswer {
  readonly statusCode: number;
  readonly type: 'application/vnd.microsoft.card.adaptive' | 'application/vnd.microsoft.activity.message' | 'application/vnd.microsoft.error';
  readonly value: unknown;
}

const cardAnswer = (card: AdaptiveCardJson): InvokeAnswer => ({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card });
const messageAnswer = (text: string): InvokeAnswer => ({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text });

// Generous: the domain enforces the real limits with a clear answer; this only bounds what is parsed.
const MAX_INPUT = 20_000;
/** The card's `data` and inputs, as much as we accept of them: everything else comes from the database. */
const actionSchema = z.object({
  type: z.literal('Action.Execute').optional(),
  verb: z.string().max(64),
  data: z
    .object({
      occurrenceId: z.string().min(1).max(64),
      note: z.string().max(MAX_INPUT).optional(),
      reason: z.string().max(MAX_INPUT).optional(),
      minutes: z.union([z.string().max(8), z.number()]).optional(),
    })
    .passthrough(),
});

export class SocBot {
  private readonly rejectedTenants = new Set<string>();

  constructor(private readonly deps: BotDeps) {}

  /** Handles one turn. Card actions answer through an invoke response; everything else replies in chat. */
  async onTurn(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const route = routeOf(activity);
    if (route === 'ignored') return;
    // The edge refuses these before botbuilder runs; here nothing is answered either, since an answer would go
    // to the activity's serviceUrl with the bot's token.
    if (activity.channelId !== TEAMS_CHANNEL_ID || !this.deps.trustServiceUrl(activity.serviceUrl).trusted) {
      this.deps.logger.warn({ activityId: activity.id, route, channelId: String(activity.channelId).slice(0, 64) }, 'activity not from a trusted Microsoft Teams endpoint ignored');
      return;
    }
    const tenantId = this.tenantOf(activity);
    if (!tenantId) {
      this.deps.logger.warn({ activityId: activity.id, route }, 'activity without a tenant id ignored');
      if (route === 'card.action') await this.answerInvoke(context, { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'no tenant' } });
      return;
    }
    if (this.deps.allowedTenants.length > 0 && !this.deps.allowedTenants.includes(tenantId)) {
      if (!this.rejectedTenants.has(tenantId)) {
        this.rejectedTenants.add(tenantId);
        this.deps.logger.warn({ tenantId }, 'ignoring activities from a tenant not in ALLOWED_TENANTS (logged once per tenant)');
      }
      if (route === 'card.action') await this.answerInvoke(context, { statusCode: 403, type: 'application/vnd.microsoft.error', value: { code: 'Forbidden', message: 'tenant not allowed' } });
      return;
    }
    const locale = localeOf(activity.locale, this.deps.defaultLocale);
    // Teams may move a tenant to another service URL; proactive posts must follow it. Only this team's bindings
    // follow, and only to a trusted URL (checked above, and again where it is stored).
    const teamsTeamId = (activity.channelData as { team?: { id?: unknown } } | undefined)?.team?.id;
    if (typeof teamsTeamId === 'string' && teamsTeamId) await this.deps.bindings.refreshServiceUrl(tenantId, teamsTeamId, activity.serviceUrl);
    switch (route) {
      case 'message':
        return this.onMessage(context, tenantId, locale);
      case 'card.action': {
        const started = performance.now();
        const answer = await this.onCardAction(activity, tenantId, locale);
        const verb = String((activity.value as { action?: { verb?: unknown } } | undefined)?.action?.verb ?? 'none').slice(0, 16);
        this.deps.observeCardAction?.((CARD_VERBS as readonly string[]).includes(verb) ? verb : 'other', answer.type.endsWith('adaptive') ? 'card' : 'refused', (performance.now() - started) / 1000);
        return this.answerInvoke(context, answer);
      }
      case 'installed':
        return this.onInstalled(context, tenantId, locale);
      case 'uninstalled':
        return this.onUninstalled(activity, tenantId);
    }
  }

  private tenantOf(activity: Activity): string | undefined {
    const fromConversation = activity.conversation?.tenantId;
    const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
    const id = typeof fromConversation === 'string' && fromConversation ? fromConversation : typeof fromChannelData === 'string' && fromChannelData ? fromChannelData : undefined;
    return id ?? this.deps.fallbackTenantId;
  }

  private actorOf(activity: Activity): Actor {
    const from = activity.from ?? { id: 'unknown', name: 'unknown' };
    return { userId: String(from.id ?? 'unknown'), name: String(from.name ?? from.id ?? 'unknown').slice(0, 200), ...(from.aadObjectId ? { aadObjectId: String(from.aadObjectId) } : {}) };
  }

  private async answerInvoke(context: TurnContext, answer: InvokeAnswer): Promise<void> {
    await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body: answer } });
  }

  // ---- installation ----------------------------------------------------------------------------------

  private async onInstalled(context: TurnContext, tenantId: string, locale: Locale): Promise<void> {
    const a = context.activity;
    const channelData = (a.channelData ?? {}) as { team?: { id?: string; name?: string } };
    const scope = a.conversation?.conversationType === 'channel' || channelData.team?.id ? 'team' : a.conversation?.conversationType === 'personal' ? 'personal' : 'groupChat';
    const conversationId = scope === 'team' ? (channelData.team?.id ?? channelPart(a.conversation.id)) : a.conversation.id;
    const { bindings } = this.deps;
    const isNew = await bindings.recordInstallation(tenantId, conversationId, scope, a.serviceUrl, a.recipient?.id ?? '', channelData.team?.name);
    this.deps.logger.info({ tenantId, scope, conversationId }, isNew ? 'bot installed' : 'installation seen again');
    // Teams (and the Agents Playground on each page load) repeats the event: welcome once, decided atomically by
    // the store, so two replicas receiving both events cannot both welcome.
    if (!isNew) return;
    // The welcome is read by the whole channel: it speaks the channel language, not the installer's.
    if (scope === 'team') locale = this.deps.defaultLocale;
    const text =
      scope === 'team'
        ? t(locale, 'welcome.text', { teamName: channelData.team?.name ?? 'this team', teamList: this.teamList(locale) })
        : t(locale, 'welcome.personal');
    await this.replyCard(context, renderMessageCard({ locale, title: t(locale, 'welcome.title'), text }));
  }

  private async onUninstalled(activity: Activity, tenantId: string): Promise<void> {
    const channelData = (activity.channelData ?? {}) as { team?: { id?: string } };
    const teamsTeamId = channelData.team?.id;
    const conversationId = teamsTeamId ?? activity.conversation.id;
    const n = await this.deps.bindings.recordRemoval(tenantId, conversationId, teamsTeamId);
    this.deps.logger.warn({ tenantId, conversationId, bindingsDeactivated: n }, 'bot removed');
  }

  // ---- messages ----------------------------------------------------------------------------------------

  private async onMessage(context: TurnContext, tenantId: string, locale: Locale): Promise<void> {
    const text = typeof context.activity.text === 'string' ? context.activity.text : '';
    const cmd = parseCommand(text);
    if (!cmd.name) {
      if (cmd.text === '') return this.replyCard(context, this.helpCard(locale));
      return this.replyText(context, t(locale, 'unknown.text', { input: cmd.text.slice(0, 100) }));
    }
    const handlers: Record<CommandName, () => Promise<void>> = {
      help: () => this.replyCard(context, this.helpCard(locale)),
      bind: () => this.onBind(context, tenantId, locale, cmd.args),
      unbind: () => this.onUnbind(context, tenantId, locale),
      teams: () => this.onTeams(context, tenantId, locale),
      workload: () => this.onWorkload(context, tenantId, locale, cmd.args),
      tasks: () => this.onTasks(context, tenantId, locale),
      overdue: () => this.onOverdue(context, tenantId, locale),
      run: () => this.onRun(context, tenantId, locale, cmd.args),
    };
    return handlers[cmd.name]();
  }

  private helpCard(locale: Locale): AdaptiveCardJson {
    return renderMessageCard(this.deps.views.help(locale));
  }

  private teamList(locale: Locale): string {
    return this.deps.catalog.teams.map((x) => `${x.id} (${locale === 'ko' ? x.name_ko : x.name})`).join(', ');
  }

  private onDemandList(locale: Locale): string {
    return this.deps.catalog.activities
      .filter((a) => a.onDemand)
      .map((a) => `${a.id} (${locale === 'ko' ? a.title_ko : a.title})`)
      .join(', ');
  }

  /** The channel a message came from, when it came from a team channel. */
  private channelOf(a: Activity): { teamsTeamId: string; channelId: string; channelName?: string } | undefined {
    const cd = (a.channelData ?? {}) as { team?: { id?: string }; channel?: { id?: string; name?: string } };
    if (!cd.team?.id) return undefined;
    const channelId = cd.channel?.id ?? channelPart(a.conversation.id);
    return { teamsTeamId: cd.team.id, channelId, channelName: cd.channel?.name ?? (channelId === cd.team.id ? 'General' : undefined) };
  }

  /**
   * Teams sends a channel's id in messages but seldom its name; ask Teams for the team's channels so `teams` can
   * name it. A failed lookup only costs the name.
   */
  private async lookUpChannelName(context: TurnContext, teamsTeamId: string, channelId: string): Promise<string | undefined> {
    try {
      const channels = await TeamsInfo.getTeamChannels(context, teamsTeamId);
      return channels.find((c) => c.id === channelId)?.name ?? undefined;
    } catch (err) {
      this.deps.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not read the team\'s channel names');
      return undefined;
    }
  }

  private async onBind(context: TurnContext, tenantId: string, locale: Locale, args: string): Promise<void> {
    const a = context.activity;
    const channel = this.channelOf(a);
    if (!channel) return this.replyText(context, t(locale, 'bind.needChannel'));
    if (args === '') return this.replyText(context, t(locale, 'bind.missingTeam', { teamList: this.teamList(locale) }));
    const channelName = channel.channelName ?? (await this.lookUpChannelName(context, channel.teamsTeamId, channel.channelId));
    try {
      const result = await this.deps.bindings.bind(tenantId, args, { ...channel, channelName, serviceUrl: a.serviceUrl, botId: a.recipient?.id ?? '' }, this.actorOf(a));
      const name = this.deps.views.teamName(result.team.id, locale);
      const lines = [t(locale, 'bind.done', { team: name })];
      if (result.previous) lines.push(t(locale, 'bind.moved', { team: name, previousChannel: result.previous.channelName ?? result.previous.channelId }));
      if (result.pendingPosted > 0) lines.push(t(locale, 'bind.pendingPosted', { count: result.pendingPosted }));
      return this.replyText(context, lines.join('\n\n'));
    } catch (err) {
      if (err instanceof DomainError && err.code === 'UNKNOWN_TEAM') return this.replyText(context, t(locale, 'bind.unknownTeam', { input: args.slice(0, 100), teamList: this.teamList(locale) }));
      throw err;
    }
  }

  private async onUnbind(context: TurnContext, tenantId: string, locale: Locale): Promise<void> {
    const channel = this.channelOf(context.activity);
    if (!channel) return this.replyText(context, t(locale, 'bind.needChannel'));
    const removed = await this.deps.bindings.unbind(tenantId, channel.channelId);
    if (removed.length === 0) return this.replyText(context, t(locale, 'unbind.none'));
    return this.replyText(context, removed.map((x) => t(locale, 'unbind.done', { team: this.deps.views.teamName(x.id, locale) })).join('\n\n'));
  }

  private async onTeams(context: TurnContext, tenantId: string, locale: Locale): Promise<void> {
    const teams = await this.deps.bindings.listTeams(tenantId);
    const card = renderTeamsListCard({
      locale,
      teams: teams.map(({ team, binding, unposted }) => {
        let channelText = t(locale, 'teams.unbound');
        if (binding) channelText = binding.active ? (binding.channelName ?? binding.channelId) : t(locale, 'teams.inactive', { reason: binding.inactiveReason ?? '?' });
        if (unposted > 0) channelText += ` · ${t(locale, 'workload.unposted', { count: unposted, team: this.deps.views.teamName(team.id, locale) })}`;
        return { id: team.id, name: this.deps.views.teamName(team.id, locale), channelText, bound: !!binding?.active };
      }),
    });
    return this.replyCard(context, card);
  }

  private async onWorkload(context: TurnContext, tenantId: string, locale: Locale, args: string): Promise<void> {
    let teamId: string | undefined;
    if (args !== '') {
      teamId = this.deps.bindings.findTeam(args)?.id;
      if (!teamId) return this.replyText(context, t(locale, 'workload.unknownTeam', { input: args.slice(0, 100), teamList: this.teamList(locale) }));
    } else {
      const channel = this.channelOf(context.activity);
      teamId = channel ? (await this.deps.bindings.teamsOfChannel(tenantId, channel.channelId))[0]?.id : undefined;
      if (!teamId) return this.replyText(context, t(locale, 'workload.noTeam', { teamList: this.teamList(locale) }));
    }
    const workload = await this.deps.workload.forTeam(tenantId, teamId);
    return this.replyCard(context, renderWorkloadCard(this.deps.views.workload(workload, locale)));
  }

  private async onTasks(context: TurnContext, tenantId: string, locale: Locale): Promise<void> {
    const items = await this.deps.workload.tasksOf(tenantId, this.actorOf(context.activity).userId);
    return this.replyCard(context, this.taskList(items, locale, t(locale, 'tasks.title'), t(locale, 'tasks.empty')));
  }

  private async onOverdue(context: TurnContext, tenantId: string, locale: Locale): Promise<void> {
    const items = await this.deps.workload.overdue(tenantId);
    return this.replyCard(context, this.taskList(items, locale, t(locale, 'overdue.title'), t(locale, 'overdue.empty')));
  }

  private taskList(items: Awaited<ReturnType<WorkloadService['overdue']>>, locale: Locale, heading: string, emptyText: string): AdaptiveCardJson {
    return renderTaskListCard(this.deps.views.taskList(items, locale, heading, emptyText));
  }

  private async onRun(context: TurnContext, tenantId: string, locale: Locale, args: string): Promise<void> {
    if (args === '') return this.replyText(context, t(locale, 'run.missing', { activityList: this.onDemandList(locale) }));
    const { activity, team } = parseRunArgs(args);
    const { views } = this.deps;
    try {
      const result = await this.deps.reminders.runOnDemand(tenantId, activity, team, this.actorOf(context.activity));
      const teams = result.occurrences.map((o) => views.teamName(o.teamId, locale)).join(', ');
      return this.replyText(context, t(locale, 'run.done', { activity: views.title(result.activity.id, locale), teams: teams || '—' }));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const a = this.deps.reminders.activity(activity) ?? this.deps.catalog.activities.find((x) => x.id === (err as { activityId?: string }).activityId);
      switch (err.code) {
        case 'UNKNOWN_ACTIVITY':
          return this.replyText(context, t(locale, 'run.unknownActivity', { input: activity.slice(0, 100), activityList: this.onDemandList(locale) }));
        case 'NOT_ON_DEMAND':
          return this.replyText(context, t(locale, 'run.notOnDemand', { activity: views.title(a!.id, locale), cadence: locale === 'ko' ? a!.cadence_ko : a!.cadence }));
        case 'UNKNOWN_TEAM':
          return this.replyText(context, t(locale, 'run.unknownTeam', { input: (team ?? '').slice(0, 100), teamList: this.teamList(locale) }));
        case 'TEAM_NOT_ASSIGNED':
          return this.replyText(context, t(locale, 'run.teamNotAssigned', { activity: views.title(a!.id, locale), team: views.teamName((err as { teamId?: string }).teamId ?? '', locale) }));
        default:
          throw err;
      }
    }
  }

  // ---- card actions ------------------------------------------------------------------------------------

  private async onCardAction(activity: Activity, tenantId: string, locale: Locale): Promise<InvokeAnswer> {
    const parsed = actionSchema.safeParse((activity.value as { action?: unknown } | undefined)?.action);
    if (!parsed.success) return messageAnswer(t(locale, 'action.notFound'));
    const { verb, data } = parsed.data;
    if (!(CARD_VERBS as readonly string[]).includes(verb)) return messageAnswer(t(locale, 'action.unknownVerb', { verb: inertText(verb.slice(0, 40)) }));
    const actor = this.actorOf(activity);
    const origin = { isSameConversation: (posted: string) => channelPart(posted) === channelPart(activity.conversation.id) };
    const { reminders } = this.deps;
    try {
      let o: Occurrence;
      switch (verb as CardVerb) {
        case 'ack':
          o = await reminders.acknowledge(tenantId, data.occurrenceId, actor, origin);
          break;
        case 'done':
          o = await reminders.complete(tenantId, data.occurrenceId, actor, data.note, origin);
          break;
        case 'snooze':
          o = await reminders.snooze(tenantId, data.occurrenceId, actor, Number(data.minutes), origin);
          break;
        case 'skip':
          o = await reminders.skip(tenantId, data.occurrenceId, actor, data.reason, origin);
          break;
        case 'refresh':
          o = await reminders.forAction(tenantId, data.occurrenceId, origin);
          break;
      }
      return cardAnswer(renderReminderCard(this.deps.views.reminder(o, this.deps.clock.now(), locale)));
    } catch (err) {
      if (err instanceof DomainError) return messageAnswer(this.explain(err, locale));
      this.deps.logger.error({ err, activityId: activity.id, verb }, 'card action failed');
      return messageAnswer(t(locale, 'action.error'));
    }
  }

  /** A domain error as the sentence the person sees (an invoke's message answer: people's text made inert). */
  private explain(err: DomainError, locale: Locale): string {
    const e = err as DomainError & Record<string, unknown>;
    const nameOf = (by: unknown) => inertText((by as Actor | undefined)?.name ?? '?');
    const time = (at: unknown) => (typeof at === 'number' ? formatDateTime(at, this.deps.catalog.timezone, locale) : '');
    switch (err.code) {
      case 'OCCURRENCE_NOT_FOUND':
        return t(locale, 'action.notFound');
      case 'NOT_IN_THIS_CONVERSATION':
        return t(locale, 'action.otherConversation');
      case 'ALREADY_ACKNOWLEDGED':
        return t(locale, 'action.alreadyAcknowledged', { name: nameOf(e.by), time: time(e.at) });
      case 'ALREADY_CLOSED':
        if (e.status === 'done') return t(locale, 'action.alreadyDone', { name: nameOf(e.by), time: time(e.at) });
        if (e.status === 'skipped') return t(locale, 'action.alreadySkipped', { name: nameOf(e.by), time: time(e.at), reason: inertText(String(e.note ?? '')) });
        return t(locale, 'action.closed', { status: String(e.status) });
      case 'INVALID_INPUT': {
        const input = err as InvalidInput;
        if (input.reason === 'reason-required') return t(locale, 'action.reasonRequired');
        if (input.reason === 'bad-snooze') return t(locale, 'action.badSnooze');
        return t(locale, 'action.noteTooLong', { length: Number(input.detail.length), max: Number(input.detail.max) });
      }
      default:
        return t(locale, 'action.error');
    }
  }

  /**
   * A reply in chat. Sent as a card, not as message text: Teams renders a bot's message text as Markdown and HTML
   * (a display name `[x](https://evil.example)` would be a link, `<at>…</at>` a mention; what looks like a tag,
   * such as `<team>` in the bot's own words, is dropped, and text in `{…}` has been hidden: msteams-docs#4956),
   * and how to escape it is undocumented. A card's TextRun shows the text exactly as written, whatever it echoes
   * (a channel name, the team someone asked for, their command).
   */
  private async replyText(context: TurnContext, text: string): Promise<void> {
    const locale = localeOf(context.activity.locale, this.deps.defaultLocale);
    await this.replyCard(context, renderMessageCard({ locale, text }));
  }

  private async replyCard(context: TurnContext, card: AdaptiveCardJson): Promise<void> {
    await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
  }
}
