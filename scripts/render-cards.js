#!/usr/bin/env node
/**
 * Cards, seen: renders every card the bot sends, in English and Korean, the way Teams would draw it, to PNGs and a
 * contact sheet (index.html) for a person to look at.
 *
 *   npm run build && node scripts/render-cards.js [--out DIR] [--width PX] [--scale N] [--only ID-PART[,ID-PART…]] [--strict]
 *
 * The cards come from the built renderers in dist/ (the same code the bot runs) with realistic SOC data: the
 * built-in catalog's activities, Korean names, ticket links, long notes. Each card is drawn by the adaptivecards
 * browser renderer (adaptivecards/dist/adaptivecards.min.js) with Teams' host config (cards/host-config/: light for
 * every card, dark and high contrast too for the reminder card) in headless Chromium (Debian's /usr/bin/chromium
 * through playwright-core), one page re-rendered per card. For each card the page also reports what a reviewer
 * would check by eye: the visible text, the buttons, text wider than the card or clipped, a `${` left unexpanded,
 * parse warnings, and text whose contrast with its background is poor. Those findings go to results.json and the
 * contact sheet, and are printed; with --strict the command exits 1 when a card overflows, is clipped, keeps a `${`
 * or fails to parse (test/e2e/cards-render.test.ts is the gate; the two long-link cards overflow, a known issue).
 *
 * test/e2e/cards-render.test.ts calls renderCards() with its own browser context.
 */
'use strict';

const { mkdirSync, readFileSync, writeFileSync, existsSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve, relative } = require('node:path');

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist', 'src');
const HOST_CONFIG_DIR = join(ROOT, 'cards', 'host-config');
const DEFAULT_OUT = join(ROOT, 'test-artifacts', 'cards');
/**
 * Width of the card in a Teams message on desktop. Teams does not publish one figure; ~450 px is what a card gets
 * in a chat or channel at the common window sizes (a `msteams.width: "Full"` card gets wider, never narrower except
 * on phones), so overflow found here is real.
 */
const DEFAULT_WIDTH = 450;

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// The same flags as test/support/browser.ts: without the networking ones Chromium floods a closed network.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Each theme: its host config and the colours of the Teams page around the card. */
const THEMES = {
  light: {
    hostConfig: 'microsoft-teams-light.json',
    page: '#F5F5F5',
    bubble: '#FFFFFF',
    bubbleBorder: '#E0E0E0',
    meta: '#616161',
    name: '#242424',
  },
  dark: {
    hostConfig: 'microsoft-teams-dark.json',
    page: '#1F1F1F',
    bubble: '#2D2C2C',
    bubbleBorder: '#3D3D3D',
    meta: '#ADADAD',
    name: '#FFFFFF',
  },
  contrast: {
    hostConfig: 'microsoft-teams-high-contrast.json',
    page: '#000000',
    bubble: '#000000',
    bubbleBorder: '#FFFFFF',
    meta: '#FFFFFF',
    name: '#FFFFFF',
  },
};

/** Markdown and HTML in people's text: a display name, a note, a channel name (test/support/people-text.ts). */
const PEOPLE_TEXT_SAMPLE = '[x](https://evil.example) **bold** <at>x</at> ![i](https://evil.example/p.png) &lt;script&gt;';

const REMINDER_STATUSES = ['pending', 'posted', 'acknowledged', 'snoozed', 'overdue', 'escalated', 'done', 'skipped', 'missed'];
const OPEN_STATUSES = ['pending', 'posted', 'acknowledged', 'snoozed', 'overdue', 'escalated'];

// ---------------------------------------------------------------------------------------------------------------
// The cards and their data

function loadProject() {
  const renderer = join(DIST, 'teams', 'cards', 'card-renderer.js');
  if (!existsSync(renderer)) {
    throw new Error(`${relative(process.cwd(), renderer)} is missing: build first (npm run build).`);
  }
  return {
    cards: require(renderer),
    i18n: require(join(DIST, 'teams', 'i18n.js')),
    formatting: require(join(DIST, 'teams', 'formatting.js')),
    lists: require(join(DIST, 'teams', 'catalog-lists.js')),
    views: require(join(DIST, 'teams', 'card-views.builder.js')),
    catalog: require('yaml').parse(readFileSync(join(ROOT, 'src', 'catalog', 'builtin-catalog.yaml'), 'utf8')),
  };
}

/**
 * Every card to draw: `{ id, kind, variant, status?, locale, theme, card, view, expand? }`. `view` is the view model
 * the card was rendered from (the test reads the expected text from it); `expand` names a Done/Snooze/Skip button
 * to click before the screenshot, to show its form.
 */
function buildCases() {
  const { cards, i18n, formatting, lists, views, catalog } = loadProject();
  const { t, cardStrings } = i18n;
  const zone = catalog.timezone || 'Asia/Seoul';
  /** A time in Seoul: kst('2026-11-25T10:30'). */
  const kst = (local) => Date.parse(`${local}:00+09:00`);
  // As CardViews shows times: "now" is the fixtures' 25 Nov 2026, the reader is in the catalog's zone, so neither
  // the year nor the zone is written.
  const dates = { now: kst('2026-11-25T12:00'), readerTimeZone: zone };
  const when = (local, locale) => formatting.formatDateTime(kst(local), zone, locale, dates);
  const day = (local, locale) => formatting.formatDay(kst(local), zone, locale, dates);
  const hm = (local, locale) => formatting.formatTimeNear(kst(local), kst('2026-11-25T12:00'), zone, locale);
  const activity = (id) => {
    const a = catalog.activities.find((x) => x.id === id);
    if (!a) throw new Error(`activity ${id} is not in the built-in catalog`);
    return a;
  };
  const team = (id) => catalog.teams.find((x) => x.id === id);
  const L = (locale, en, ko) => (locale === 'ko' ? ko : en);
  const title = (id, locale) => L(locale, activity(id).title, activity(id).title_ko || activity(id).title);
  const description = (id, locale) => L(locale, activity(id).description, activity(id).description_ko || activity(id).description);
  const cadence = (id, locale) => L(locale, activity(id).cadence, activity(id).cadence_ko || activity(id).cadence);
  const teamName = (id, locale) => L(locale, team(id).name, team(id).name_ko || team(id).name);

  const TICKET = 'https://jira.soc.example.co.kr/browse/SOC-20431';
  // A ticket link as people paste it: one unbreakable 140-character word.
  const LONG_TICKET = `${TICKET}?focusedCommentId=884213&page=com.atlassian.jira.plugin.system.issuetabpanels%3Acomment-tabpanel#comment-884213`;
  /** A display name (or note) as an attacker types it: every card must show it as written, never as a link. */
  const PEOPLE_TEXT = PEOPLE_TEXT_SAMPLE;
  const SKIP_REASON = {
    en: 'Change freeze for the year-end settlement system (CHG-7781): no deployments until 2 December. The scripts are staged in the soc-automation repository and ship in the next change window.',
    ko: '연말 정산 시스템 변경 동결 기간(CHG-7781)이라 12월 2일까지 배포할 수 없습니다. 스크립트는 soc-automation 저장소에 준비되어 있으며 다음 변경 기간에 배포합니다.',
  };

  /** What each reminder status looks like, as the bot would build it (CardViews in src/teams/card-views.builder.ts). */
  const reminderData = {
    pending: (lo) => ({
      activityId: 'ir-tabletop-exercise', teamId: 'secops', due: '2026-11-25T18:30',
      statusText: t(lo, 'status.pending'),
      triggerText: t(lo, 'trigger.onDemand', { name: '김민지' }),
    }),
    posted: (lo) => ({
      activityId: 'service-management-sync', teamId: 'engineering', due: '2026-11-23T18:00',
      statusText: t(lo, 'status.posted'),
    }),
    acknowledged: (lo) => ({
      activityId: 'tvm-remediation-tracking', teamId: 'secops', due: '2026-11-25T17:00',
      statusText: t(lo, 'status.acknowledged', { name: '박지우', time: when('2026-11-25T09:12', lo) }),
      triggerText: t(lo, 'trigger.catchUp', { time: when('2026-11-25T09:00', lo) }),
    }),
    snoozed: (lo) => ({
      activityId: 'portal-license-review', teamId: 'secops', due: '2026-11-23T18:00',
      statusText: t(lo, 'banner.snoozed', { name: '이서준', time: when('2026-11-25T14:00', lo) }),
    }),
    overdue: (lo) => ({
      activityId: 'secure-score-report', teamId: 'secops', due: '2026-11-23T18:00',
      statusText: t(lo, 'banner.overdueAck', { time: when('2026-11-23T18:00', lo), name: '최유나' }),
    }),
    escalated: (lo) => ({
      activityId: 'escalation-ticket-update', teamId: 'secops', due: '2026-11-24T17:00',
      statusText: t(lo, 'banner.escalated', { time: when('2026-11-24T21:00', lo), team: teamName('soc-oversight', lo) }),
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

  const reminderView = (status, locale, variant = status) => {
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
    };
  };

  const cases = [];
  const add = (kind, variant, locale, theme, render, view, extra = {}) => {
    const id = [kind, variant, locale, theme].filter(Boolean).join('-');
    cases.push({ id, kind, variant, locale, theme, view, card: render(view), ...extra });
  };

  for (const locale of ['en', 'ko']) {
    for (const theme of Object.keys(THEMES)) {
      for (const status of REMINDER_STATUSES) {
        add('reminder', status, locale, theme, cards.renderReminderCard, reminderView(status, locale), { status });
      }
    }
    add('reminder', 'done-long-link', locale, 'light', cards.renderReminderCard, reminderView('done', locale, 'done-long-link'), { status: 'done' });
    add('reminder', 'acknowledged-people-text', locale, 'light', cards.renderReminderCard, reminderView('acknowledged', locale, 'acknowledged-people-text'), { status: 'acknowledged', peopleText: PEOPLE_TEXT });
    // The forms behind Done, Snooze and Skip, opened.
    const s = cardStrings(locale);
    for (const [button, label] of [['done', s.done], ['snooze', s.snooze], ['skip', s.skip]]) {
      add('reminder', `posted-${button}-form`, locale, 'light', cards.renderReminderCard, reminderView('posted', locale), {
        status: 'posted',
        expand: label,
      });
    }
  }

  // Every card in every theme: the digest's and the teams list's colours were unreadable in one of them (issue 15).
  for (const locale of ['en', 'ko']) for (const theme of Object.keys(THEMES)) {
    add('nudge', 'snooze-ended', locale, theme, cards.renderNudgeCard, {
      locale, occurrenceId: 'occ-snoozed', title: title('portal-license-review', locale),
      message: t(locale, 'nudge.snoozeEnded'), dueText: when('2026-11-23T18:00', locale),
    });
    add('nudge', 'overdue', locale, theme, cards.renderNudgeCard, {
      locale, occurrenceId: 'occ-overdue', title: title('tvm-remediation-tracking', locale),
      message: t(locale, 'nudge.overdue', { time: when('2026-11-25T17:00', locale) }), dueText: when('2026-11-25T17:00', locale),
    });

    const escalation = {
      locale, occurrenceId: 'occ-escalated',
      title: t(locale, 'escalation.title', { activity: title('escalation-ticket-update', locale) }),
      teamName: teamName('secops', locale),
      dueText: when('2026-11-24T17:00', locale),
      statusText: t(locale, 'status.overdueAck', { time: when('2026-11-24T17:00', locale), name: '최유나' }),
    };
    add('escalation', 'linked', locale, theme, cards.renderEscalationCard, {
      ...escalation,
      link: 'https://teams.microsoft.com/l/message/19%3Asecops-general%40thread.tacv2/1764061200000?tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47&parentMessageId=1764061200000',
    });
    add('escalation', 'unlinked', locale, theme, cards.renderEscalationCard, escalation);

    const s = cardStrings(locale);
    const ack = (name) => `${s.status.acknowledged} · ${name}`;
    const openLines = [
      ['secure-score-report', '2026-11-23T18:00', 'overdue', '최유나'],
      ['escalation-ticket-update', '2026-11-24T17:00', 'escalated', undefined],
      ['tvm-remediation-tracking', '2026-11-25T17:00', 'acknowledged', '박지우'],
      ['escalation-ticket-update', '2026-11-25T17:00', 'posted', undefined],
      ['portal-license-review', '2026-11-23T18:00', 'snoozed', '이서준'],
      ['service-management-sync', '2026-11-23T18:00', 'acknowledged', 'Alexandra Featherstonehaugh-Whitmore'],
      ['ir-tabletop-exercise', '2026-11-25T18:30', 'pending', undefined],
    ];
    add('workload', 'full', locale, theme, cards.renderWorkloadCard, {
      locale,
      teamName: teamName('secops', locale),
      openCount: 17,
      overdueCount: 2,
      snoozedCount: 1,
      doneLast7Days: 12,
      completionText: views.formatRate(10 / 12, 10, 12, locale),
      medianText: formatting.formatElapsed((2 * 60 + 10) * 60_000, locale),
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
      upcoming: [
        ['escalation-ticket-update', '2026-11-26T09:00'],
        ['tvm-remediation-tracking', '2026-11-26T09:00'],
        ['escalation-ticket-update', '2026-11-27T09:00'],
        ['service-management-sync', '2026-11-30T10:00'],
        ['phishing-dlp-campaigns', '2026-12-07T10:00'],
      ].map(([id, at]) => ({ title: title(id, locale), whenText: when(at, locale) })),
      warning: t(locale, 'workload.unposted', { count: 3, team: teamName('secops', locale) }),
    });
    add('workload', 'empty', locale, theme, cards.renderWorkloadCard, {
      locale, teamName: teamName('monitoring', locale), openCount: 0, overdueCount: 0, snoozedCount: 0, doneLast7Days: 0,
      completionText: t(locale, 'workload.none'), medianText: t(locale, 'workload.none'), openItems: [], moreOpen: 0, upcoming: [],
    });

    add('task-list', 'mine', locale, theme, cards.renderTaskListCard, {
      locale, heading: t(locale, 'tasks.title'), emptyText: t(locale, 'tasks.empty'),
      items: [
        { title: title('tvm-remediation-tracking', locale), teamName: teamName('secops', locale), dueText: when('2026-11-25T17:00', locale),
          statusText: `${s.status.acknowledged} · 박지우` },
        { title: title('secure-score-report', locale), teamName: teamName('secops', locale), dueText: when('2026-11-23T18:00', locale),
          statusText: `${s.status.overdue} · 박지우` },
      ],
    });
    add('task-list', 'overdue', locale, theme, cards.renderTaskListCard, {
      locale, heading: t(locale, 'overdue.title'), emptyText: t(locale, 'overdue.empty'),
      items: [
        ['secure-score-report', 'secops', '2026-11-23T18:00', '최유나'],
        ['escalation-ticket-update', 'secops', '2026-11-24T17:00', undefined],
        ['automation-deployment', 'engineering', '2026-11-23T18:00', 'Alexandra Featherstonehaugh-Whitmore'],
        ['portal-license-review', 'monitoring', '2026-11-24T18:00', undefined],
      ].map(([id, teamId, due, name]) => ({
        title: title(id, locale), teamName: teamName(teamId, locale), dueText: when(due, locale),
        // As CardViews.taskList words it: the status label, then who is on it.
        statusText: name ? `${s.status.overdue} · ${name}` : s.status.overdue,
      })),
    });
    add('task-list', 'people-text', locale, theme, cards.renderTaskListCard, {
      locale, heading: t(locale, 'tasks.title'), emptyText: t(locale, 'tasks.empty'),
      items: [{ title: title('tvm-remediation-tracking', locale), teamName: teamName('secops', locale), dueText: when('2026-11-25T17:00', locale),
        statusText: `${s.status.acknowledged} · ${PEOPLE_TEXT}` }],
    }, { peopleText: PEOPLE_TEXT });
    add('task-list', 'empty', locale, theme, cards.renderTaskListCard, {
      locale, heading: t(locale, 'tasks.title'), emptyText: t(locale, 'tasks.empty'), items: [],
    });

    add('teams-list', 'full', locale, theme, cards.renderTeamsListCard, {
      locale,
      teams: [
        { id: 'secops', name: teamName('secops', locale), channelText: 'SOC 운영 · SecOps General', bound: true },
        { id: 'engineering', name: teamName('engineering', locale),
          channelText: `${t(locale, 'teams.unbound')} · ${t(locale, 'workload.unposted', { count: 3, team: teamName('engineering', locale) })}`, bound: false },
        { id: 'soc-oversight', name: teamName('soc-oversight', locale), channelText: 'SOC 감독 위원회 (Oversight board)', bound: true },
        { id: 'monitoring', name: teamName('monitoring', locale), channelText: t(locale, 'teams.inactive', { reason: L(locale, 'the bot was removed from the team', '봇이 팀에서 제거됨') }), bound: false },
      ],
    });
    add('teams-list', 'empty', locale, theme, cards.renderTeamsListCard, { locale, teams: [] });

    const period = t(locale, 'digest.period', { start: day('2026-11-18T09:00', locale), end: day('2026-11-25T09:00', locale) });
    const link = (n) => `https://teams.microsoft.com/l/message/19%3Asecops-general%40thread.tacv2/176406120000${n}?tenantId=72f988bf-86f1-41af-91ab-2d7cd011db47&parentMessageId=176406120000${n}`;
    const task = (label, id, due, n) => ({ label: t(locale, label), title: title(id, locale), dueText: day(due, locale), ...(n === undefined ? {} : { link: link(n) }) });
    add('digest', 'full', locale, theme, cards.renderDigestCard, {
      locale,
      periodText: period,
      rows: [
        { teamName: teamName('secops', locale), doneOnTime: 14, doneLate: 2, overdue: 1, skipped: 0, medianText: formatting.formatElapsed(130 * 60_000, locale),
          tasks: [task('digest.overdueTasks', 'secure-score-report', '2026-11-23T18:00', 1), task('digest.lateTasks', 'tvm-remediation-tracking', '2026-11-20T17:00', 2), task('digest.lateTasks', 'escalation-ticket-update', '2026-11-19T17:00')] },
        { teamName: teamName('engineering', locale), doneOnTime: 3, doneLate: 0, overdue: 0, skipped: 1, medianText: formatting.formatElapsed(52 * 3_600_000, locale), tasks: [] },
        { teamName: teamName('soc-oversight', locale), doneOnTime: 1, doneLate: 0, overdue: 0, skipped: 0, medianText: formatting.formatElapsed(25 * 60_000, locale), tasks: [] },
        { teamName: teamName('monitoring', locale), doneOnTime: 0, doneLate: 0, overdue: 7, skipped: 0, medianText: t(locale, 'workload.none'),
          tasks: ['2026-11-19T09:00', '2026-11-20T09:00', '2026-11-21T09:00', '2026-11-22T09:00', '2026-11-23T09:00'].map((due, i) => task('digest.overdueTasks', 'portal-license-review', due, 3 + i)),
          moreText: t(locale, 'digest.moreTasks', { count: 2 }) },
      ],
    });
    add('digest', 'empty', locale, theme, cards.renderDigestCard, { locale, periodText: period, rows: [] });

    // Help is the only Markdown message (the bot's own words); every other message text is shown as written.
    add('message', 'help', locale, theme, cards.renderMessageCard, {
      locale, title: t(locale, 'help.title'), markdown: t(locale, 'help.text'),
      text: `${t(locale, 'help.teams', { teamList: lists.formatTeamList(catalog, locale) })}\n\n${t(locale, 'help.activities', { activityList: lists.formatOnDemandList(catalog, locale) })}`,
    });
    add('message', 'unknown-people-text', locale, theme, cards.renderMessageCard, { locale, text: t(locale, 'unknown.text', { input: PEOPLE_TEXT }) }, { peopleText: PEOPLE_TEXT });
    add('message', 'welcome', locale, theme, cards.renderMessageCard, {
      locale, title: t(locale, 'welcome.title'),
      text: t(locale, 'welcome.text', {
        teamName: 'SOC 보안관제센터',
        teamList: catalog.teams.map((x) => `${x.id} (${L(locale, x.name, x.name_ko || x.name)})`).join(', '),
      }),
    });
    add('message', 'already-skipped', locale, theme, cards.renderMessageCard, {
      locale, title: '', text: t(locale, 'action.alreadySkipped', { name: '정하은', time: hm('2026-11-23T10:41', locale), reason: SKIP_REASON[locale] }),
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// The page

/** A Teams message around the card: bot avatar, name and time, the card in its bubble. */
function pageHtml() {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>card</title>
<style>
  html, body { margin: 0; padding: 0; }
  body { font-family: 'Segoe UI', Tahoma, Geneva, Verdana, sans-serif; background: var(--page); }
  #stage { padding: 16px 20px; display: inline-block; background: var(--page); }
  #message { display: flex; align-items: flex-start; gap: 8px; background: var(--page); padding: 4px; }
  #avatar { flex: 0 0 32px; height: 32px; border-radius: 50%; background: #5B5FC7; color: #fff; font: 600 12px/32px 'Segoe UI', sans-serif; text-align: center; }
  #meta { font-size: 12px; color: var(--meta); margin: 0 0 4px 2px; }
  #meta b { color: var(--name); font-weight: 600; margin-right: 8px; }
  #bubble { background: var(--bubble); border: 1px solid var(--bubbleBorder); border-radius: 4px; overflow: hidden; }
  #host { width: var(--width); }
  /* Teams' card chrome, after adaptivecards-designer's teams-container CSS (MIT, Microsoft). */
  .ac-pushButton { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: center; cursor: pointer;
    font-family: inherit; font-size: 14px; font-weight: 600; padding: 4px 12px 5px; height: 32px; border-radius: 4px;
    background: var(--btn-bg); color: var(--btn-fg); border: 1px solid var(--btn-border); }
  .ac-pushButton.expanded, .ac-pushButton.style-positive { background: var(--btn-primary-bg); color: var(--btn-primary-fg); border-color: var(--btn-primary-bg); }
  .ac-input { font-family: inherit; font-size: 14px; color: var(--input-fg); }
  .ac-input.ac-textInput, .ac-input.ac-multichoiceInput { background: var(--input-bg); border: 1px solid var(--input-border); border-radius: 4px; padding: 4px 8px; height: 32px; box-sizing: border-box; }
  .ac-input::placeholder { color: var(--input-placeholder); }
  .ac-input-container, .ac-input-label { color: inherit; }
  /* A TextRun with a selectAction is an <a>: Teams draws it in the run's own colour, not the browser's #0000EE. */
  #host a { color: inherit; }
</style></head>
<body><div id="stage"><div id="message"><div id="avatar">SR</div><div><div id="meta"><b>SOC Reminders</b>09:00</div>
<div id="bubble"><div id="host"></div></div></div></div></div></body></html>`;
}

/** Button and input colours per theme, after Teams. */
const CHROME = {
  light: { btnBg: '#FFFFFF', btnFg: '#242424', btnBorder: '#D1D1D1', btnPrimaryBg: '#5B5FC7', btnPrimaryFg: '#FFFFFF', inputBg: '#FFFFFF', inputFg: '#242424', inputBorder: '#D1D1D1', inputPlaceholder: '#616161' },
  dark: { btnBg: '#292929', btnFg: '#FFFFFF', btnBorder: '#666666', btnPrimaryBg: '#7F85F5', btnPrimaryFg: '#000000', inputBg: '#1F1F1F', inputFg: '#FFFFFF', inputBorder: '#666666', inputPlaceholder: '#ADADAD' },
  contrast: { btnBg: '#000000', btnFg: '#FFFFFF', btnBorder: '#FFFFFF', btnPrimaryBg: '#1AEBFF', btnPrimaryFg: '#000000', inputBg: '#000000', inputFg: '#FFFFFF', inputBorder: '#FFFFFF', inputPlaceholder: '#FFFF01' },
};

/**
 * Runs in the page: renders one card into #host and reports what is on it. Kept self-contained (no closures):
 * playwright serialises it.
 */
function renderInPage(args) {
  const { card: cardJson, hostConfig, theme, chrome, width, locale, expand } = args;
  const AC = window.AdaptiveCards;
  const root = document.documentElement;
  root.lang = locale;
  const vars = {
    '--page': theme.page, '--bubble': theme.bubble, '--bubbleBorder': theme.bubbleBorder, '--meta': theme.meta, '--name': theme.name,
    '--width': `${width}px`,
    '--btn-bg': chrome.btnBg, '--btn-fg': chrome.btnFg, '--btn-border': chrome.btnBorder,
    '--btn-primary-bg': chrome.btnPrimaryBg, '--btn-primary-fg': chrome.btnPrimaryFg,
    '--input-bg': chrome.inputBg, '--input-fg': chrome.inputFg, '--input-border': chrome.inputBorder, '--input-placeholder': chrome.inputPlaceholder,
  };
  for (const [k, v] of Object.entries(vars)) root.style.setProperty(k, v);

  // Teams' card markdown: bold, italic, links, bulleted and numbered lists, paragraphs. HTML in the text stays text.
  if (!AC.AdaptiveCard.onProcessMarkdown) {
    const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const inline = (s) =>
      esc(s)
        .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[\s(])_(\S(?:.*?\S)?)_(?=[\s).,!?:;]|$)/g, '$1<em>$2</em>')
        .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2">$1</a>');
    AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
      const out = [];
      for (const block of text.split(/\n{2,}/)) {
        const lines = block.split('\n');
        if (lines.every((l) => /^\s*[-*] /.test(l))) out.push(`<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*] /, ''))}</li>`).join('')}</ul>`);
        else if (lines.every((l) => /^\s*\d+\. /.test(l))) out.push(`<ol>${lines.map((l) => `<li>${inline(l.replace(/^\s*\d+\. /, ''))}</li>`).join('')}</ol>`);
        else out.push(`<p>${lines.map(inline).join('<br>')}</p>`);
      }
      result.outputHtml = out.join('');
      result.didProcess = true;
    };
  }

  const host = document.getElementById('host');
  host.replaceChildren();
  const card = new AC.AdaptiveCard();
  card.hostConfig = new AC.HostConfig(hostConfig);
  card.onExecuteAction = () => undefined;
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(cardJson, context);
  const parseProblems = [];
  for (let i = 0; i < context.eventCount; i++) parseProblems.push(context.getEventAt(i).message);
  for (const e of card.validateProperties().validationEvents) parseProblems.push(e.message);
  const rendered = card.render();
  if (!rendered) return { error: 'the renderer returned nothing', parseProblems };
  host.appendChild(rendered);

  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const topButtons = () => [...rendered.querySelectorAll('button')].filter((b) => b.closest('.ac-adaptiveCard') === rendered && visible(b));
  if (expand) {
    const button = topButtons().find((b) => (b.title || b.textContent).trim() === expand);
    if (!button) return { error: `no button "${expand}" to open`, parseProblems };
    button.click();
  }

  const describe = (el) => {
    const text = (el.innerText || el.value || el.placeholder || '').trim().replace(/\s+/g, ' ');
    return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${text.slice(0, 60)}"`;
  };

  // Anything wider than the card, or cut: boxes past the card's edges, and boxes whose content is clipped by
  // overflow:hidden or ellipsised (the renderer clips rather than spills).
  const cardBox = rendered.getBoundingClientRect();
  const overflow = [];
  if (rendered.scrollWidth > rendered.clientWidth + 1) overflow.push(`the card scrolls: ${rendered.scrollWidth} px of content in ${rendered.clientWidth} px`);
  for (const el of rendered.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const past = Math.max(box.right - cardBox.right, cardBox.left - box.left);
    if (past > 0.5) overflow.push(`${describe(el)} sticks out of the card by ${Math.round(past)} px`);
    const style = getComputedStyle(el);
    const clips = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
    if (clips && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) overflow.push(`${describe(el)} is cut: ${el.scrollWidth} px of content in ${el.clientWidth} px`);
  }

  // Contrast of every piece of text with what is behind it (WCAG 2 ratio; colours with alpha composed).
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const backgroundOf = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const lowContrast = [];
  let minContrast = Infinity;
  for (const el of [rendered, ...rendered.querySelectorAll('*')]) {
    if (!visible(el)) continue;
    const ownText = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (!ownText) continue;
    const style = getComputedStyle(el);
    const background = backgroundOf(el);
    const foreground = over(parse(style.color), background);
    const [a, b] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
    const ratio = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
    minContrast = Math.min(minContrast, ratio);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 600);
    if (ratio < (large ? 3 : 4.5)) lowContrast.push({ text: ownText.slice(0, 60), ratio, color: hex(foreground), background: hex(background) });
  }

  const stage = document.getElementById('stage').getBoundingClientRect();
  return {
    stage: { x: stage.x, y: stage.y, width: Math.ceil(stage.width), height: Math.ceil(stage.height) },
    parseProblems,
    text: rendered.innerText,
    // What Markdown would have made of text: links, images, bold and italic runs.
    markup: {
      links: [...rendered.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
      images: rendered.querySelectorAll('img').length,
      emphasis: rendered.querySelectorAll('strong, b, em, i').length,
    },
    buttons: topButtons().map((b) => (b.title || b.textContent).trim()),
    visibleButtons: [...rendered.querySelectorAll('button')].filter(visible).map((b) => (b.title || b.textContent).trim()),
    inputs: [...rendered.querySelectorAll('input, select, textarea')].filter(visible).map((i) => i.placeholder || i.id || i.tagName),
    overflow,
    lowContrast,
    minContrast: Number.isFinite(minContrast) ? minContrast : null,
    fontFamily: getComputedStyle(rendered).fontFamily,
    width: Math.round(cardBox.width),
    height: Math.round(cardBox.height),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

async function launchOwnBrowser(deviceScaleFactor) {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: apt-get install -y chromium fonts-nanum (never "npx playwright install").`);
  }
  const { chromium } = require('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    deviceScaleFactor,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Renders every case of buildCases() (or `options.cases`; only those whose id contains one of the comma-separated
 * `only`) to `<outDir>/<id>.png`, writes results.json and index.html, and returns `{ outDir, results }`: one result
 * per case with the page's findings (see renderInPage) and `png`. Pass a playwright `context` to use your browser;
 * without one, Chromium is launched and closed here. Options: outDir, width, scale, only, cases, context.
 */
async function renderCards(options = {}) {
  const outDir = resolve(options.outDir || DEFAULT_OUT);
  const width = options.width || DEFAULT_WIDTH;
  const scale = options.scale || 1;
  const only = options.only ? String(options.only).split(',').filter(Boolean) : undefined;
  const cases = (options.cases || buildCases()).filter((c) => !only || only.some((part) => c.id.includes(part)));
  mkdirSync(outDir, { recursive: true });

  const hostConfigs = {};
  for (const [name, theme] of Object.entries(THEMES)) {
    hostConfigs[name] = JSON.parse(readFileSync(join(HOST_CONFIG_DIR, theme.hostConfig), 'utf8'));
  }

  // The scale (device pixels per CSS pixel) is fixed when a browser context is made: a given context keeps its own.
  const own = options.context ? undefined : await launchOwnBrowser(scale);
  const context = options.context || own.context;
  const page = await context.newPage();
  const results = [];
  try {
    // The page is as tall as the tallest card so far: a screenshot clip must lie inside the viewport.
    let viewportHeight = 0;
    const ensureHeight = async (height) => {
      if (height <= viewportHeight) return;
      viewportHeight = Math.ceil(height / 400) * 400;
      await page.setViewportSize({ width: width + 200, height: viewportHeight });
    };
    await ensureHeight(1200);
    await page.setContent(pageHtml());
    await page.addScriptTag({ content: readFileSync(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8') });
    await page.evaluate(() => document.fonts.ready);

    for (const c of cases) {
      const found = await page.evaluate(renderInPage, {
        card: c.card,
        hostConfig: hostConfigs[c.theme],
        theme: THEMES[c.theme],
        chrome: CHROME[c.theme],
        width,
        locale: c.locale,
        expand: c.expand,
      });
      const png = join(outDir, `${c.id}.png`);
      // A clipped page screenshot: the stage's box comes back with the findings (no locator round trips).
      if (!found.error) {
        await ensureHeight(found.stage.y + found.stage.height);
        await page.screenshot({ path: png, clip: found.stage });
      }
      results.push({
        id: c.id, kind: c.kind, variant: c.variant, status: c.status, locale: c.locale, theme: c.theme, expand: c.expand,
        view: c.view, png: found.error ? undefined : png, ...found,
        residue: JSON.stringify(c.card).includes('${') || (found.text || '').includes('${'),
      });
    }
  } finally {
    await page.close();
    if (own) await own.close();
  }

  writeFileSync(join(outDir, 'results.json'), JSON.stringify(results.map(({ view, ...r }) => ({ ...r, png: r.png && relative(outDir, r.png) })), null, 2));
  writeFileSync(join(outDir, 'index.html'), contactSheet(results, outDir, width));
  return { outDir, results };
}

/** Problems that fail the command: the card does not render, overflows or is cut, or keeps a template expression. */
function problemsOf(result) {
  const problems = [];
  if (result.error) problems.push(result.error);
  for (const p of result.parseProblems || []) problems.push(`parse: ${p}`);
  for (const o of result.overflow || []) problems.push(`overflow: ${o}`);
  if (result.residue) problems.push('a "${" is left in the card');
  return problems;
}

function contactSheet(results, outDir, width) {
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const groups = new Map();
  for (const r of results) {
    const key = r.kind === 'reminder' ? `reminder card — ${r.theme}` : `${r.kind} card`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
  const figure = (r) => {
    const problems = problemsOf(r);
    const notes = [
      ...problems.map((p) => `<li class="bad">${esc(p)}</li>`),
      ...(r.lowContrast || []).map((l) => `<li class="warn">contrast ${l.ratio}:1 — "${esc(l.text)}" ${l.color} on ${l.background}</li>`),
    ];
    return `<figure class="${esc(r.theme)}"><figcaption><b>${esc(r.variant)}</b> · ${esc(r.locale)} · ${esc(r.theme)}${problems.length ? ' <span class="bad">✗</span>' : ''}</figcaption>
${r.png ? `<a href="${esc(relative(outDir, r.png))}"><img loading="lazy" src="${esc(relative(outDir, r.png))}" alt="${esc(r.id)}"></a>` : ''}
${notes.length ? `<ul>${notes.join('')}</ul>` : ''}</figure>`;
  };
  const total = results.length;
  const failing = results.filter((r) => problemsOf(r).length).length;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SOC Reminders — cards</title><style>
body { font: 14px system-ui, sans-serif; margin: 24px; background: #fafafa; color: #222; }
h2 { margin-top: 32px; border-bottom: 1px solid #ddd; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; padding: 8px; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; max-width: ${width + 110}px; }
figure.dark { background: #1f1f1f; color: #eee; } figure.contrast { background: #000; color: #fff; }
figure img { display: block; max-width: 100%; }
figcaption { margin-bottom: 6px; } ul { margin: 6px 0 0; padding-left: 18px; font-size: 12px; }
.bad { color: #c4314b; } .warn { color: #a0660d; } figure.dark .warn, figure.contrast .warn { color: #ffb74d; }
</style></head><body>
<h1>SOC Reminders — every card, drawn with Teams' host configs</h1>
<p>${total} renderings at ${width} px with Teams' host configs (cards/host-config/) and the adaptivecards ${esc(require('adaptivecards/package.json').version)} renderer in headless Chromium.
${failing ? `<span class="bad">${failing} with problems.</span>` : 'No overflow, no clipping, no template residue.'}
Contrast notes (WCAG: 4.5:1 for text, 3:1 for large text) are for a designer's eye; the colours come from the host config.</p>
${[...groups].map(([name, rs]) => `<h2>${esc(name)}</h2><div class="grid">${rs.map(figure).join('\n')}</div>`).join('\n')}
</body></html>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Command line

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--out') options.outDir = value();
    else if (arg === '--width') options.width = Number(value());
    else if (arg === '--scale') options.scale = Number(value());
    else if (arg === '--only') options.only = value();
    else if (arg === '--strict') options.strict = true;
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (options.width !== undefined && !(options.width >= 200)) throw new Error('--width must be a number of pixels ≥ 200');
  if (options.scale !== undefined && !(options.scale >= 1 && options.scale <= 4)) throw new Error('--scale must be between 1 and 4');
  return options;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`render-cards: ${error.message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log('usage: node scripts/render-cards.js [--out DIR] [--width PX] [--scale N] [--only ID-PART[,ID-PART…]] [--strict]');
    return;
  }
  const started = Date.now();
  const { outDir, results } = await renderCards(options);
  let failing = 0;
  for (const r of results) {
    const problems = problemsOf(r);
    if (problems.length) {
      failing++;
      console.error(`✗ ${r.id}\n${problems.map((p) => `    ${p}`).join('\n')}`);
    }
  }
  const lowContrast = results.filter((r) => r.lowContrast && r.lowContrast.length).length;
  console.log(
    `${results.length} cards rendered to ${relative(process.cwd(), outDir) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s` +
      ` — open ${relative(process.cwd(), join(outDir, 'index.html'))}.` +
      (lowContrast ? ` ${lowContrast} with low-contrast text (see the contact sheet).` : ''),
  );
  if (failing) {
    console.error(`${failing} card(s) with problems.`);
    if (options.strict) process.exitCode = 1;
  }
}

module.exports = { buildCases, renderCards, problemsOf, THEMES, REMINDER_STATUSES, OPEN_STATUSES, DEFAULT_WIDTH, DEFAULT_OUT };

if (require.main === module) {
  main().catch((error) => {
    console.error(`render-cards: ${error.stack || error.message}`);
    process.exit(1);
  });
}
