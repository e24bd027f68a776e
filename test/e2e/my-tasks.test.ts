/**
 * The My tasks personal tab in headless Chromium against the real app in authenticated mode (in-process, SQLite,
 * a fixed clock), framed by a simulated Teams host that hands out a Teams SSO token signed with a throwaway key
 * the API trusts. Assignees are written straight into the store's columns. What Ji-woo sees: her open tasks in
 * every SOC team, overdue first, in English and Korean, light and dark; never Min-jun's. Screenshots go to
 * test-artifacts/ (and docs/tab-my-tasks-ko-dark.png is one of them).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createApp, type App } from '../../src/app';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { packageRoot } from '../../src/package-root';
import type { Actor } from '../../src/reminders/occurrence.types';
import { upsertBinding } from '../../src/storage/binding.repository';
import { openStore, type Store } from '../../src/storage/database';
import { recordPosted } from '../../src/storage/occurrence.repository';
import type { TestBrowser } from '../support/browser';
import { fakeTeamsHost } from '../support/fake-teams-host';
import { buildTab, launchTabBrowser } from '../support/tab-browser';
import { newRsaKeyPair, signJwt } from '../support/jwt';

jest.setTimeout(90_000);

const APP_ID = '3f2a8c1e-5b7d-4e9a-8c61-0d4b2f7e9a13';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const DISPLAY_TOKEN = '9e107d9d372bb6826bd81d3542a419d6e277d4d731479571';
const kst = (local: string) => Date.parse(`${local}:00+09:00`);
/** Wednesday 25 November 2026, 10:30 in Seoul. */
const NOW = kst('2026-11-25T10:30');
const ARTIFACTS = join(packageRoot(), 'test-artifacts');
const SECOPS_CHANNEL = '19:secops-general@thread.tacv2';

const JIWOO: Actor = { userId: '29:jiwoo', aadObjectId: 'aad-jiwoo', name: '박지우' };
const MINJUN: Actor = { userId: '29:minjun', aadObjectId: 'aad-minjun', name: '김민준' };
const anywhere = { isSameConversation: () => true };

let app: App;
let store: Store;
let browser: TestBrowser;
let base: string;
let dir: string;
const key = newRsaKeyPair();
const clock = { at: NOW, now() { return this.at; } };
const ids: Record<string, string> = {};

/** The Teams SSO token Teams would give the tab for this person (checked by the real clock). */
function ssoToken(oid: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt({ aud: `api://soc.contoso.com/${APP_ID}`, iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, tid: TENANT, oid, iat: now, nbf: now, exp: now + 3600, ver: '2.0' }, key.privateKey, { kid: 'tab-sso' });
}

async function task(name: string, activityId: string, teamId: string, scheduledAt: number, posted = true): Promise<string> {
  clock.at = scheduledAt;
  const o = await app.reminders.createScheduled(TENANT, app.reminders.activity(activityId)!, teamId, scheduledAt, 'schedule');
  ids[name] = o!.id;
  if (posted) await recordPosted(store.db, o!.id, scheduledAt + 60_000, { conversationId: `${SECOPS_CHANNEL};messageid=${scheduledAt + 60_000}`, activityId: String(scheduledAt + 60_000), serviceUrl: 'https://smba.test/' });
  return o!.id;
}

const assign = (name: string, who: Actor) => store.db.updateTable('occurrences').set({ assignee_aad_id: who.aadObjectId!, assignee_name: who.name, assigned_at: clock.at }).where('id', '=', ids[name]).execute();

/**
 * Ji-woo: yesterday's escalation-ticket update assigned to her and escalated by now; today's TVM tracking in
 * Monitoring that she acknowledged; this week's automation deployment assigned to her, snoozed. Min-jun: today's
 * escalation-ticket update. Nobody: the joint review.
 */
async function seed(): Promise<void> {
  await task('tickets', 'escalation-ticket-update', 'secops', kst('2026-11-24T09:00'));
  await assign('tickets', JIWOO);
  await task('tvm', 'tvm-remediation-tracking', 'monitoring', kst('2026-11-25T09:00'));
  clock.at = kst('2026-11-25T09:20');
  await app.reminders.acknowledge(TENANT, ids.tvm, JIWOO, anywhere);
  await task('automation', 'automation-deployment', 'secops', kst('2026-11-23T10:00'));
  await assign('automation', JIWOO);
  clock.at = kst('2026-11-25T10:20');
  await app.reminders.snooze(TENANT, ids.automation, JIWOO, 240, anywhere);
  await task('minjun', 'escalation-ticket-update', 'secops', kst('2026-11-25T09:00'));
  await assign('minjun', MINJUN);
  await task('review', 'service-management-sync', 'secops', kst('2026-11-23T10:00'), false);
  await upsertBinding(store.db, { tenantId: TENANT, socTeamId: 'secops', teamsTeamId: '19:team@thread.tacv2', channelId: SECOPS_CHANNEL, channelName: 'SecOps', serviceUrl: 'https://smba.test/', botId: 'bot', boundAt: kst('2026-10-15T09:00'), boundByName: '박지우' });
  clock.at = NOW;
  await app.reminders.processTimers();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'my-tasks-e2e-'));
  const tabDir = join(dir, 'tab');
  buildTab(tabDir);
  store = await openStore({ dialect: 'sqlite', target: join(dir, 'soc.db') });
  app = createApp({
    config: parseConfig({
      LOG_LEVEL: 'silent',
      SOC_TIMEZONE: 'Asia/Seoul',
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'x-not-a-real-secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: TENANT,
      PUBLIC_HOSTNAME: 'soc.contoso.com',
      DISPLAY_TOKEN,
    }),
    catalog: loadCatalog({ defaultTimezone: 'Asia/Seoul' }),
    store,
    logger: createLogger('silent'),
    clock,
    autoRun: false,
    tabRoot: tabDir,
    apiSigningKeys: async (kid) => (kid === 'tab-sso' ? key.publicKey : undefined),
  });
  await seed();
  base = `http://127.0.0.1:${await app.start(0, '127.0.0.1')}`;
  browser = await launchTabBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** My tasks framed by the simulated Teams host, signed in as `oid`; resolves once the tiles are drawn. */
async function openMyTasks(oid: string, locale: string, theme: string, frame: { width?: number; height?: number } = {}): Promise<Page> {
  const page = await browser.context.newPage();
  const context = { locale, theme, tid: TENANT, userObjectId: oid, hostClientType: frame.width ? 'android' : 'web', frameContext: 'content', entityId: 'my-tasks' };
  const html = fakeTeamsHost({ frameContext: 'content', context, src: '/tab/my-tasks.html', ssoToken: ssoToken(oid), ...frame });
  await page.route(`${base}/teams-host-${oid}.html`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.goto(`${base}/teams-host-${oid}.html`);
  await page.frameLocator('#tab').locator('[data-stat="open"] .tile-value').waitFor();
  return page;
}

const rowsOf = (page: Page, panel: string) =>
  page
    .frameLocator('#tab')
    .locator(`.panel-${panel} tbody tr`)
    .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => (c as HTMLElement).innerText.replace(/\s+/g, ' ').trim())));

test("Ji-woo's tasks in English: overdue first, why each is hers, a link to its card, nobody else's", async () => {
  const page = await openMyTasks('aad-jiwoo', 'en-us', 'default');
  const tab = page.frameLocator('#tab');
  expect(await tab.locator('h1').textContent()).toBe('My tasks');
  expect(await tab.locator('.meta').textContent()).toBe('Updated 10:30 · refreshes every minute · times in Asia/Seoul');
  const tiles = await tab.locator('.tile').evaluateAll((ts) => ts.map((t) => [t.getAttribute('data-stat'), t.querySelector('.tile-value')?.textContent]));
  expect(tiles).toEqual([
    ['open', '3'],
    ['overdue', '1'],
    ['assigned', '2'],
    ['acknowledged', '1'],
  ]);
  expect(await rowsOf(page, 'overdue')).toEqual([
    ['Update SOC escalation tickets', 'SecOps', 'Escalated', 'Tue, Nov 24, 17:00 17 hours ago', 'Assigned to you', 'Open in Teams'],
  ]);
  // Snoozed before it went overdue: open, not overdue (as on the workload tab), its due time shown in red.
  expect(await rowsOf(page, 'open')).toEqual([
    ['Deploy automation scripts and services where appropriate', 'SecOps', 'Snoozed until 14:20', 'Wed, Nov 25, 10:00 30 minutes ago', 'Assigned to you', 'Open in Teams'],
    ['Threat and vulnerability management remediation and tracking', 'Monitoring', 'In progress', 'Wed, Nov 25, 17:00 in 7 hours', 'You acknowledged it', 'Open in Teams'],
  ]);
  const text = await tab.locator('body').innerText();
  expect(text).not.toContain('SOC and service management joint review'); // Nobody's.
  expect(await tab.locator(`tr[data-occurrence="${ids.minjun}"]`).count()).toBe(0); // Min-jun's.

  // The link opens the card's thread through Teams (a deep link), not a second Teams in a browser tab.
  await tab.locator(`tr[data-occurrence="${ids.tickets}"] a`).click();
  await page.waitForFunction(() => (window as unknown as { hostLog: { func: string }[] }).hostLog.some((m) => m.func === 'executeDeepLink'));
  const deepLinks = await page.evaluate(() => (window as unknown as { hostLog: { func: string; args: unknown[] }[] }).hostLog.filter((m) => m.func === 'executeDeepLink').map((m) => m.args[0]));
  const messageId = String(kst('2026-11-24T09:00') + 60_000);
  expect(deepLinks).toEqual([`https://teams.microsoft.com/l/message/${encodeURIComponent(SECOPS_CHANNEL)}/${messageId}?tenantId=${TENANT}&parentMessageId=${messageId}`]);
  await page.locator('#tab').screenshot({ path: join(ARTIFACTS, 'tab-my-tasks-en.png') });
  await page.close();
});

test('in Korean and dark, as a Korean shift lead reads it', async () => {
  const page = await openMyTasks('aad-jiwoo', 'ko-kr', 'dark');
  const tab = page.frameLocator('#tab');
  expect(await tab.locator('html').getAttribute('lang')).toBe('ko');
  expect(await tab.locator('html').getAttribute('data-theme')).toBe('dark');
  expect(await tab.locator('h1').textContent()).toBe('내 작업');
  expect(await tab.locator('thead th').first().evaluate((th) => [...th.parentElement!.children].map((c) => c.textContent))).toEqual(['작업', '팀', '상태', '기한', '구분', '카드']);
  expect(await rowsOf(page, 'overdue')).toEqual([
    ['SOC 에스컬레이션 티켓 업데이트', 'SecOps', '에스컬레이션됨', '11월 24일 (화) 17:00 17시간 전', '나에게 배정됨', 'Teams에서 열기'],
  ]);
  expect(await rowsOf(page, 'open')).toEqual([
    [expect.any(String), 'SecOps', '14:20까지 미룸', '11월 25일 (수) 10:00 30분 전', '나에게 배정됨', 'Teams에서 열기'],
    [expect.any(String), '모니터링', '진행 중', '11월 25일 (수) 17:00 7시간 후', '내가 확인함', 'Teams에서 열기'],
  ]);
  const text = await tab.locator('body').innerText();
  // Every word on the page is Korean but names, the product and Teams.
  expect(text.replace(/SOC|Reminders|Teams|SecOps|TVM|Asia\/Seoul|[0-9:.,()·%\s-]/g, '').replace(/[가-힣]/g, '')).toBe('');
  await page.locator('#tab').screenshot({ path: join(ARTIFACTS, 'tab-my-tasks-ko-dark.png') });
  await page.close();
});

test('on a phone (Teams mobile) each task is a block with labelled cells, and nothing scrolls sideways', async () => {
  const page = await openMyTasks('aad-jiwoo', 'ko-kr', 'default', { width: 390, height: 844 });
  const tab = page.frameLocator('#tab');
  const widths = await tab.locator('html').evaluate((html) => ({ scroll: html.scrollWidth, client: html.clientWidth }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  const row = tab.locator(`tr[data-occurrence="${ids.tickets}"]`);
  expect(await row.locator('td').evaluateAll((tds) => tds.map((td) => getComputedStyle(td, '::before').content))).toEqual(['"팀"', '"상태"', '"기한"', '"구분"', '"카드"']);
  await page.locator('#tab').screenshot({ path: join(ARTIFACTS, 'tab-my-tasks-phone-ko.png') });
  await page.close();
});

test("Min-jun sees his own task only; someone with nothing is told what will show up", async () => {
  const minjun = await openMyTasks('aad-minjun', 'en-us', 'default');
  expect(await minjun.frameLocator('#tab').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-occurrence')))).toEqual([ids.minjun]);
  await minjun.close();

  const idle = await openMyTasks('aad-nobody', 'ko-kr', 'contrast');
  expect(await idle.frameLocator('#tab').locator('.empty').textContent()).toBe('지금 맡은 작업이 없습니다. 나에게 배정되거나 내가 확인한 작업이 여기에 표시됩니다.');
  await idle.close();
});

test('a wall display link has no person: the page says so instead of showing anyone’s tasks', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${base}/tab/my-tasks.html?lang=ko#display=${DISPLAY_TOKEN}`);
  await page.locator('.notice-error').waitFor();
  expect(await page.locator('.notice-error').textContent()).toBe(
    '내 작업은 Teams에 로그인한 사용자의 작업을 보여 줍니다. Teams의 SOC Reminders 앱에서 여세요. 디스플레이 링크에는 사용자가 없어 표시할 작업이 없습니다.',
  );
  expect(await page.locator('tbody tr').count()).toBe(0);
  expect(page.url()).toBe(`${base}/tab/my-tasks.html?lang=ko`); // The token is out of the address bar.
  await page.close();

  // Without any token, outside Teams: sign in through Teams.
  const bare = await browser.context.newPage();
  await bare.goto(`${base}/tab/my-tasks.html`);
  await bare.locator('.notice-error').waitFor();
  expect(await bare.locator('.notice-error').textContent()).toBe('Sign-in is needed: open this tab in Microsoft Teams.');
  await bare.close();
});
