/**
 * The workload tab in headless Chromium against the real app (in-process, SQLite, a fixed clock), its data seeded
 * through the domain: what a SOC analyst sees on the page, in each theme and language, on a wall display and
 * inside a (simulated) Teams host. Screenshots go to test-artifacts/.
 */
import { generateKeyPairSync, createSign, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createApp, type App } from '../../src/app';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createApiAuth, microsoftSigningKeys } from '../../src/http/api-auth';
import { tabFilePath } from '../../src/http/tab-static';
import { createLogger } from '../../src/logger';
import { packageRoot } from '../../src/package-root';
import type { Actor } from '../../src/reminders/occurrence.types';
import { upsertBinding } from '../../src/storage/binding.repository';
import { openStore, type Store } from '../../src/storage/database';
import { recordPosted } from '../../src/storage/occurrence.repository';
import type { TestBrowser } from '../support/browser';
import { fakeTeamsHost } from '../support/fake-teams-host';
import { buildTab, launchTabBrowser } from '../support/tab-browser';

jest.setTimeout(60_000);

const TENANT = 'local';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A time in Seoul, the catalog's zone: `kst('2026-11-25T10:30')`. */
const kst = (local: string) => Date.parse(`${local}:00+09:00`);
/** Wednesday 25 November 2026, 10:30 in Seoul. */
const NOW = kst('2026-11-25T10:30');
const SECOPS_CHANNEL = '19:secops-general@thread.tacv2';
const MONITORING_CHANNEL = '19:monitoring@thread.tacv2';
const ARTIFACTS = join(packageRoot(), 'test-artifacts');

const JIWOO: Actor = { userId: '29:jiwoo', aadObjectId: 'aad-jiwoo', name: 'Ji-woo Park' };
const MINJUN: Actor = { userId: '29:minjun', aadObjectId: 'aad-minjun', name: 'Min-jun Kim' };
const SAM: Actor = { userId: '29:sam', aadObjectId: 'aad-sam', name: 'Sam Rivera' };
const anywhere = { isSameConversation: () => true };

let app: App;
let store: Store;
let browser: TestBrowser;
let base: string;
let dir: string;
let tabDir: string;
const clock = { at: NOW, now() { return this.at; } };

type Outcome = 'on-time' | 'late' | 'skip';

/** Creates a scheduled occurrence as the scheduler would, and "posts" its card a minute later. */
async function fire(activityId: string, teamId: string, scheduledAt: number): Promise<string> {
  const activity = app.reminders.activity(activityId)!;
  clock.at = scheduledAt;
  const o = await app.reminders.createScheduled(TENANT, activity, teamId, scheduledAt, 'schedule');
  if (!o) throw new Error(`${activityId} at ${new Date(scheduledAt).toISOString()} already exists`);
  await recordPosted(app.store.db, o.id, scheduledAt + 60_000, { conversationId: `${SECOPS_CHANNEL};messageid=${o.id}`, activityId: `msg-${o.id}`, serviceUrl: 'https://smba.test/' });
  return o.id;
}

async function close(id: string, scheduledAt: number, outcome: Outcome, who: Actor): Promise<void> {
  if (outcome === 'skip') {
    clock.at = scheduledAt + HOUR;
    await app.reminders.skip(TENANT, id, who, 'Public holiday', anywhere);
    return;
  }
  // On time: two hours after it fired. Late: the next morning, after the 17:00 due time.
  clock.at = outcome === 'on-time' ? scheduledAt + 2 * HOUR : scheduledAt + DAY + HOUR;
  // The daily escalation-ticket update asks for its ticket link (built-in catalog); other activities ignore it.
  await app.reminders.complete(TENANT, id, who, undefined, anywhere, { ticket: 'https://tickets.contoso.example/browse/SOC-1042' });
}

/**
 * SecOps got the bot in mid-October: no tasks in the first two of the eight weeks, then the daily escalation-ticket
 * update with the outcomes below. This week: Monday's done, Tuesday's escalated, Wednesday's in progress, two weekly
 * tasks due this morning (one overdue, one snoozed) and an on-demand tabletop exercise not posted yet.
 */
const SECOPS_WEEKS: Readonly<Record<string, readonly Outcome[]>> = {
  '2026-10-19': ['on-time', 'on-time', 'on-time', 'late', 'late'],
  '2026-10-26': ['on-time', 'on-time', 'on-time', 'on-time', 'on-time'],
  '2026-11-02': ['on-time', 'late', 'late', 'on-time', 'late'],
  '2026-11-09': ['on-time', 'on-time', 'late', 'on-time', 'skip'],
  '2026-11-16': ['on-time', 'on-time', 'on-time', 'on-time', 'on-time'],
};
/** Done on time / due, per week, oldest first, as the chart must show them. */
const SECOPS_CHART = [null, null, [3, 5], [5, 5], [2, 5], [3, 4], [5, 5], [1, 4]] as const;

async function seed(): Promise<void> {
  const people = [JIWOO, MINJUN, SAM];
  for (const [monday, outcomes] of Object.entries(SECOPS_WEEKS)) {
    for (const [day, outcome] of outcomes.entries()) {
      const at = kst(`${monday}T09:00`) + day * DAY;
      await close(await fire('escalation-ticket-update', 'secops', at), at, outcome, people[day % 3]);
    }
  }
  const monday = kst('2026-11-23T09:00');
  await close(await fire('escalation-ticket-update', 'secops', monday), monday, 'on-time', SAM);
  const tuesday = await fire('escalation-ticket-update', 'secops', kst('2026-11-24T09:00'));
  clock.at = kst('2026-11-24T09:30');
  await app.reminders.acknowledge(TENANT, tuesday, JIWOO, anywhere);
  const wednesday = await fire('escalation-ticket-update', 'secops', kst('2026-11-25T09:00'));
  clock.at = kst('2026-11-25T09:10');
  await app.reminders.acknowledge(TENANT, wednesday, SAM, anywhere);
  await fire('service-management-sync', 'secops', kst('2026-11-23T10:00'));
  const automation = await fire('automation-deployment', 'secops', kst('2026-11-23T10:00'));
  clock.at = kst('2026-11-23T11:00');
  await app.reminders.acknowledge(TENANT, automation, MINJUN, anywhere);
  clock.at = kst('2026-11-25T10:20');
  await app.reminders.snooze(TENANT, automation, MINJUN, 240, anywhere);
  clock.at = kst('2026-11-25T10:00');
  await app.reminders.runOnDemand(TENANT, 'ir-tabletop-exercise', 'secops', MINJUN);

  // Monitoring: last week all on time, today's TVM task waiting for someone.
  for (let day = 0; day < 5; day++) {
    const at = kst('2026-11-16T09:00') + day * DAY;
    await close(await fire('tvm-remediation-tracking', 'monitoring', at), at, 'on-time', SAM);
  }
  await fire('tvm-remediation-tracking', 'monitoring', kst('2026-11-25T09:00'));

  for (const [socTeamId, channelId, channelName] of [
    ['secops', SECOPS_CHANNEL, 'SecOps'],
    ['monitoring', MONITORING_CHANNEL, 'Monitoring'],
  ]) {
    await upsertBinding(app.store.db, { tenantId: TENANT, socTeamId, teamsTeamId: '19:team@thread.tacv2', channelId, channelName, serviceUrl: 'https://smba.test/', botId: 'bot', boundAt: kst('2026-10-15T09:00'), boundByName: 'Ji-woo Park' });
  }
  clock.at = NOW;
  await app.reminders.processTimers(); // Tuesday's task is overdue, then escalated; this morning's weekly one overdue.
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tab-e2e-'));
  tabDir = join(dir, 'tab');
  buildTab(tabDir);
  store = await openStore({ dialect: 'sqlite', target: join(dir, 'soc.db') });
  app = createApp({
    config: parseConfig({ LOG_LEVEL: 'silent', SOC_TIMEZONE: 'Asia/Seoul' }),
    catalog: loadCatalog({ defaultTimezone: 'Asia/Seoul' }),
    store,
    logger: createLogger('silent'),
    clock,
    autoRun: false,
    tabRoot: tabDir,
  });
  await seed();
  const port = await app.start(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
  browser = await launchTabBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openTab(query: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(`${base}/tab/index.html${query}`);
  await page.locator('[data-stat="open"] .tile-value').waitFor();
  return page;
}

async function tile(page: Page, stat: string): Promise<string> {
  return (await page.locator(`[data-stat="${stat}"] .tile-value`).textContent()) ?? '';
}

async function workloadJson(team: string): Promise<{ doneLast7Days: number; stats: { medianTimeToDoneMs: number | null } }> {
  const res = await fetch(`${base}/api/workload?team=${team}`);
  return (await res.json()) as never;
}

/** GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serving the tab', () => {
  test('pages are revalidated, hashed bundles cached for a year, and Teams may frame the pages', async () => {
    const index = await rawGet('/tab/index.html');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toMatch(/frame-ancestors 'self' https:\/\/teams\.microsoft\.com .*https:\/\/\*\.cloud\.microsoft/);
    const bundle = /src="(tab-[A-Z0-9]{8}\.js)"/.exec(index.body)?.[1];
    expect(bundle).toBeDefined();
    const js = await rawGet(`/tab/${bundle}`);
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');

    const again = await rawGet('/tab/index.html', { 'If-None-Match': String(index.headers.etag) });
    expect(again.status).toBe(304);
    expect((await rawGet('/tab?team=secops')).headers.location).toBe('/tab/index.html?team=secops');
    expect((await rawGet('/tab/')).headers.location).toBe('/tab/index.html');
  });

  test('nothing outside the tab folder can be read', async () => {
    for (const path of ['/tab/../package.json', '/tab/%2e%2e/%2e%2e/package.json', '/tab/..%2f..%2fpackage.json', '/tab/%2e%2e%5cpackage.json', '/tab/.hidden.js', '/tab/index.html%00.js', '/tab/nope.html', '/tab/%E0%A4%A.js']) {
      expect([path, (await rawGet(path)).status]).toEqual([path, 404]);
    }
    // The path check on its own, for what a router might let through.
    expect(tabFilePath('/srv/tab', '/tab/../../etc/passwd.js')).toBeUndefined();
    expect(tabFilePath('/srv/tab', '/tab/a/../../x.js')).toBeUndefined();
    expect(tabFilePath('/srv/tab', '/tab/tab-ABCDEFGH.js')).toBe('/srv/tab/tab-ABCDEFGH.js');
    expect(tabFilePath('/srv/tab', '/tab/secret.env')).toBeUndefined();
  });

  test('/api/catalog names the activities in both languages', async () => {
    const body = (await (await fetch(`${base}/api/catalog`)).json()) as { timezone: string; activities: { id: string; title: string; title_ko: string; cadence: string; cadence_ko: string }[] };
    expect(body.timezone).toBe('Asia/Seoul');
    expect(body.activities.find((a) => a.id === 'escalation-ticket-update')).toMatchObject({ title: 'Update SOC escalation tickets', title_ko: 'SOC 에스컬레이션 티켓 업데이트', cadence: 'Daily (weekdays 09:00)' });
  });
});

describe('the workload tab in a browser', () => {
  test('shows the counts, the overdue and open tasks, and who acknowledged them', async () => {
    const page = await openTab('?team=secops');
    expect(await page.locator('h1').textContent()).toBe('SecOps workload');
    expect(await tile(page, 'open')).toBe('5');
    expect(await tile(page, 'overdue')).toBe('2');
    expect(await tile(page, 'snoozed')).toBe('1');
    expect(await tile(page, 'done7')).toBe(String((await workloadJson('secops')).doneLast7Days));
    expect(await page.locator('.meta').textContent()).toBe('Updated 10:30 · refreshes every minute · times in Asia/Seoul');

    const overdue = page.locator('.panel-overdue tbody tr');
    expect(await overdue.count()).toBe(2);
    expect(await overdue.nth(0).locator('th').textContent()).toContain('Update SOC escalation tickets');
    expect(await overdue.nth(0).locator('.badge').textContent()).toBe('Escalated');
    expect(await overdue.nth(0).locator('.ack').textContent()).toBe('Ji-woo Park');
    expect(await overdue.nth(0).locator('.due').textContent()).toBe('Tue, Nov 24, 17:0017 hours ago');
    expect(await overdue.nth(1).locator('th').textContent()).toContain('SOC and service management joint review');
    expect(await overdue.nth(1).locator('.ack').textContent()).toBe('Nobody yet');

    // Who has how much: most overdue first, then most open, then by name; the team's own share last.
    const people = await page.locator('.people tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
    expect(people).toEqual([
      ['Ji-woo Park', '1', '1'],
      ['Min-jun Kim', '1', '0'],
      ['Sam Rivera', '1', '0'],
      ['Unassigned (team)', '2', '1'],
    ]);

    const open = page.locator('.panel-open tbody tr');
    expect(await open.count()).toBe(3);
    const rows = await open.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(rows).toEqual(
      expect.arrayContaining([
        ['Deploy automation scripts and services where appropriateWeekly (Monday 10:00) and as needed', 'Snoozed until 14:20', 'Wed, Nov 25, 10:0030 minutes ago', 'Min-jun Kim'],
        expect.arrayContaining(['In progress', 'Sam Rivera']),
        expect.arrayContaining(['Not posted yet', 'Nobody yet']),
      ]),
    );

    // The next 14 days: tomorrow's daily task first, next Monday's weekly ones, up to 9 December 09:00.
    const upcoming = page.locator('.upcoming tbody');
    expect(await upcoming.first().locator('th').textContent()).toBe('Thu, Nov 26');
    expect(await upcoming.first().locator('td').first().textContent()).toBe('09:00');
    const days = await page.locator('.upcoming tbody th').allTextContents();
    expect(days).toContain('Mon, Nov 30');
    expect(days.at(-1)).toBe('Wed, Dec 9');
    expect(await page.locator('.upcoming tbody', { hasText: 'Mon, Nov 30' }).locator('tr').count()).toBe(3);
    await page.close();
  });

  test('charts on-time completion for 8 weeks, each bar with a spoken label, and the median time to done', async () => {
    const page = await openTab('?team=secops');
    const bars = page.locator('svg.chart [role="img"]');
    expect(await bars.count()).toBe(8);
    const labels = await bars.evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label')));
    const weeks = ['Oct 5', 'Oct 12', 'Oct 19', 'Oct 26', 'Nov 2', 'Nov 9', 'Nov 16'];
    SECOPS_CHART.forEach((week, i) => {
      const name = i === 7 ? 'this week' : `Week of ${weeks[i]}`;
      if (week === null) expect(labels[i]).toBe(`${name}: no tasks were due`);
      else expect(labels[i]).toBe(`${name}: ${week[0]} of ${week[1]} tasks done on time (${Math.round((100 * week[0]) / week[1])}%)`);
    });
    expect(await page.locator('svg.chart').getAttribute('aria-labelledby')).toBe('performance-heading');
    expect(await page.locator('#performance-heading').textContent()).toBe('On-time completion, last 8 weeks');

    // Bar heights follow the percentages: 100% is twice 50%-ish, weeks without tasks have no bar.
    const heights = await bars.evaluateAll((gs) => gs.map((g) => Number(g.querySelector('rect')?.getAttribute('height') ?? 0)));
    expect(heights[0]).toBe(0);
    expect(heights[3] / heights[2]).toBeCloseTo(5 / 3, 5);
    expect(heights[3]).toBe(heights[6]);

    const median = (await workloadJson('secops')).stats.medianTimeToDoneMs!;
    const minutes = Math.round(median / 60_000);
    const expected = minutes >= 1440 ? `${Math.floor(minutes / 1440)} d ${Math.floor((minutes % 1440) / 60)} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
    expect(await page.locator('[data-stat="median"] .stat-value').textContent()).toBe(expected);
    expect(await page.locator('[data-stat="on-time"] dt').textContent()).toBe('On time, last 30 days');
    await page.screenshot({ path: join(ARTIFACTS, 'tab-light.png'), fullPage: true });
    await page.close();
  });

  test.each(['default', 'dark', 'contrast'] as const)('theme %s: background, and every text readable (WCAG AA)', async (theme) => {
    const page = await openTab(`?team=secops&theme=${theme}`);
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe({ default: 'rgb(245, 245, 245)', dark: 'rgb(31, 31, 31)', contrast: 'rgb(0, 0, 0)' }[theme]);

    const lowContrast = await page.evaluate(checkContrast);
    expect(lowContrast).toEqual([]);
    if (theme !== 'default') await page.screenshot({ path: join(ARTIFACTS, `tab-${theme}.png`), fullPage: true });
    await page.close();
  });

  test('?lang=ko shows the tab in Korean', async () => {
    const page = await openTab('?team=secops&lang=ko&theme=dark');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ko');
    expect(await page.locator('h1').textContent()).toBe('SecOps 업무량');
    expect(await page.locator('h2:not(.visually-hidden)').allTextContents()).toEqual(['기한 초과 2', '그 밖의 미완료 작업 3', '담당자별', '최근 8주 기한 내 완료율', '앞으로 14일간 예정된 작업']);
    expect(await page.locator('.people tbody tr').last().textContent()).toBe('미배정(팀 전체)21');
    expect(await page.locator('[data-stat="overdue"] dt').textContent()).toBe('기한 초과');
    expect(await page.locator('.panel-overdue tbody tr').first().locator('th').textContent()).toContain('SOC 에스컬레이션 티켓 업데이트');
    expect(await page.locator('.panel-overdue .badge').first().textContent()).toBe('에스컬레이션됨');
    expect(await page.locator('.panel-open .badge', { hasText: '미룸' }).textContent()).toBe('14:20까지 미룸');
    expect(await page.locator('svg.chart [role="img"]').last().getAttribute('aria-label')).toBe('이번 주: 4건 중 1건 기한 내 완료(25%)');
    expect(await page.locator('.panel-open thead th').allTextContents()).toEqual(['작업', '상태', '기한', '담당자']);
    await page.screenshot({ path: join(ARTIFACTS, 'tab-ko.png'), fullPage: true });
    await page.close();
  });

  test('on a wall display the picker switches teams, and the choice sticks', async () => {
    const page = await openTab('');
    expect(await page.locator('#team-picker').isVisible()).toBe(true);
    expect(await page.locator('label[for="team-picker"]').textContent()).toBe('SOC team');
    expect(await page.locator('h1').textContent()).toBe('SecOps workload');
    expect(await tile(page, 'open')).toBe('5');

    await page.locator('#team-picker').selectOption('monitoring');
    await page.locator('h1', { hasText: 'Monitoring workload' }).waitFor();
    await page.locator('[data-stat="open"] .tile-value', { hasText: /^1$/ }).waitFor();
    expect(await tile(page, 'overdue')).toBe('0');
    expect(await page.locator('.panel-overdue .empty').textContent()).toBe('Nothing is overdue.');
    expect(await page.locator('.panel-open tbody tr').first().locator('.badge').textContent()).toBe('Waiting for someone');
    expect(new URL(page.url()).searchParams.get('team')).toBe('monitoring');

    // A reboot of the display comes back to the team it showed.
    await page.goto(`${base}/tab/index.html`);
    await page.locator('h1', { hasText: 'Monitoring workload' }).waitFor();
    expect(await page.locator('#team-picker').inputValue()).toBe('monitoring');
    await page.evaluate(() => localStorage.clear());
    await page.close();
  });

  test.each([
    ['phone', 390, 844],
    ['wall', 1920, 1080],
  ])('fits a %s screen without sideways scrolling', async (name, width, height) => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width, height });
    await page.goto(`${base}/tab/index.html?team=secops&theme=dark`);
    await page.locator('[data-stat="open"] .tile-value').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, `tab-${name}.png`), fullPage: name === 'phone' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    // Every task's Due and Acknowledged-by are on screen, not behind a sideways scroll in their panel (issue 15),
    // and say what they are when the header row is not above them.
    const cells = await page.locator('.tasks tbody tr').evaluateAll((rows) =>
      rows.flatMap((row) =>
        [...row.querySelectorAll('td.due, td.ack')].map((cell) => {
          const box = cell.getBoundingClientRect();
          const scroller = cell.closest('.table-scroll');
          return {
            right: box.right,
            shown: box.width > 0 && box.height > 0,
            label: getComputedStyle(cell, '::before').content,
            scrolls: scroller ? scroller.scrollWidth > scroller.clientWidth : false,
          };
        }),
      ),
    );
    expect(cells.length).toBeGreaterThanOrEqual(6);
    for (const cell of cells) {
      expect(cell.shown).toBe(true);
      expect(cell.right).toBeLessThanOrEqual(width);
      expect(cell.scrolls).toBe(false);
      if (name === 'phone') expect(['"Due"', '"Who is on it"']).toContain(cell.label);
    }
    await page.close();
  });

  test('an unknown ?team= says so and offers the picker', async () => {
    const page = await openTab('?team=red-team');
    expect(await page.locator('.notices .notice').textContent()).toBe('That SOC team does not exist. Pick one of the teams here.');
    expect(await page.locator('#team-picker').isVisible()).toBe(true);
    await page.close();
  });

  test('refreshes every minute (the page clock is moved, not waited for)', async () => {
    const page = await browser.context.newPage();
    await page.clock.install();
    await page.goto(`${base}/tab/index.html?team=engineering`);
    await page.locator('[data-stat="open"] .tile-value').waitFor();
    expect(await tile(page, 'open')).toBe('0');

    clock.at = NOW + 5 * 60_000;
    await app.reminders.runOnDemand(TENANT, 'ir-tabletop-exercise', 'engineering', MINJUN);
    await page.clock.runFor(59_000);
    expect(await tile(page, 'open')).toBe('0');
    await page.clock.runFor(1_000);
    await page.locator('[data-stat="open"] .tile-value', { hasText: /^1$/ }).waitFor();
    expect(await page.locator('.meta').textContent()).toContain('Updated 10:35');
    await page.close();
  });
});

describe('the tab inside Teams (simulated host)', () => {
  const hostContext = (extra: Record<string, unknown>) => ({
    locale: 'ko-kr',
    theme: 'dark',
    tid: TENANT,
    userObjectId: 'aad-jiwoo',
    userDisplayName: 'Ji-woo Park',
    teamId: '19:team@thread.tacv2',
    teamName: 'Contoso SOC',
    hostClientType: 'web',
    ...extra,
  });

  async function hostPage(name: string, html: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.route(`${base}/${name}`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
    await page.goto(`${base}/${name}`);
    return page;
  }

  test("shows the SOC team bound to the channel, in the user's language and theme, and follows theme changes", async () => {
    const page = await hostPage('teams-host.html', fakeTeamsHost({ frameContext: 'content', context: hostContext({ channelId: SECOPS_CHANNEL, channelName: 'SecOps', entityId: 'soc-workload-secops', frameContext: 'content' }), src: '/tab/index.html' }));
    const tab = page.frameLocator('#tab');
    await tab.locator('[data-stat="open"] .tile-value').waitFor();
    expect(await tab.locator('h1').textContent()).toBe('SecOps 업무량');
    expect(await tab.locator('#team-picker').isVisible()).toBe(false);
    expect(await tab.locator('[data-stat="open"] .tile-value').textContent()).toBe('5');
    expect(await tab.locator('html').getAttribute('data-theme')).toBe('dark');

    await page.evaluate(() => (window as unknown as { sendToTab(f: string, a: unknown[]): void }).sendToTab('themeChange', ['contrast']));
    await tab.locator('html[data-theme="contrast"]').waitFor({ state: 'attached' });
    const log = await page.evaluate(() => (window as unknown as { hostLog: { func: string }[] }).hostLog.map((m) => m.func));
    expect(log).toEqual(expect.arrayContaining(['initialize', 'getContext', 'registerHandler']));
    expect(log).not.toContain('authentication.getAuthToken'); // Local mode: the API needed no token.
    await page.close();
  });

  test('a channel bound to no SOC team gets the picker and a hint', async () => {
    const page = await hostPage('teams-host-unbound.html', fakeTeamsHost({ frameContext: 'content', context: hostContext({ channelId: '19:random@thread.tacv2', locale: 'en-us', theme: 'default' }), src: '/tab/index.html' }));
    const tab = page.frameLocator('#tab');
    await tab.locator('[data-stat="open"] .tile-value').waitFor();
    expect(await tab.locator('.notices .notice').textContent()).toContain('This channel is not linked to a SOC team yet.');
    expect(await tab.locator('#team-picker').isVisible()).toBe(true);
    await page.close();
  });

  test('the config page preselects the bound team and saves the chosen one as the tab URL', async () => {
    const page = await hostPage('teams-config.html', fakeTeamsHost({ frameContext: 'settings', context: hostContext({ channelId: MONITORING_CHANNEL, locale: 'en-us', theme: 'default', frameContext: 'settings' }), src: '/tab/config.html' }));
    const config = page.frameLocator('#tab');
    await config.locator('input[type="radio"]').first().waitFor();
    expect(await config.locator('input[value="monitoring"]').isChecked()).toBe(true);
    expect(await config.locator('label[for="team-monitoring"]').textContent()).toBe('Monitoringlinked to this channel');

    await page.screenshot({ path: join(ARTIFACTS, 'tab-config.png') });
    await config.locator('label[for="team-engineering"]').click();
    await page.evaluate(() => (window as unknown as { sendToTab(f: string, a: unknown[]): void }).sendToTab('settings.save', [{}]));
    await page.waitForFunction(() => (window as unknown as { hostLog: { func: string }[] }).hostLog.some((m) => m.func === 'settings.save.success'));
    const saved = await page.evaluate(() => (window as unknown as { savedSettings: unknown }).savedSettings);
    expect(saved).toEqual({
      contentUrl: `${base}/tab/index.html?team=engineering`,
      websiteUrl: `${base}/tab/index.html?team=engineering`,
      entityId: 'soc-workload-engineering',
      suggestedDisplayName: 'Workload: Engineering',
    });
    const validity = await page.evaluate(() => (window as unknown as { hostLog: { func: string; args: unknown[] }[] }).hostLog.filter((m) => m.func === 'settings.setValidityState').map((m) => m.args[0]));
    expect(validity).toEqual([true, true]);
    await page.close();
  });
});

describe('a wall display in authenticated mode, with the display token in its link', () => {
  const HOME = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const DISPLAY_TOKEN = '9e107d9d372bb6826bd81d3542a419d6e277d4d731479571';
  let authApp: App;
  let authStore: Store;
  let authBase: string;

  beforeAll(async () => {
    authStore = await openStore({ dialect: 'sqlite', target: join(dir, 'authenticated.db') });
    authApp = createApp({
      config: parseConfig({
        LOG_LEVEL: 'silent',
        SOC_TIMEZONE: 'Asia/Seoul',
        MicrosoftAppId: '3f2a8c1e-5b7d-4e9a-8c61-0d4b2f7e9a13',
        MicrosoftAppPassword: 'x-not-a-real-secret',
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppTenantId: HOME,
        DISPLAY_TOKEN,
      }),
      catalog: loadCatalog({ defaultTimezone: 'Asia/Seoul' }),
      store: authStore,
      logger: createLogger('silent'),
      clock: { now: () => NOW },
      autoRun: false,
      tabRoot: tabDir,
    });
    await authApp.reminders.runOnDemand(HOME, 'ir-tabletop-exercise', 'secops', MINJUN);
    authBase = `http://127.0.0.1:${await authApp.start(0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await authApp?.stop();
    await authStore?.close();
  });

  /** Every API request the page makes: its URL, Authorization and Referer. */
  function recordApiRequests(page: Page): { url: string; authorization?: string; referer?: string }[] {
    const seen: { url: string; authorization?: string; referer?: string }[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/api/')) seen.push({ url: req.url(), authorization: req.headers()['authorization'], referer: req.headers()['referer'] });
    });
    return seen;
  }

  test('shows the workload, takes the token out of the address bar, and sends it only as a bearer', async () => {
    const page = await browser.context.newPage();
    const requests = recordApiRequests(page);
    await page.goto(`${authBase}/tab/index.html?team=secops#display=${DISPLAY_TOKEN}`);
    await page.locator('[data-stat="open"] .tile-value').waitFor();
    expect(await page.locator('h1').textContent()).toBe('SecOps workload');
    expect(await tile(page, 'open')).toBe('1');
    expect(await page.locator('.panel-open tbody tr .badge').first().textContent()).toBe('Not posted yet');
    expect(await page.locator('.notice-error').isVisible()).toBe(false);
    expect(await page.locator('body').innerText()).not.toContain('Sign-in is needed');

    expect(page.url()).toBe(`${authBase}/tab/index.html?team=secops`);
    expect(await page.evaluate(() => sessionStorage.getItem('soc-reminders.tab.display-token'))).toBe(DISPLAY_TOKEN);
    expect(requests.map((r) => new URL(r.url).pathname).sort()).toEqual(['/api/catalog', '/api/teams', '/api/workload']);
    for (const r of requests) {
      expect(r.authorization).toBe(`Bearer ${DISPLAY_TOKEN}`);
      expect(r.url).not.toContain(DISPLAY_TOKEN);
      expect(r.referer ?? '').not.toContain(DISPLAY_TOKEN);
    }

    // A reload of the display (the address no longer has the token) still reads the workload.
    await page.reload();
    await page.locator('[data-stat="open"] .tile-value', { hasText: /^1$/ }).waitFor();
    expect(await page.locator('.notice-error').isVisible()).toBe(false);
    await page.screenshot({ path: join(ARTIFACTS, 'tab-wall-display.png'), fullPage: true });
    await page.close();
  });

  test('without the token it says sign-in is needed; with a wrong one, that the link was refused, and forgets it', async () => {
    const bare = await browser.context.newPage();
    await bare.goto(`${authBase}/tab/index.html?team=secops`);
    await bare.locator('.notice-error').waitFor();
    expect(await bare.locator('.notice-error').textContent()).toBe('Sign-in is needed: open this tab in Microsoft Teams.');
    await bare.close();

    const wrong = await browser.context.newPage();
    await wrong.goto(`${authBase}/tab/index.html?team=secops#display=${DISPLAY_TOKEN.replace(/^./, 'x')}`);
    await wrong.locator('.notice-error').waitFor();
    expect(await wrong.locator('.notice-error').textContent()).toBe('This display link was not accepted: its token is wrong or has been changed. Open the display with a new link.');
    expect(await wrong.evaluate(() => sessionStorage.getItem('soc-reminders.tab.display-token'))).toBeNull();
    expect(wrong.url()).toBe(`${authBase}/tab/index.html?team=secops`);
    await wrong.close();
  });
});

describe('the API check of the tab SSO token', () => {
  const APP_ID = '3f2a8c1e-5b7d-4e9a-8c61-0d4b2f7e9a13';
  const TID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const config = parseConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x', PUBLIC_HOSTNAME: 'soc.contoso.com', ALLOWED_TENANTS: TID, LOG_LEVEL: 'silent' });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const at = Date.parse('2026-11-25T01:30:00Z');
  const auth = createApiAuth(config, { keys: async (kid) => (kid === 'k1' ? publicKey : undefined), now: () => at });

  function token(claims: Record<string, unknown>, options: { kid?: string; key?: KeyObject; alg?: string } = {}): string {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = enc({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'k1', typ: 'JWT' });
    const body = enc({ aud: `api://soc.contoso.com/${APP_ID}`, iss: `https://login.microsoftonline.com/${TID}/v2.0`, tid: TID, oid: 'user-1', exp: at / 1000 + 3600, nbf: at / 1000 - 60, ...claims });
    const signature = createSign('RSA-SHA256').update(`${head}.${body}`).sign(options.key ?? privateKey).toString('base64url');
    return `${head}.${body}.${signature}`;
  }
  const check = (value?: string) => auth({ header: (name: string) => (name === 'Authorization' ? value : undefined) } as never);

  test('accepts a signed token for this app from an allowed tenant, and says whose it is', async () => {
    expect(await check(`Bearer ${token({})}`)).toEqual({ ok: true, access: 'sso', tenantId: TID, userId: 'user-1' });
    expect(await check(`Bearer ${token({ aud: APP_ID, iss: `https://sts.windows.net/${TID}/` })}`)).toMatchObject({ ok: true });
  });

  test.each([
    ['no token', undefined, 401],
    ['not a JWT', 'Bearer abc', 401],
    ['another signing key', `Bearer ${token({}, { key: other.privateKey })}`, 401],
    ['an unknown key id', `Bearer ${token({}, { kid: 'k9' })}`, 401],
    ['alg none', `Bearer ${token({}, { alg: 'none' })}`, 401],
    ['another audience', `Bearer ${token({ aud: 'api://evil.example/123' })}`, 401],
    ['an issuer of another tenant', `Bearer ${token({ iss: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0' })}`, 401],
    ['expired', `Bearer ${token({ exp: at / 1000 - 600 })}`, 401],
    ['not valid yet', `Bearer ${token({ nbf: at / 1000 + 600 })}`, 401],
    ['a tenant not allowed', `Bearer ${token({ tid: '11111111-2222-3333-4444-555555555555', iss: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0' })}`, 403],
  ])('refuses %s', async (_name, header, status) => {
    expect(await check(header)).toMatchObject({ ok: false, status });
  });

  test("reads Microsoft's signing keys once a day, and again for a new key id at most every 5 minutes", async () => {
    let now = at;
    let calls = 0;
    let online = true;
    const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] };
    const fetchImpl = (async () => {
      calls++;
      if (!online) throw new Error('offline');
      return new Response(JSON.stringify(jwks), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const keys = microsoftSigningKeys({ fetchImpl, now: () => now });
    const live = createApiAuth(config, { keys, now: () => now });
    expect(await live({ header: () => `Bearer ${token({})}` } as never)).toMatchObject({ ok: true });
    expect(await keys('k1')).toBeDefined();
    expect(calls).toBe(1);
    expect(await keys('made-up')).toBeUndefined();
    expect(calls).toBe(1); // Too soon after the last read.
    now += 6 * 60_000;
    expect(await keys('made-up')).toBeUndefined();
    expect(calls).toBe(2);
    now += 25 * HOUR;
    online = false;
    expect(await keys('k1')).toBeDefined(); // Stale and unreachable: the keys already known keep working.
    expect(calls).toBe(3);
  });

  test("answers 503 when Microsoft's keys cannot be read", async () => {
    const offline = createApiAuth(config, { keys: async () => Promise.reject(new Error('offline')), now: () => at });
    expect(await offline({ header: () => `Bearer ${token({})}` } as never)).toMatchObject({ ok: false, status: 503 });
  });
});

/**
 * Every visible text element's contrast with what is behind it (WCAG 2: 4.5:1; 3:1 for bold text of 14pt and up),
 * and the chart bars' with the panel (3:1 for graphics). Returns the failures.
 */
function checkContrast(): string[] {
  const parse = (c: string): [number, number, number, number] => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 0];
  };
  const luminance = ([r, g, b]: number[]) => {
    const lin = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a: number[], b: number[]) => {
    const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  const backgroundOf = (el: Element | null): number[] => {
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0.5) return bg;
    }
    return [255, 255, 255, 1];
  };
  const failures: string[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set<Element>();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent?.trim() || el.closest('.visually-hidden, [hidden], title')) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const svgText = el instanceof SVGElement;
    const fg = parse(svgText ? style.fill : style.color);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const r = ratio(fg, backgroundOf(el));
    if (r < (large ? 3 : 4.5)) failures.push(`${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''} "${n.textContent.trim().slice(0, 30)}": ${r.toFixed(2)}`);
  }
  for (const bar of document.querySelectorAll('.chart-bar')) {
    const r = ratio(parse(getComputedStyle(bar).fill), backgroundOf(bar.closest('.panel')));
    if (r < 3) failures.push(`chart bar: ${r.toFixed(2)}`);
  }
  return failures;
}
