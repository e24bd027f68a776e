/**
 * Every card the bot sends, as a reviewer should see it: each reminder status in English and Korean and in Teams'
 * three themes, and every other card in both languages, built by the bot's own renderers from realistic SOC data
 * (the built-in catalog's activities, Korean names, ticket links, long notes, people's text that must stay text).
 * Data only: `render-cards.ts` draws them, `test/e2e/cards-render.test.ts` checks what is drawn against `view`.
 *
 * A tool, not the runtime: it lives in src/ only so that `scripts/render-cards.js` can load it from dist/.
 */
import { loadCatalog } from '../../catalog/catalog.loader';
import type { Evidence, Occurrence, OccurrenceStatus } from '../../reminders/occurrence.types';
import { CardViews, formatRate } from '../../teams/card-views.builder';
import {
  renderDigestCard,
  renderEscalationCard,
  renderMessageCard,
  renderNudgeCard,
  renderReminderCard,
  renderTaskListCard,
  renderTeamsListCard,
  renderWorkloadCard,
  type AdaptiveCardJson,
} from '../../teams/cards/card-renderer';
import type {
  DigestCardView,
  EscalationCardView,
  Locale,
  MessageCardView,
  NudgeCardView,
  ReminderCardView,
  TaskListCardView,
  TeamsListCardView,
  WorkloadCardView,
} from '../../teams/cards/card-views';
import { formatDateTime, formatDay, formatElapsed, formatTimeNear } from '../../teams/formatting';
import { cardStrings, t, type MessageKey } from '../../teams/i18n';

/** Teams' themes, each with its host config (see `card-page.ts`). */
export const CARD_THEMES = ['light', 'dark', 'contrast'] as const;
export type CardTheme = (typeof CARD_THEMES)[number];

export const REMINDER_STATUSES: readonly OccurrenceStatus[] = ['pending', 'posted', 'acknowledged', 'snoozed', 'overdue', 'escalated', 'done', 'skipped', 'missed'];
export const OPEN_STATUSES: readonly OccurrenceStatus[] = ['pending', 'posted', 'acknowledged', 'snoozed', 'overdue', 'escalated'];

/** Markdown and HTML in people's text: a display name, a note, a channel name (test/support/people-text.ts). */
export const PEOPLE_TEXT_SAMPLE = '[x](https://evil.example) **bold** <at>x</at> ![i](https://evil.example/p.png) &lt;script&gt;';

/** What each kind of card is rendered from. */
export interface CardViewsByKind {
  readonly reminder: ReminderCardView;
  readonly nudge: NudgeCardView;
  readonly escalation: EscalationCardView;
  readonly workload: WorkloadCardView;
  readonly 'task-list': TaskListCardView;
  readonly 'teams-list': TeamsListCardView;
  readonly digest: DigestCardView;
  readonly message: MessageCardView;
}
export type CardKind = keyof CardViewsByKind;

interface CaseOf<K extends CardKind> {
  /** `<kind>-<variant>-<locale>-<theme>`: the PNG's name. */
  readonly id: string;
  readonly kind: K;
  readonly variant: string;
  readonly locale: Locale;
  readonly theme: CardTheme;
  /** The view model the card was rendered from: what the drawn card must say. */
  readonly view: CardViewsByKind[K];
  readonly card: AdaptiveCardJson;
  /** A reminder's status. */
  readonly status?: OccurrenceStatus;
  /** A Done/Snooze/Skip button to click before the screenshot, to show its form. */
  readonly expand?: string;
  /** Set on cases whose view carries Markdown and HTML as people type it: it must show as written. */
  readonly peopleText?: string;
}

/** One card to draw; `kind` says which view it has. */
export type CardCase = { [K in CardKind]: CaseOf<K> }[CardKind];

type Extra = Pick<CaseOf<CardKind>, 'status' | 'expand' | 'peopleText'>;

/** The data behind one reminder status: which activity and team, its due time, and the lines the bot writes. */
interface ReminderData {
  readonly activityId: string;
  readonly teamId: string;
  /** Local time in Seoul. */
  readonly due: string;
  readonly statusText: string;
  readonly triggerText?: string;
  /** What Done recorded (the activity's evidence fields), shown on a done card. */
  readonly evidence?: Evidence;
  /** The person the task is assigned to (the rotation's, or who took it). */
  readonly assignee?: string;
  /** Someone is on it. */
  readonly acknowledged?: boolean;
}

type ReminderVariant = OccurrenceStatus | 'acknowledged-people-text' | 'done-long-link' | 'done-evidence';

/** Every card to draw, in a fixed order (the contact sheet follows it). */
export function buildCardCases(): CardCase[] {
  const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
  const views = new CardViews(catalog);
  const zone = catalog.timezone;
  /** A time in Seoul: kst('2026-11-25T10:30'). */
  const kst = (local: string) => Date.parse(`${local}:00+09:00`);
  // As CardViews shows times: "now" is the fixtures' 25 Nov 2026, the reader is in the catalog's zone, so neither
  // the year nor the zone is written.
  const dates = { now: kst('2026-11-25T12:00'), readerTimeZone: zone };
  const when = (local: string, locale: Locale) => formatDateTime(kst(local), zone, locale, dates);
  const day = (local: string, locale: Locale) => formatDay(kst(local), zone, locale, dates);
  const hm = (local: string, locale: Locale) => formatTimeNear(kst(local), kst('2026-11-25T12:00'), zone, locale);
  const activity = (id: string) => {
    const a = catalog.activities.find((x) => x.id === id);
    if (!a) throw new Error(`activity ${id} is not in the built-in catalog`);
    return a;
  };
  const team = (id: string) => {
    const x = catalog.teams.find((s) => s.id === id);
    if (!x) throw new Error(`team ${id} is not in the built-in catalog`);
    return x;
  };
  const L = (locale: Locale, en: string, ko: string) => (locale === 'ko' ? ko : en);
  const title = (id: string, locale: Locale) => L(locale, activity(id).title, activity(id).title_ko || activity(id).title);
  const description = (id: string, locale: Locale) => L(locale, activity(id).description, activity(id).description_ko || activity(id).description);
  const cadence = (id: string, locale: Locale) => L(locale, activity(id).cadence, activity(id).cadence_ko || activity(id).cadence);
  const teamName = (id: string, locale: Locale) => L(locale, team(id).name, team(id).name_ko || team(id).name);

  const TICKET = 'https://jira.soc.example.co.kr/browse/SOC-20431';
  // A ticket link as people paste it: one unbreakable 140-character word.
  const LONG_TICKET = `${TICKET}?focusedCommentId=884213&page=com.atlassian.jira.plugin.system.issuetabpanels%3Acomment-tabpanel#comment-884213`;
  /** A display name (or note) as an attacker types it: every card must show it as written, never as a link. */
  const PEOPLE_TEXT = PEOPLE_TEXT_SAMPLE;
  const SKIP_REASON: Readonly<Record<Locale, string>> = {
    en: 'Change freeze for the year-end settlement system (CHG-7781): no deployments until 2 December. The scripts are staged in the soc-automation repository and ship in the next change window.',
    ko: '연말 정산 시스템 변경 동결 기간(CHG-7781)이라 12월 2일까지 배포할 수 없습니다. 스크립트는 soc-automation 저장소에 준비되어 있으며 다음 변경 기간에 배포합니다.',
  };

  /** What each reminder status looks like, as the bot would build it (CardViews in src/teams/card-views.builder.ts). */
  const reminderData: Readonly<Record<ReminderVariant, (lo: Locale) => ReminderData>> = {
    pending: (lo) => ({
      activityId: 'ir-tabletop-exercise', teamId: 'secops', due: '2026-11-25T18:30',
      statusText: t(lo, 'status.pending'),
      triggerText: t(lo, 'trigger.onDemand', { name: '김민지' }),
    }),
    posted: (lo) => ({
      activityId: 'service-management-sync', teamId: 'engineering', due: '2026-11-23T18:00',
      statusText: t(lo, 'assign.postedAssigned', { name: '김민지' }),
      // The rotation's person, not on it yet: "I'm on it" is offered (pending shows Take it).
      assignee: '김민지',
    }),
    acknowledged: (lo) => ({
      activityId: 'tvm-remediation-tracking', teamId: 'secops', due: '2026-11-25T17:00',
      statusText: t(lo, 'status.acknowledged', { name: '박지우', time: when('2026-11-25T09:12', lo) }),
      triggerText: t(lo, 'trigger.catchUp', { time: when('2026-11-25T09:00', lo) }),
      assignee: '박지우',
      acknowledged: true,
    }),
    snoozed: (lo) => ({
      activityId: 'portal-license-review', teamId: 'secops', due: '2026-11-23T18:00',
      statusText: t(lo, 'banner.snoozed', { name: '이서준', time: when('2026-11-25T14:00', lo) }),
      acknowledged: true,
    }),
    overdue: (lo) => ({
      activityId: 'secure-score-report', teamId: 'secops', due: '2026-11-23T18:00',
      statusText: t(lo, 'banner.overdueAck', { time: when('2026-11-23T18:00', lo), name: '최유나' }),
      assignee: '최유나',
      acknowledged: true,
    }),
    escalated: (lo) => ({
      activityId: 'escalation-ticket-update', teamId: 'secops', due: '2026-11-24T17:00',
      // Assigned by the rotation, acknowledged by someone else: both survive the escalation.
      statusText: t(lo, 'assign.bannerEscalatedAck', { time: when('2026-11-24T21:00', lo), team: teamName('soc-oversight', lo), name: '이서준' }),
      assignee: '김민지',
      acknowledged: true,
    }),
    done: (lo) => ({
      activityId: 'phishing-dlp-campaigns', teamId: 'secops', due: '2026-11-02T18:00',
      statusText: t(lo, 'banner.doneNote', { name: '김민지', time: when('2026-11-02T14:02', lo), note: TICKET }),
    }),
    'acknowledged-people-text': (lo) => ({
      ...reminderData.acknowledged(lo),
      statusText: t(lo, 'status.acknowledged', { name: PEOPLE_TEXT, time: when('2026-11-25T09:12', lo) }),
      triggerText: t(lo, 'trigger.onDemand', { name: PEOPLE_TEXT }),
    }),
    // The weekly Secure Score report done with its evidence: the score and the report link, shown as a link.
    'done-evidence': (lo) => ({
      activityId: 'secure-score-report', teamId: 'monitoring', due: '2026-11-25T10:00',
      statusText: t(lo, 'banner.done', { name: '김민지', time: when('2026-11-24T16:40', lo) }),
      evidence: { secureScore: 71.5, report: 'https://contoso.sharepoint.com/sites/soc/Shared%20Documents/SecureScore-2026-W48.pdf' },
    }),
    'done-long-link': (lo) => ({
      ...reminderData.done(lo),
      statusText: t(lo, 'banner.doneNote', { name: '김민지', time: when('2026-11-02T14:02', lo), note: LONG_TICKET }),
    }),
    skipped: (lo) => ({
      activityId: 'automation-deployment', teamId: 'engineering', due: '2026-11-23T18:00',
      statusText: t(lo, 'banner.skipped', { name: '정하은', time: when('2026-11-23T10:41', lo), reason: SKIP_REASON[lo] }),
    }),
    missed: (lo) => ({
      activityId: 'escalation-ticket-update', teamId: 'secops', due: '2026-11-21T17:00',
      statusText: t(lo, 'status.missed', { time: when('2026-11-21T09:00', lo) }),
    }),
  };

  const reminderView = (status: OccurrenceStatus, locale: Locale, variant: ReminderVariant = status): ReminderCardView => {
    const d = reminderData[variant](locale);
    return {
      locale,
      occurrenceId: `occ-${status}-2026-11-25`,
      title: title(d.activityId, locale),
      description: description(d.activityId, locale),
      teamName: teamName(d.teamId, locale),
      cadence: cadence(d.activityId, locale),
      dueText: when(d.due, locale),
      status,
      statusText: d.statusText,
      actionable: OPEN_STATUSES.includes(status),
      triggerText: d.triggerText,
      refreshUserIds: ['29:1a2b3c-minji', '29:4d5e6f-jiwoo'],
      ...catalogParts(d, status, locale),
      ...(d.assignee && { assignee: { name: d.assignee, aadObjectId: '7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f' } }),
      acknowledged: d.acknowledged === true,
    };
  };

  /** Tool links, Done's evidence inputs and the recorded evidence, as CardViews derives them from the catalog. */
  const catalogParts = (d: ReminderData, status: OccurrenceStatus, locale: Locale): Pick<ReminderCardView, 'linkButtons' | 'moreLinks' | 'evidenceInputs' | 'evidenceShown'> => {
    const state: Occurrence['state'] = status === 'done' || status === 'skipped' || status === 'missed' ? status : 'open';
    const at = kst('2026-11-24T09:00');
    const o: Occurrence = { id: 'occ', tenantId: 't', activityId: d.activityId, teamId: d.teamId, scheduledAt: at, dueAt: kst(d.due), trigger: 'schedule', state, createdAt: at, ...(d.evidence ? { closeEvidence: d.evidence } : {}) };
    const { linkButtons, moreLinks, evidenceInputs, evidenceShown } = views.reminder(o, at, locale);
    return { linkButtons, moreLinks, evidenceInputs, evidenceShown };
  };

  const cases: CardCase[] = [];
  const add = <K extends CardKind>(kind: K, variant: string, locale: Locale, theme: CardTheme, render: (view: CardViewsByKind[K]) => AdaptiveCardJson, view: CardViewsByKind[K], extra: Extra = {}) => {
    const id = [kind, variant, locale, theme].filter(Boolean).join('-');
    // A CaseOf<K> is one member of the CardCase union; TypeScript cannot see that for a generic K.
    cases.push({ id, kind, variant, locale, theme, view, card: render(view), ...extra } as CardCase);
  };

  for (const locale of ['en', 'ko'] as const) {
    for (const theme of CARD_THEMES) {
      for (const status of REMINDER_STATUSES) {
        add('reminder', status, locale, theme, renderReminderCard, reminderView(status, locale), { status });
      }
    }
    add('reminder', 'done-long-link', locale, 'light', renderReminderCard, reminderView('done', locale, 'done-long-link'), { status: 'done' });
    add('reminder', 'done-evidence', locale, 'light', renderReminderCard, reminderView('done', locale, 'done-evidence'), { status: 'done' });
    add('reminder', 'acknowledged-people-text', locale, 'light', renderReminderCard, reminderView('acknowledged', locale, 'acknowledged-people-text'), { status: 'acknowledged', peopleText: PEOPLE_TEXT });
    // The forms behind Done, Snooze and Skip, opened.
    const s = cardStrings(locale);
    for (const [button, label] of [['done', s.done], ['snooze', s.snooze], ['skip', s.skip], ['assign', s.assign.people]] as const) {
      add('reminder', `posted-${button}-form`, locale, 'light', renderReminderCard, reminderView('posted', locale), {
        status: 'posted',
        expand: label,
      });
    }
  }

  // Every card in every theme: the digest's and the teams list's colours were unreadable in one of them (issue 15).
  for (const locale of ['en', 'ko'] as const) for (const theme of CARD_THEMES) {
    add('nudge', 'snooze-ended', locale, theme, renderNudgeCard, {
      locale, occurrenceId: 'occ-snoozed', title: title('portal-license-review', locale),
      message: t(locale, 'nudge.snoozeEnded'), dueText: when('2026-11-23T18:00', locale),
    });
    add('nudge', 'overdue', locale, theme, renderNudgeCard, {
      locale, occurrenceId: 'occ-overdue', title: title('tvm-remediation-tracking', locale),
      message: t(locale, 'nudge.overdue', { time: when('2026-11-25T17:00', locale) }), dueText: when('2026-11-25T17:00', locale),
    });

    const escalation: EscalationCardView = {
      locale,
      title: t(locale, 'escalation.title', { activity: title('escalation-ticket-update', locale) }),
      dueText: when('2026-11-24T17:00', locale),
      tasks: [
        { teamName: teamName('secops', locale), stateText: t(locale, 'escalation.stateAck', { name: '최유나', time: when('2026-11-24T15:10', locale) }) },
        { teamName: teamName('monitoring', locale), stateText: t(locale, 'escalation.stateOpen') },
      ],
      taskChoices: [{ title: teamName('monitoring', locale), value: 'occ-escalated' }],
    };
    add('escalation', 'linked', locale, theme, renderEscalationCard, {
      ...escalation,
      tasks: escalation.tasks.map((x, i) => (i === 0 ? { ...x, link: 'https://teams.microsoft.com/l/message/19%3Asecops-general%40thread.tacv2/1764061200000?tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47&parentMessageId=1764061200000' } : x)),
    });
    add('escalation', 'unlinked', locale, theme, renderEscalationCard, {
      ...escalation,
      tasks: [escalation.tasks[0]!, { teamName: teamName('monitoring', locale), stateText: t(locale, 'escalation.stateNeverTold') }],
      neverToldText: t(locale, 'escalation.neverTold', { teams: teamName('engineering', locale) }),
    });

    const s = cardStrings(locale);
    const ack = (name: string) => `${s.status.acknowledged} · ${name}`;
    const openLines: readonly (readonly [activityId: string, due: string, status: OccurrenceStatus, name: string | undefined])[] = [
      ['secure-score-report', '2026-11-23T18:00', 'overdue', '최유나'],
      ['escalation-ticket-update', '2026-11-24T17:00', 'escalated', undefined],
      ['tvm-remediation-tracking', '2026-11-25T17:00', 'acknowledged', '박지우'],
      ['escalation-ticket-update', '2026-11-25T17:00', 'posted', undefined],
      ['portal-license-review', '2026-11-23T18:00', 'snoozed', '이서준'],
      ['service-management-sync', '2026-11-23T18:00', 'acknowledged', 'Alexandra Featherstonehaugh-Whitmore'],
      ['ir-tabletop-exercise', '2026-11-25T18:30', 'pending', undefined],
    ];
    add('workload', 'full', locale, theme, renderWorkloadCard, {
      locale,
      teamName: teamName('secops', locale),
      openCount: 17,
      overdueCount: 2,
      snoozedCount: 1,
      doneLast7Days: 12,
      completionText: formatRate(10 / 12, 10, 12, locale),
      medianText: formatElapsed((2 * 60 + 10) * 60_000, locale),
      people: (
        [
          ['최유나', 4, 1],
          ['박지우', 5, 0],
          ['이서준', 3, 0],
          ['Alexandra Featherstonehaugh-Whitmore', 2, 0],
          [s.mytasks.unassigned, 3, 1],
        ] as const
      ).map(([name, open, overdue]) => ({
        name,
        openText: t(locale, 'mytasks.personOpen', { count: open }),
        overdueText: t(locale, 'mytasks.personOverdue', { count: overdue }),
        overdue: overdue > 0,
      })),
      morePeople: 0,
      openItems: Array.from({ length: 15 }, (_, i) => {
        const [id, due, status, name] = openLines[i % openLines.length];
        return {
          title: title(id, locale),
          dueText: when(due, locale),
          statusText: name && status !== 'overdue' ? `${s.status[status]} · ${name}` : name ? ack(name) : s.status[status],
          overdue: status === 'overdue' || status === 'escalated',
        };
      }),
      moreOpen: 2,
      upcoming: (
        [
          ['escalation-ticket-update', '2026-11-26T09:00'],
          ['tvm-remediation-tracking', '2026-11-26T09:00'],
          ['escalation-ticket-update', '2026-11-27T09:00'],
          ['service-management-sync', '2026-11-30T10:00'],
          ['phishing-dlp-campaigns', '2026-12-07T10:00'],
        ] as const
      ).map(([id, at]) => ({ title: title(id, locale), whenText: when(at, locale) })),
      warning: t(locale, 'workload.unposted', { count: 3, team: teamName('secops', locale) }),
      missedRuns: [
        { title: title('escalation-ticket-update', locale), text: t(locale, 'workload.missedRun', { count: 5, first: when('2026-11-17T09:00', locale), last: when('2026-11-21T09:00', locale) }) },
        { title: title('secure-score-report', locale), text: t(locale, 'workload.missedRun', { count: 1, first: when('2026-11-17T10:00', locale), last: when('2026-11-17T10:00', locale) }) },
      ],
    });
    add('workload', 'empty', locale, theme, renderWorkloadCard, {
      locale, teamName: teamName('monitoring', locale), openCount: 0, overdueCount: 0, snoozedCount: 0, doneLast7Days: 0,
      completionText: t(locale, 'workload.none'), medianText: t(locale, 'workload.none'), people: [], morePeople: 0, openItems: [], moreOpen: 0, upcoming: [], missedRuns: [],
    });

    add('task-list', 'mine', locale, theme, renderTaskListCard, {
      locale, heading: t(locale, 'tasks.title'), emptyText: t(locale, 'tasks.empty'),
      items: [
        { title: title('tvm-remediation-tracking', locale), teamName: teamName('secops', locale), dueText: when('2026-11-25T17:00', locale),
          statusText: `${s.status.acknowledged} · 박지우` },
        { title: title('secure-score-report', locale), teamName: teamName('secops', locale), dueText: when('2026-11-23T18:00', locale),
          statusText: `${s.status.overdue} · 박지우` },
      ],
    });
    add('task-list', 'overdue', locale, theme, renderTaskListCard, {
      locale, heading: t(locale, 'overdue.title'), emptyText: t(locale, 'overdue.empty'),
      items: (
        [
          ['secure-score-report', 'secops', '2026-11-23T18:00', '최유나'],
          ['escalation-ticket-update', 'secops', '2026-11-24T17:00', undefined],
          ['automation-deployment', 'engineering', '2026-11-23T18:00', 'Alexandra Featherstonehaugh-Whitmore'],
          ['portal-license-review', 'monitoring', '2026-11-24T18:00', undefined],
        ] as const
      ).map(([id, teamId, due, name]) => ({
        title: title(id, locale), teamName: teamName(teamId, locale), dueText: when(due, locale),
        // As CardViews.taskList words it: the status label, then who is on it.
        statusText: name ? `${s.status.overdue} · ${name}` : s.status.overdue,
      })),
    });
    add('task-list', 'people-text', locale, theme, renderTaskListCard, {
      locale, heading: t(locale, 'tasks.title'), emptyText: t(locale, 'tasks.empty'),
      items: [{ title: title('tvm-remediation-tracking', locale), teamName: teamName('secops', locale), dueText: when('2026-11-25T17:00', locale),
        statusText: `${s.status.acknowledged} · ${PEOPLE_TEXT}` }],
    }, { peopleText: PEOPLE_TEXT });
    add('task-list', 'empty', locale, theme, renderTaskListCard, {
      locale, heading: t(locale, 'tasks.title'), emptyText: t(locale, 'tasks.empty'), items: [],
    });

    add('teams-list', 'full', locale, theme, renderTeamsListCard, {
      locale,
      teams: [
        { id: 'secops', name: teamName('secops', locale), channelText: 'SOC 운영 · SecOps General', bound: true },
        { id: 'engineering', name: teamName('engineering', locale),
          channelText: `${t(locale, 'teams.unbound')} · ${t(locale, 'workload.unposted', { count: 3, team: teamName('engineering', locale) })}`, bound: false },
        { id: 'soc-oversight', name: teamName('soc-oversight', locale), channelText: 'SOC 감독 위원회 (Oversight board)', bound: true },
        { id: 'monitoring', name: teamName('monitoring', locale), channelText: t(locale, 'teams.inactive', { reason: L(locale, 'the bot was removed from the team', '봇이 팀에서 제거됨') }), bound: false },
      ],
    });
    add('teams-list', 'empty', locale, theme, renderTeamsListCard, { locale, teams: [] });

    const period = t(locale, 'digest.period', { start: day('2026-11-18T09:00', locale), end: day('2026-11-25T09:00', locale) });
    const link = (n: number) => `https://teams.microsoft.com/l/message/19%3Asecops-general%40thread.tacv2/176406120000${n}?tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47&parentMessageId=176406120000${n}`;
    const task = (label: MessageKey, id: string, due: string, n?: number) => ({ label: t(locale, label), title: title(id, locale), dueText: day(due, locale), ...(n === undefined ? {} : { link: link(n) }) });
    add('digest', 'full', locale, theme, renderDigestCard, {
      locale,
      periodText: period,
      rows: [
        { teamName: teamName('secops', locale), doneOnTime: 14, doneLate: 2, overdue: 1, skipped: 0, medianText: formatElapsed(130 * 60_000, locale),
          tasks: [task('digest.overdueTasks', 'secure-score-report', '2026-11-23T18:00', 1), task('digest.lateTasks', 'tvm-remediation-tracking', '2026-11-20T17:00', 2), task('digest.lateTasks', 'escalation-ticket-update', '2026-11-19T17:00')] },
        { teamName: teamName('engineering', locale), doneOnTime: 3, doneLate: 0, overdue: 0, skipped: 1, medianText: formatElapsed(52 * 3_600_000, locale), tasks: [] },
        { teamName: teamName('soc-oversight', locale), doneOnTime: 1, doneLate: 0, overdue: 0, skipped: 0, medianText: formatElapsed(25 * 60_000, locale), tasks: [] },
        { teamName: teamName('monitoring', locale), doneOnTime: 0, doneLate: 0, overdue: 7, skipped: 0, medianText: t(locale, 'workload.none'),
          tasks: ['2026-11-19T09:00', '2026-11-20T09:00', '2026-11-21T09:00', '2026-11-22T09:00', '2026-11-23T09:00'].map((due, i) => task('digest.overdueTasks', 'portal-license-review', due, 3 + i)),
          moreText: t(locale, 'digest.moreTasks', { count: 2 }) },
      ],
    });
    add('digest', 'empty', locale, theme, renderDigestCard, { locale, periodText: period, rows: [] });

    // Help is the only Markdown message (the bot's own words, as CardViews builds it); every other message text is
    // shown as written.
    add('message', 'help', locale, theme, renderMessageCard, views.help(locale));
    add('message', 'unknown-people-text', locale, theme, renderMessageCard, { locale, text: t(locale, 'unknown.text', { input: PEOPLE_TEXT }) }, { peopleText: PEOPLE_TEXT });
    add('message', 'welcome', locale, theme, renderMessageCard, {
      locale, title: t(locale, 'welcome.title'),
      text: t(locale, 'welcome.text', {
        teamName: 'SOC 보안관제센터',
        teamList: catalog.teams.map((x) => `${x.id} (${L(locale, x.name, x.name_ko || x.name)})`).join(', '),
      }),
    });
    add('message', 'already-skipped', locale, theme, renderMessageCard, {
      locale, title: '', text: t(locale, 'action.alreadySkipped', { name: '정하은', time: hm('2026-11-23T10:41', locale), reason: SKIP_REASON[locale] }),
    });
  }
  return cases;
}
