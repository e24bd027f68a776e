/**
 * The workload tab: counts, overdue and open tasks with who acknowledged them, the next 14 days of scheduled
 * work, and how the team did over the last 8 weeks. In a Teams channel it shows the SOC team bound to that channel
 * (or the one chosen on the config page: `?team=`); in a plain browser, such as a wall display, it offers a team
 * picker, and reads the API with the display token of its link (`#display=…`, see display-token.ts). It reloads
 * the workload every minute.
 */
import { ApiClient, ApiError, type CatalogActivity, type CatalogInfo, type SocTeam, type Workload, type WorkloadItem } from './api';
import { weeklyChart } from './chart';
import { forgetDisplayToken, takeDisplayToken } from './display-token';
import { h } from './dom';
import { Formats } from './format';
import { setUpPage, teamName, type Page } from './page';
import { dueCell, scrollable, statusCell, summary, tile } from './parts';
import type { Strings } from './strings';
import { notifyTeamsLoaded, teamsSsoToken } from './teams-host';

const REFRESH_MS = 60_000;
/** The team a wall display last showed, so that a reload or a reboot comes back to it. */
const SAVED_TEAM_KEY = 'soc-reminders.tab.team';

interface TeamChoice {
  readonly team?: SocTeam;
  /** Offer the picker (plain browser, or a channel that names no SOC team). */
  readonly picker: boolean;
  readonly notice?: string;
}

function savedTeam(): string | undefined {
  try {
    return window.localStorage.getItem(SAVED_TEAM_KEY) ?? undefined;
  } catch {
    return undefined; // Storage can be disabled (privacy settings, some embedded web views).
  }
}

function saveTeam(id: string): void {
  try {
    window.localStorage.setItem(SAVED_TEAM_KEY, id);
  } catch {
    // Not remembering the choice is harmless.
  }
}

/** Which SOC team to show: `?team=`, else the one bound to this Teams channel, else the last one picked here. */
function chooseTeam(page: Page, teams: readonly SocTeam[]): TeamChoice {
  const s = page.strings;
  const wanted = page.params.get('team');
  if (wanted) {
    const team = teams.find((t) => t.id === wanted);
    return team ? { team, picker: !page.host.inTeams } : { team: teams[0], picker: true, notice: s.unknownTeam };
  }
  if (page.host.inTeams) {
    const bound = teams.filter((t) => t.binding?.active && t.binding.channelId === page.host.channelId);
    if (bound.length === 1) return { team: bound[0], picker: false };
    if (bound.length > 1) return { team: bound[0], picker: true };
    return { team: teams[0], picker: true, notice: page.host.channelId ? s.channelNotBound : undefined };
  }
  const saved = savedTeam();
  return { team: teams.find((t) => t.id === saved) ?? teams[0], picker: true };
}

class WorkloadView {
  private readonly title = h('h1', { id: 'title' });
  private readonly meta = h('p', { class: 'meta', id: 'meta' });
  private readonly picker = h('select', { id: 'team-picker' });
  private readonly pickerBox = h('div', { class: 'picker', hidden: true }, h('label', { for: 'team-picker' }), this.picker);
  private readonly notices = h('div', { class: 'notices' });
  private readonly alert = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
  private readonly content = h('div', { id: 'content', class: 'content', 'aria-busy': 'true' });
  private readonly s: Strings;
  private fmt: Formats;
  private activities = new Map<string, CatalogActivity>();

  constructor(
    root: HTMLElement,
    private readonly page: Page,
  ) {
    this.s = page.strings;
    this.fmt = new Formats(page.locale, 'UTC', this.s);
    this.pickerBox.querySelector('label')!.textContent = this.s.teamPicker;
    this.content.append(h('p', { class: 'loading' }, this.s.loading));
    root.replaceChildren(
      h('header', { class: 'masthead' }, h('div', { class: 'titles' }, h('p', { class: 'app-name' }, this.s.appName), this.title, this.meta), this.pickerBox),
      h('main', {}, this.notices, this.alert, this.content),
    );
    document.title = this.s.pageTitle;
  }

  setCatalog(catalog: CatalogInfo): void {
    this.activities = new Map(catalog.activities.map((a) => [a.id, a]));
    this.fmt = new Formats(this.page.locale, catalog.timezone, this.s);
  }

  setTeams(teams: readonly SocTeam[], choice: TeamChoice, onPick: (id: string) => void): void {
    this.picker.replaceChildren(...teams.map((t) => h('option', { value: t.id, selected: t.id === choice.team?.id }, teamName(t, this.page.lang))));
    this.pickerBox.hidden = !choice.picker;
    this.picker.onchange = () => onPick(this.picker.value);
    this.notices.replaceChildren(...(choice.notice ? [h('p', { class: 'notice' }, choice.notice)] : []));
    if (choice.team) this.title.textContent = this.s.workloadOf(teamName(choice.team, this.page.lang));
  }

  showError(message: string | undefined): void {
    this.alert.hidden = message === undefined;
    this.alert.textContent = message ?? '';
    if (message !== undefined) this.content.setAttribute('aria-busy', 'false');
  }

  render(w: Workload, team: SocTeam): void {
    const s = this.s;
    const fmt = this.fmt;
    this.title.textContent = s.workloadOf(teamName(team, this.page.lang));
    this.meta.replaceChildren(s.updatedAt(fmt.time(w.at), fmt.timeZone));
    const overdueIds = new Set(w.overdue.map((i) => i.occurrenceId));
    const notDue = w.open.filter((i) => !overdueIds.has(i.occurrenceId));

    this.content.replaceChildren(
      this.summary(w),
      ...(w.unposted > 0 && !team.binding?.active ? [h('p', { class: 'notice' }, s.unposted(w.unposted))] : []),
      h(
        'div',
        { class: 'columns' },
        h(
          'div',
          { class: 'column-main' },
          this.taskSection('overdue', s.overdueHeading, w.overdue, s.noOverdue, w.at),
          this.taskSection('open', s.openHeading, notDue, s.noOpen, w.at),
        ),
        h('div', { class: 'column-side' }, this.people(w), this.performance(w)),
      ),
      this.upcoming(w),
    );
    this.content.setAttribute('aria-busy', 'false');
  }

  private summary(w: Workload): HTMLElement {
    const s = this.s;
    return summary(
      s,
      tile('open', s.open, w.open.length),
      tile('overdue', s.overdue, w.overdue.length, undefined, w.overdue.length > 0),
      tile('snoozed', s.snoozed, w.snoozed.length),
      tile('done7', s.doneLast7Days, w.doneLast7Days, s.doneLast30Days(w.doneLast30Days)),
    );
  }

  private activityTitle(id: string): { title: string; cadence: string } {
    const a = this.activities.get(id);
    if (!a) return { title: id, cadence: '' };
    return this.page.lang === 'ko' ? { title: a.title_ko, cadence: a.cadence_ko } : { title: a.title, cadence: a.cadence };
  }

  private taskSection(id: string, heading: string, items: readonly WorkloadItem[], empty: string, now: string): HTMLElement {
    const headingId = `${id}-heading`;
    return h(
      'section',
      { class: `panel panel-${id}`, 'aria-labelledby': headingId },
      h('h2', { id: headingId }, heading, ' ', h('span', { class: 'count' }, items.length)),
      items.length === 0 ? h('p', { class: 'empty' }, empty) : scrollable(this.taskTable(items, headingId, now)),
    );
  }

  private taskTable(items: readonly WorkloadItem[], headingId: string, now: string): HTMLTableElement {
    const s = this.s;
    const fmt = this.fmt;
    const row = (item: WorkloadItem) => {
      const { title, cadence } = this.activityTitle(item.activityId);
      // Who is on it: whoever acknowledged; else the assignee, who has not said so yet; else nobody.
      const onIt = item.acknowledgedBy
        ? [item.acknowledgedBy.name]
        : item.assignee
          ? [item.assignee.name, h('span', { class: 'sub' }, s.assignedNotAcknowledged)]
          : [h('span', { class: 'muted' }, s.nobodyYet)];
      return h(
        'tr',
        { 'data-occurrence': item.occurrenceId },
        h('th', { scope: 'row' }, h('span', { class: 'task-title' }, title), cadence ? h('span', { class: 'sub' }, cadence) : null),
        statusCell(item, s, fmt),
        dueCell(item, now, s, fmt),
        h('td', { class: 'ack', 'data-label': s.acknowledgedBy }, ...onIt),
      );
    };
    const columns = [s.task, s.status, s.due, s.acknowledgedBy].map((c) => h('th', { scope: 'col' }, c));
    return h('table', { class: 'tasks', 'aria-labelledby': headingId }, h('thead', {}, h('tr', {}, ...columns)), h('tbody', {}, ...items.map(row)));
  }

  /** Open and overdue per person, most overdue first, then the team's unassigned share. */
  private people(w: Workload): HTMLElement {
    const s = this.s;
    const rows = [
      ...w.people.map((p) => ({ name: p.name, open: p.open, overdue: p.overdue, team: false })),
      ...(w.unassigned.open > 0 ? [{ name: s.unassignedTeam, ...w.unassigned, team: true }] : []),
    ];
    const row = (r: (typeof rows)[number]) =>
      h(
        'tr',
        { class: r.team ? 'person-team' : undefined },
        h('th', { scope: 'row' }, r.team ? h('span', { class: 'muted' }, r.name) : r.name),
        h('td', { class: 'num' }, r.open),
        h('td', { class: `num${r.overdue > 0 ? ' num-alert' : ''}` }, r.overdue),
      );
    const columns = [h('th', { scope: 'col' }, s.person), h('th', { scope: 'col', class: 'num' }, s.open), h('th', { scope: 'col', class: 'num' }, s.overdue)];
    return h(
      'section',
      { class: 'panel panel-people', 'aria-labelledby': 'people-heading' },
      h('h2', { id: 'people-heading' }, s.peopleHeading),
      rows.length === 0
        ? h('p', { class: 'empty' }, s.noPeople)
        : scrollable(h('table', { class: 'people', 'aria-labelledby': 'people-heading' }, h('thead', {}, h('tr', {}, ...columns)), h('tbody', {}, ...rows.map(row)))),
    );
  }

  private upcoming(w: Workload): HTMLElement {
    const days = 14;
    return h(
      'section',
      { class: 'panel panel-upcoming', 'aria-labelledby': 'upcoming-heading' },
      h('h2', { id: 'upcoming-heading' }, this.s.upcomingHeading(days)),
      w.upcoming.length === 0 ? h('p', { class: 'empty' }, this.s.noUpcoming(days)) : scrollable(this.upcomingTable(w.upcoming)),
    );
  }

  /** One <tbody> per day, its first row naming the day for the whole group. */
  private upcomingTable(upcoming: Workload['upcoming']): HTMLTableElement {
    const s = this.s;
    const fmt = this.fmt;
    const groups = new Map<string, Workload['upcoming'][number][]>();
    for (const u of upcoming) {
      const key = fmt.dayKey(u.at);
      groups.set(key, [...(groups.get(key) ?? []), u]);
    }
    const day = (rows: Workload['upcoming'][number][]) =>
      h(
        'tbody',
        {},
        ...rows.map((u, i) => {
          const { title, cadence } = this.activityTitle(u.activityId);
          return h(
            'tr',
            {},
            i === 0 ? h('th', { scope: 'rowgroup', rowspan: rows.length, class: 'day' }, fmt.day(u.at)) : null,
            h('td', { class: 'time' }, h('time', { datetime: u.at }, fmt.time(u.at))),
            h('td', {}, title),
            h('td', { class: 'cadence muted' }, cadence),
          );
        }),
      );
    const columns = [
      h('th', { scope: 'col' }, s.day),
      h('th', { scope: 'col' }, s.time),
      h('th', { scope: 'col' }, s.task),
      h('th', { scope: 'col', class: 'cadence' }, s.cadence),
    ];
    return h('table', { class: 'upcoming', 'aria-labelledby': 'upcoming-heading' }, h('thead', {}, h('tr', {}, ...columns)), ...[...groups.values()].map(day));
  }

  private performance(w: Workload): HTMLElement {
    const s = this.s;
    const fmt = this.fmt;
    const st = w.stats;
    const stat = (key: string, label: string, value: string, detail?: string) =>
      h('div', { class: 'stat', 'data-stat': key }, h('dt', {}, label), h('dd', {}, h('span', { class: 'stat-value' }, value), detail ? h('span', { class: 'sub' }, detail) : null));
    return h(
      'section',
      { class: 'panel panel-performance', 'aria-labelledby': 'performance-heading' },
      h('h2', { id: 'performance-heading' }, s.performanceHeading(w.weekly.length)),
      h('figure', { class: 'chart-figure' }, weeklyChart(w.weekly, w.at, fmt, s, 'performance-heading'), h('figcaption', { class: 'visually-hidden' }, s.chartLabel)),
      h(
        'dl',
        { class: 'stats' },
        stat('on-time', s.onTimeWindow(st.windowDays), st.completionRate === null ? '–' : fmt.percent(st.completionRate), st.due > 0 ? s.onTimeDetail(st.doneOnTime, st.due) : s.nothingDue),
        stat('median', s.medianTimeToDone, st.medianTimeToDoneMs === null ? '–' : fmt.duration(st.medianTimeToDoneMs), st.medianTimeToDoneMs === null ? s.noneDone : undefined),
        stat('late', s.doneLate, String(st.doneLate)),
        stat('skipped', s.skipped, String(st.skipped)),
        ...(st.missed > 0 ? [stat('missed', s.missed, String(st.missed))] : []),
      ),
      ...(w.missedRuns.length > 0
        ? [
            h('h3', { id: 'missed-heading' }, s.missedRunsHeading),
            h(
              'ul',
              { class: 'missed-runs', 'aria-labelledby': 'missed-heading' },
              ...w.missedRuns.map((r) => h('li', { 'data-activity': r.activityId }, h('strong', {}, this.activityTitle(r.activityId).title), ` · ${s.missedRun(r.count, fmt.dateTime(r.first), fmt.dateTime(r.last))}`)),
            ),
          ]
        : []),
    );
  }
}

async function main(): Promise<void> {
  // First of all, before anything can show or log the address: take the display token out of it.
  const linkToken = takeDisplayToken();
  const page = await setUpPage();
  const root = document.getElementById('app');
  if (!root) return;
  const view = new WorkloadView(root, page);
  const s = page.strings;

  // Local mode needs no token; outside it the API answers 401 and, inside Teams, we ask Teams for the SSO token.
  // A wall display outside Teams sends its display token from the start (local mode ignores it).
  let displayToken = page.host.inTeams ? undefined : linkToken;
  let displayRefused = false;
  let useToken = false;
  const api = new ApiClient(
    window.location.origin,
    async () => displayToken ?? (useToken ? teamsSsoToken() : undefined),
    page.params.get('tenant') ?? undefined,
  );
  const withAuth = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && page.host.inTeams && !useToken) {
        useToken = true;
        return call();
      }
      throw err;
    }
  };
  const problem = (err: unknown): string => {
    if (!(err instanceof ApiError)) return s.loadFailed;
    if (err.status === 401 && displayToken !== undefined) {
      // Changed or revoked on the server: keeping it would only send a dead secret every minute.
      forgetDisplayToken();
      displayToken = undefined;
      displayRefused = true;
    }
    if (err.status === 401) return displayRefused ? s.displayTokenRefused : page.host.inTeams ? s.signInFailed : s.signInNeeded;
    return err.status === 403 ? s.notAllowed : s.loadFailed;
  };

  let teams: readonly SocTeam[] = [];
  let current: SocTeam | undefined;
  let timer: number | undefined;
  let generation = 0;
  let told = false;

  const load = async (): Promise<void> => {
    window.clearTimeout(timer);
    const mine = ++generation;
    try {
      if (teams.length === 0) {
        const [catalog, list] = await Promise.all([withAuth(() => api.catalog()), withAuth(() => api.teams())]);
        teams = list.teams;
        view.setCatalog(catalog);
        const choice = chooseTeam(page, teams);
        current = choice.team;
        view.setTeams(teams, choice, (id) => {
          current = teams.find((t) => t.id === id);
          saveTeam(id);
          const url = new URL(window.location.href);
          url.searchParams.set('team', id);
          window.history.replaceState(null, '', url);
          void load();
        });
      }
      if (current) {
        const team = current;
        const workload = await withAuth(() => api.workload(team.id));
        if (mine !== generation) return; // The picker moved on while this was loading.
        view.render(workload, team);
      }
      view.showError(undefined);
    } catch (err) {
      if (mine !== generation) return;
      view.showError(problem(err));
    } finally {
      if (mine === generation) timer = window.setTimeout(() => void load(), REFRESH_MS);
      if (page.host.inTeams && !told) {
        told = true;
        notifyTeamsLoaded();
      }
    }
  };
  await load();
}

void main();
