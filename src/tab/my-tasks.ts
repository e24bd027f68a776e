/**
 * My tasks, the personal tab: the signed-in person's open tasks in every SOC team of their tenant (assigned to
 * them, or acknowledged by them), overdue first, each with a link to its card in the team's channel. Who "me" is
 * comes from the Teams SSO token the API checks; the page sends nothing else that could name a person. A wall
 * display or local mode has no person: the API says so (403 NoPerson) and the page explains. Reloads every minute.
 */
import { ApiClient, ApiError, type MyTask, type MyTasks } from './api';
import { takeDisplayToken } from './display-token';
import { h } from './dom';
import { Formats } from './format';
import { setUpPage, teamName, type Page } from './page';
import { dueCell, scrollable, statusCell, summary, tile } from './parts';
import type { Strings } from './strings';
import { notifyTeamsLoaded, openInTeams, teamsSsoToken } from './teams-host';

const REFRESH_MS = 60_000;

class MyTasksView {
  private readonly meta = h('p', { class: 'meta', id: 'meta' });
  private readonly alert = h('p', { class: 'notice notice-error', role: 'alert', hidden: true });
  private readonly content = h('div', { id: 'content', class: 'content', 'aria-busy': 'true' });
  private readonly s: Strings;
  private readonly fmt: Formats;

  constructor(
    root: HTMLElement,
    private readonly page: Page,
    timeZone: string,
  ) {
    this.s = page.strings;
    this.fmt = new Formats(page.locale, timeZone, this.s);
    this.content.append(h('p', { class: 'loading' }, this.s.myLoading));
    root.replaceChildren(
      h('header', { class: 'masthead' }, h('div', { class: 'titles' }, h('p', { class: 'app-name' }, this.s.appName), h('h1', { id: 'title' }, this.s.myTasksTitle), this.meta)),
      h('main', {}, this.alert, this.content),
    );
    document.title = this.s.myPageTitle;
  }

  showError(message: string | undefined): void {
    this.alert.hidden = message === undefined;
    this.alert.textContent = message ?? '';
    if (message !== undefined) {
      this.content.setAttribute('aria-busy', 'false');
      this.content.querySelector('.loading')?.remove();
    }
  }

  render(mine: MyTasks): void {
    const s = this.s;
    const at = mine.at;
    this.meta.replaceChildren(s.updatedAt(this.fmt.time(at), this.fmt.timeZone));
    const overdue = mine.tasks.filter((t) => t.overdue);
    const open = mine.tasks.filter((t) => !t.overdue);
    const assigned = mine.tasks.filter((t) => t.relation === 'assigned').length;
    this.content.replaceChildren(
      h('p', { class: 'intro' }, s.myIntro),
      summary(
        s,
        tile('open', s.open, mine.tasks.length),
        tile('overdue', s.overdue, overdue.length, undefined, overdue.length > 0),
        tile('assigned', s.assignedToMe, assigned),
        tile('acknowledged', s.acknowledgedByMe, mine.tasks.length - assigned),
      ),
      ...(mine.tasks.length === 0
        ? [h('section', { class: 'panel panel-open' }, h('p', { class: 'empty' }, s.myNothing))]
        : [this.section('overdue', s.overdueHeading, overdue, s.noOverdue, at), this.section('open', s.openHeading, open, s.noOpen, at)]),
    );
    this.content.setAttribute('aria-busy', 'false');
  }

  private section(id: string, heading: string, tasks: readonly MyTask[], empty: string, now: string): HTMLElement {
    const headingId = `${id}-heading`;
    return h(
      'section',
      { class: `panel panel-${id}`, 'aria-labelledby': headingId },
      h('h2', { id: headingId }, heading, ' ', h('span', { class: 'count' }, tasks.length)),
      tasks.length === 0 ? h('p', { class: 'empty' }, empty) : scrollable(this.table(tasks, headingId, now)),
    );
  }

  private table(tasks: readonly MyTask[], headingId: string, now: string): HTMLTableElement {
    const s = this.s;
    const ko = this.page.lang === 'ko';
    const row = (task: MyTask) =>
      h(
        'tr',
        { 'data-occurrence': task.occurrenceId },
        h('th', { scope: 'row' }, h('span', { class: 'task-title' }, ko ? task.title_ko : task.title)),
        h('td', { 'data-label': s.team }, teamName(task.team, this.page.lang)),
        statusCell(task, s, this.fmt),
        dueCell(task, now, s, this.fmt),
        h('td', { class: 'relation', 'data-label': s.yoursBecause }, s.relationLabel[task.relation]),
        h('td', { class: 'link', 'data-label': s.card }, task.link ? this.link(task.link) : h('span', { class: 'muted' }, s.notPosted)),
      );
    const columns = [s.task, s.team, s.status, s.due, s.yoursBecause, s.card].map((c) => h('th', { scope: 'col' }, c));
    return h('table', { class: 'tasks my-tasks', 'aria-labelledby': headingId }, h('thead', {}, h('tr', {}, ...columns)), h('tbody', {}, ...tasks.map(row)));
  }

  /** A link to the task's card; inside Teams it opens in Teams, not in a second Teams in a browser tab. */
  private link(url: string): HTMLAnchorElement {
    const a = h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, this.s.openInTeams);
    if (this.page.host.inTeams) {
      a.addEventListener('click', (event) => {
        event.preventDefault();
        void openInTeams(url).then((opened) => {
          if (!opened) window.open(url, '_blank', 'noopener');
        });
      });
    }
    return a;
  }
}

async function main(): Promise<void> {
  // First, before anything can show or log the address: a wall display's link may carry its token.
  const linkToken = takeDisplayToken();
  const page = await setUpPage();
  const root = document.getElementById('app');
  if (!root) return;
  const s = page.strings;
  // Inside Teams the SSO token names the person. Outside, a display token names nobody, and the API says so
  // (403 NoPerson), which the page explains; with no token at all the API asks for sign-in.
  const api = new ApiClient(window.location.origin, async () => (page.host.inTeams ? teamsSsoToken() : linkToken));
  let view: MyTasksView | undefined;
  const problem = (err: unknown): string => {
    if (!(err instanceof ApiError)) return s.myLoadFailed;
    if (err.status === 403 && err.code === 'NoPerson') return s.myNoPerson;
    if (err.status === 401) return page.host.inTeams ? s.signInFailed : s.signInNeeded;
    return err.status === 403 ? s.notAllowed : s.myLoadFailed;
  };

  let timer: number | undefined;
  let told = false;
  const load = async (): Promise<void> => {
    window.clearTimeout(timer);
    try {
      if (!view) {
        // The catalog's zone: the one the cards and the schedules use, whatever this machine says.
        const catalog = await api.catalog().catch(() => undefined);
        view = new MyTasksView(root, page, catalog?.timezone ?? 'UTC');
      }
      view.render(await api.myTasks());
      view.showError(undefined);
    } catch (err) {
      view ??= new MyTasksView(root, page, 'UTC');
      view.showError(problem(err));
    } finally {
      timer = window.setTimeout(() => void load(), REFRESH_MS);
      if (page.host.inTeams && !told) {
        told = true;
        notifyTeamsLoaded();
      }
    }
  };
  await load();
}

void main();
