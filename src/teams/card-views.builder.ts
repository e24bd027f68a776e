/**
 * Domain objects → card view models: names and titles from the catalog in the reader's language, times in
 * the activity's time zone, the status sentence. Card data is never trusted: everything here comes from the
 * database and the catalog.
 */
import { personOnTask } from '../reminders/personal';
import { OVERSIGHT_TEAM_ID, type Activity, type Catalog, type SocTeam } from '../catalog/catalog.types';
import { statusOf, type Occurrence } from '../reminders/occurrence.types';
import type { EscalationCardDelivery } from '../reminders/delivery.port';
import type { TeamWorkload, WorkloadItem } from '../reminders/workload.types';
import { isHttpsUrl } from '../catalog/https-url';
import {
  EVIDENCE_INPUT_PREFIX,
  type BotMarkdown,
  type EscalationCardView,
  type EvidenceInputView,
  type EvidenceShownView,
  type Locale,
  type MentionView,
  type MessageCardView,
  type ReminderCardView,
  type TaskListCardView,
  type ToolLinkView,
  type WorkloadCardView,
} from './cards/card-views';
import { formatOnDemandList, formatTeamList } from './catalog-lists';
import { formatDateTime, formatElapsed } from './formatting';
import { cardStrings, t } from './i18n';

const MAX_OPEN_LINES = 15;
const MAX_PEOPLE_LINES = 10;
/** Longest name inside a mention; the entity keeps the full name. */
const MAX_MENTION_NAME = 64;

/**
 * A name as it may stand inside `<at>…</at>` in a TextBlock (Markdown): without the characters Markdown or the tag
 * itself read (backtick, `* _ ~ # [ ] ( ) < > | \ { } ! & "`), control characters and repeated spaces. Empty → undefined.
 */
export function mentionName(name: string): string | undefined {
  const clean = name
    .replace(/[\u0000-\u001f\u007f*_~`#[\]()<>|\\{}!&"]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_MENTION_NAME)
    .trim();
  return clean === '' ? undefined : clean;
}

/** Links shown as buttons on the card; more go behind "More tools" (two buttons fit a phone's width). */
export const MAX_LINK_BUTTONS = 2;
const MAX_UPCOMING_LINES = 5;

export function teamName(team: SocTeam | undefined, id: string, locale: Locale): string {
  if (!team) return id;
  return locale === 'ko' ? team.name_ko : team.name;
}

export function activityTitle(activity: Activity | undefined, id: string, locale: Locale): string {
  if (!activity) return id;
  return locale === 'ko' ? activity.title_ko : activity.title;
}

/** e.g. "83% (10/12)"; Korean sets no space before the parenthesis: "83%(10/12)". */
export function formatRate(rate: number, part: number, whole: number, locale: Locale): string {
  return `${Math.round(rate * 100)}%${locale === 'ko' ? '' : ' '}(${part}/${whole})`;
}

export class CardViews {
  private readonly activities: ReadonlyMap<string, Activity>;
  private readonly teams: ReadonlyMap<string, SocTeam>;

  /**
   * @param now the clock, so that dates of the current year are shown without it (default: the system clock;
   *   the app passes its injected one).
   */
  constructor(
    private readonly catalog: Catalog,
    private readonly now: () => number = Date.now,
  ) {
    this.activities = new Map(catalog.activities.map((a) => [a.id, a]));
    this.teams = new Map(catalog.teams.map((x) => [x.id, x]));
  }

  activity(id: string): Activity | undefined {
    return this.activities.get(id);
  }

  teamName(id: string, locale: Locale): string {
    return teamName(this.teams.get(id), id, locale);
  }

  title(activityId: string, locale: Locale): string {
    return activityTitle(this.activities.get(activityId), activityId, locale);
  }

  timeZoneOf(activityId: string): string {
    return this.activities.get(activityId)?.timezone ?? this.catalog.timezone;
  }

  time(at: number, activityId: string, locale: Locale): string {
    return formatDateTime(at, this.timeZoneOf(activityId), locale, { now: this.now(), readerTimeZone: this.catalog.timezone });
  }

  /**
   * The one-sentence status: who did what when. `form: 'banner'` is the rest of the sentence after the status
   * label on the reminder card ("Overdue · was due 17:00"), so that the label is not said twice
   * ("Overdue · Overdue since 17:00", issue 15); statuses whose sentence does not repeat the label use it as is.
   */
  statusText(o: Occurrence, now: number, locale: Locale, form: 'sentence' | 'banner' = 'sentence'): string {
    const tm = (at: number | undefined) => (at === undefined ? '' : this.time(at, o.activityId, locale));
    const k = <K extends 'done' | 'doneNote' | 'skipped' | 'snoozed' | 'overdue' | 'overdueAck' | 'escalated'>(key: K) =>
      form === 'banner' ? (`banner.${key}` as const) : (`status.${key}` as const);
    const status = statusOf(o, now);
    switch (status) {
      case 'done':
        return o.closeNote
          ? t(locale, k('doneNote'), { name: o.closedBy?.name ?? '', time: tm(o.closedAt), note: o.closeNote })
          : t(locale, k('done'), { name: o.closedBy?.name ?? '', time: tm(o.closedAt) });
      case 'skipped':
        return t(locale, k('skipped'), { name: o.closedBy?.name ?? '', time: tm(o.closedAt), reason: o.closeNote ?? '' });
      case 'missed':
        return t(locale, 'status.missed', { time: tm(o.scheduledAt) });
      case 'snoozed':
        // Who is on it survives a snooze by someone else (issue 14).
        return o.acknowledgedBy && o.acknowledgedBy.name !== o.snoozedByName
          ? t(locale, form === 'banner' ? 'assign.bannerSnoozedAck' : 'assign.snoozedAck', { snoozer: o.snoozedByName ?? '', time: tm(o.snoozedUntil), name: o.acknowledgedBy.name })
          : t(locale, k('snoozed'), { name: o.snoozedByName ?? '', time: tm(o.snoozedUntil) });
      case 'escalated':
        // The team (or person) by its own name ("SOC 감독 팀에"), as the catalog spells it in the reader's language; and
        // who is on it, which an escalation does not change (issue 14).
        return o.acknowledgedBy
          ? t(locale, form === 'banner' ? 'assign.bannerEscalatedAck' : 'assign.escalatedAck', { time: tm(o.escalatedAt), team: this.escalatedTo(o, locale), name: o.acknowledgedBy.name })
          : t(locale, k('escalated'), { time: tm(o.escalatedAt), team: this.escalatedTo(o, locale) });
      case 'overdue':
        return o.acknowledgedBy
          ? t(locale, k('overdueAck'), { time: tm(o.dueAt), name: o.acknowledgedBy.name })
          : t(locale, k('overdue'), { time: tm(o.dueAt) });
      case 'acknowledged':
        return t(locale, 'status.acknowledged', { name: o.acknowledgedBy?.name ?? '', time: tm(o.acknowledgedAt) });
      case 'posted':
        return o.assignee ? t(locale, 'assign.postedAssigned', { name: o.assignee.name }) : t(locale, 'status.posted');
      case 'pending':
        return t(locale, 'status.pending');
    }
  }

  /**
   * The mention of a card: `person` (by Entra object id) when there is one, else the tag of team `tagTeamId` when the
   * catalog names one (Teams lets a bot mention a tag only in a channel of that tag's team), else none.
   */
  mention(person: { readonly aadObjectId: string; readonly name: string } | undefined, tagTeamId: string, locale: Locale): MentionView | undefined {
    const tag = this.teams.get(tagTeamId)?.tag;
    const who = person ? { kind: 'person' as const, id: person.aadObjectId, name: person.name } : tag ? { kind: 'tag' as const, id: tag.id, name: tag.name } : undefined;
    if (!who) return undefined;
    const text = `<at>${mentionName(who.name) ?? t(locale, 'reach.someone')}</at>`;
    return { ...who, text, line: t(locale, 'reach.mentionLine', { mention: text }) };
  }

  /** Whom the task was escalated to first: the first step of its chain (a team or a person), else SOC Oversight. */
  private escalatedTo(o: Occurrence, locale: Locale): string {
    const first = this.activities.get(o.activityId)?.escalation[0]?.to;
    if (first?.kind === 'person') return first.person.name;
    return this.teamName(first?.teamId ?? OVERSIGHT_TEAM_ID, locale);
  }

  /**
   * The escalation card of a task: each team's state (open, assigned, who is on it, snoozed, closed, or never told
   * because the team has no channel), the teams the chain could not tell, and the open tasks to act on.
   * `link` makes a deep link to a posted reminder card.
   */
  escalation(card: EscalationCardDelivery, now: number, locale: Locale, link: (conversationId: string, activityId: string, tenantId: string) => string): EscalationCardView {
    const tm = (at: number | undefined) => (at === undefined ? '' : this.time(at, card.activityId, locale));
    const stateText = (o: Occurrence): string => {
      if (o.state !== 'open') return this.statusText(o, now, locale);
      if (!o.postedActivityId) return t(locale, 'escalation.stateNeverTold');
      if (o.snoozedUntil !== undefined && o.snoozedUntil > now) return this.statusText(o, now, locale);
      if (o.acknowledgedBy) return t(locale, 'escalation.stateAck', { name: o.acknowledgedBy.name, time: tm(o.acknowledgedAt) });
      if (o.assignee) return t(locale, 'escalation.stateAssigned', { name: o.assignee.name });
      return t(locale, 'escalation.stateOpen');
    };
    const open = card.tasks.filter((o) => o.state === 'open');
    const first = card.tasks[0];
    return {
      locale,
      title: t(locale, 'escalation.title', { activity: this.title(card.activityId, locale) }),
      dueText: first ? this.time(first.dueAt, card.activityId, locale) : '',
      tasks: card.tasks.map((o) => ({
        teamName: this.teamName(o.teamId, locale),
        stateText: stateText(o),
        ...(o.postedConversationId && o.postedActivityId && { link: link(o.postedConversationId, o.postedActivityId, o.tenantId) }),
      })),
      ...(card.neverToldTeamIds.length > 0 && {
        neverToldText: t(locale, 'escalation.neverTold', { teams: card.neverToldTeamIds.map((id) => this.teamName(id, locale)).join(', ') }),
      }),
      ...(open.length === 0 && { closedText: t(locale, 'escalation.allClosed') }),
      taskChoices: open.map((o) => ({ title: this.teamName(o.teamId, locale), value: o.id })),
      // The person on the first open task that has one; else the tag of the team whose channel shows the card (a tag
      // is mentionable only in its own team's channels); once all are closed, nobody.
      ...(open.length > 0 && { mention: this.mention(open.map(personOnTask).find((p) => p !== undefined), card.teamId, locale) }),
    };
  }

  /** `options.personal`: the card for a person's 1:1 chat, which mentions nobody. */
  reminder(o: Occurrence, now: number, locale: Locale, options: { shrink?: boolean; personal?: boolean } = {}): ReminderCardView {
    const activity = this.activities.get(o.activityId);
    const status = statusOf(o, now);
    const refreshUserIds = [o.acknowledgedBy?.userId, o.closedBy?.userId].filter((id): id is string => !!id && id !== 'system');
    let triggerText: string | undefined;
    if (o.trigger === 'catch-up') triggerText = t(locale, 'trigger.catchUp', { time: this.time(o.scheduledAt, o.activityId, locale) });
    if (o.trigger === 'on-demand' && o.startedByName) triggerText = t(locale, 'trigger.onDemand', { name: o.startedByName });
    // A run a holiday moved says so: the team sees Monday's task on Tuesday and why (issue 15.1).
    if (o.movedFrom) {
      const reason = locale === 'ko' ? o.movedFrom.reason_ko : o.movedFrom.reason;
      const moved = t(locale, 'trigger.moved', { time: this.time(o.movedFrom.at, o.activityId, locale), reason });
      triggerText = triggerText ? `${triggerText} ${moved}` : moved;
    }
    return {
      locale,
      occurrenceId: o.id,
      title: this.title(o.activityId, locale),
      description: options.shrink || !activity ? undefined : locale === 'ko' ? activity.description_ko : activity.description,
      teamName: this.teamName(o.teamId, locale),
      cadence: activity ? (locale === 'ko' ? activity.cadence_ko : activity.cadence) : '',
      dueText: this.time(o.dueAt, o.activityId, locale),
      status,
      statusText: this.statusText(o, now, locale, 'banner'),
      actionable: o.state === 'open',
      triggerText,
      refreshUserIds: [...new Set(refreshUserIds)],
      ...this.linksOf(activity, locale),
      evidenceInputs: o.state === 'open' && activity ? activity.evidence.map((f) => this.evidenceInput(f, locale)) : [],
      evidenceShown: this.evidenceShown(o, activity, locale),
      ...(o.assignee && { assignee: { name: o.assignee.name, aadObjectId: o.assignee.aadObjectId } }),
      acknowledged: o.acknowledgedBy !== undefined,
      mention: options.personal ? undefined : this.mention(o.assignee, o.teamId, locale),
    };
  }

  private linksOf(activity: Activity | undefined, locale: Locale): { linkButtons: ToolLinkView[]; moreLinks: ToolLinkView[] } {
    const links = (activity?.links ?? []).map((l) => ({ label: locale === 'ko' ? l.label_ko : l.label, url: l.url }));
    return { linkButtons: links.slice(0, MAX_LINK_BUTTONS), moreLinks: links.slice(MAX_LINK_BUTTONS) };
  }

  private evidenceInput(f: Activity['evidence'][number], locale: Locale): EvidenceInputView {
    const name = locale === 'ko' ? f.label_ko : f.label;
    const strings = cardStrings(locale).evidence;
    const label = f.required ? `${name} (${strings.required})` : name;
    const view = { inputId: `${EVIDENCE_INPUT_PREFIX}${f.id}`, type: f.type, label, required: f.required, errorMessage: strings.fieldRequired.replace('{label}', name) };
    if (f.type !== 'number' || (f.min === undefined && f.max === undefined)) return { ...view, hasRange: false };
    // Input.Number takes either bound alone, but the template binds both: an open side is as wide as a number gets.
    const min = f.min ?? -Number.MAX_SAFE_INTEGER;
    const max = f.max ?? Number.MAX_SAFE_INTEGER;
    const range = f.min !== undefined && f.max !== undefined ? ` · ${strings.numberRange.replace('{min}', String(min)).replace('{max}', String(max))}` : '';
    return { ...view, label: `${label}${range}`, hasRange: true, min, max };
  }

  /** The recorded evidence in the activity's field order (then any field the catalog no longer names). */
  private evidenceShown(o: Occurrence, activity: Activity | undefined, locale: Locale): EvidenceShownView[] {
    const evidence = o.closeEvidence;
    if (o.state !== 'done' || !evidence) return [];
    const fields = activity?.evidence ?? [];
    const ids = [...fields.map((f) => f.id).filter((id) => id in evidence), ...Object.keys(evidence).filter((id) => !fields.some((f) => f.id === id))];
    return ids.map((id) => {
      const field = fields.find((f) => f.id === id);
      const text = String(evidence[id]);
      const label = field ? (locale === 'ko' ? field.label_ko : field.label) : id;
      // Checked again here: the column may have been written by another version; only an https link is opened.
      return field?.type === 'url' && isHttpsUrl(text) ? { label, text, url: text } : { label, text };
    });
  }

  /** `unreachable`: the team's people the bot cannot reach in personal chat (issue 14). */
  workload(w: TeamWorkload, locale: Locale, unreachable: readonly { readonly name: string }[] = []): WorkloadCardView {
    const lines = w.open.map((i) => ({
      title: this.title(i.activityId, locale),
      dueText: this.time(i.dueAt, i.activityId, locale),
      statusText: this.itemStatus(i, locale),
      overdue: i.status === 'overdue' || i.status === 'escalated',
    }));
    const rate = w.stats.completionRate;
    const personLine = (name: string, open: number, overdue: number) => ({
      name,
      openText: t(locale, 'mytasks.personOpen', { count: open }),
      overdueText: t(locale, 'mytasks.personOverdue', { count: overdue }),
      overdue: overdue > 0,
    });
    const people = w.people.slice(0, MAX_PEOPLE_LINES).map((p) => personLine(p.name, p.open, p.overdue));
    if (w.unassigned.open > 0) people.push(personLine(cardStrings(locale).mytasks.unassigned, w.unassigned.open, w.unassigned.overdue));
    return {
      locale,
      teamName: this.teamName(w.teamId, locale),
      openCount: w.open.length,
      overdueCount: w.overdue.length,
      snoozedCount: w.snoozed.length,
      doneLast7Days: w.doneLast7Days,
      completionText:
        rate === undefined
          ? t(locale, 'workload.none')
          : formatRate(rate, w.stats.doneOnTime, w.stats.due, locale),
      medianText: w.stats.medianTimeToDoneMs === undefined ? t(locale, 'workload.none') : formatElapsed(w.stats.medianTimeToDoneMs, locale),
      people,
      morePeople: Math.max(0, w.people.length - MAX_PEOPLE_LINES),
      openItems: lines.slice(0, MAX_OPEN_LINES),
      moreOpen: Math.max(0, lines.length - MAX_OPEN_LINES),
      upcoming: w.upcoming.slice(0, MAX_UPCOMING_LINES).map((u) => ({ title: this.title(u.activityId, locale), whenText: this.time(u.at, u.activityId, locale) })),
      warning: w.unposted > 0 ? t(locale, 'workload.unposted', { count: w.unposted, team: this.teamName(w.teamId, locale) }) : undefined,
      missedRuns: w.missedRuns.map((r) => ({
        title: this.title(r.activityId, locale),
        text: t(locale, 'workload.missedRun', { count: r.count, first: this.time(r.firstAt, r.activityId, locale), last: this.time(r.lastAt, r.activityId, locale) }),
      })),
      unreachable: unreachable.map((p) => t(locale, 'reach.unreachable', { name: p.name })),
    };
  }

  /** `tasks` and `overdue`: at most `max` items, most urgent first as the caller sorted them. */
  taskList(items: readonly WorkloadItem[], locale: Locale, heading: string, emptyText: string, max = 30): TaskListCardView {
    return {
      locale,
      heading,
      emptyText,
      items: items.slice(0, max).map((i) => ({
        title: this.title(i.activityId, locale),
        teamName: this.teamName(i.teamId, locale),
        dueText: this.time(i.dueAt, i.activityId, locale),
        statusText: this.itemStatus(i, locale),
      })),
    };
  }

  /**
   * The help card: the one message whose text is Markdown (bold commands, a list). It is the bot's own sentence,
   * without parameters, so nothing anyone typed is in it. The ids to type follow as plain text (TextRuns): they
   * come from the catalog, and a team named `[x](url)` must not become a link.
   */
  help(locale: Locale): MessageCardView {
    const text = [
      t(locale, 'help.teams', { teamList: formatTeamList(this.catalog, locale) }),
      t(locale, 'help.activities', { activityList: formatOnDemandList(this.catalog, locale) }),
    ].join('\n\n');
    return { locale, title: t(locale, 'help.title'), markdown: t(locale, 'help.text') as BotMarkdown, text };
  }

  private itemStatus(i: WorkloadItem, locale: Locale): string {
    const name = i.acknowledgedBy?.name;
    const statusWord = cardStrings(locale).status[i.status];
    const status = name ? `${statusWord} · ${name}` : statusWord;
    // The assignee, unless they are the one on it already.
    if (!i.assignee || (i.acknowledgedBy && i.acknowledgedBy.aadObjectId?.toLowerCase() === i.assignee.aadObjectId)) return status;
    return t(locale, 'assign.itemAssigned', { status, name: i.assignee.name });
  }
}
