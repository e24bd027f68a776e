/**
 * "My tasks" and the workload per person over real HTTP: the app in authenticated mode on SQLite and PostgreSQL,
 * Teams SSO tokens signed with a throwaway key the API is told to trust (as it trusts Microsoft's), assignees
 * written straight into the store's columns (assignment itself is built elsewhere). A person sees their own open
 * tasks and nobody else's, in their own tenant only, whatever the query string says; the wall display has no
 * person and is told so.
 */
import type { KeyObject } from 'node:crypto';
import { createApp, type App } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Actor } from '../../src/reminders/occurrence.types';
import { recordPosted } from '../../src/storage/occurrence.repository';
import { CardViews } from '../../src/teams/card-views.builder';
import { renderWorkloadCard } from '../../src/teams/cards/card-renderer';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';
import { makeCatalog, ms } from '../support/engine-fixtures';
import { newRsaKeyPair, signJwt } from '../support/jwt';

jest.setTimeout(60_000);

const APP_ID = '3f2a8c1e-5b7d-4e9a-8c61-0d4b2f7e9a13';
const HOME = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER = '11111111-2222-3333-4444-555555555555';
const DISPLAY_TOKEN = 'f3c1e0a9b27d4c5e8a6b1d2c3e4f5a6b7c8d9e0f1a2b3c4d';

const JIWOO: Actor = { userId: '29:jiwoo', aadObjectId: 'aad-jiwoo', name: '박지우' };
const MINJUN: Actor = { userId: '29:minjun', aadObjectId: 'aad-minjun', name: '김민준' };
const SEOJUN: Actor = { userId: '29:seojun', aadObjectId: 'aad-seojun', name: '이서준' };
/** Someone Teams gave no Entra object id for: counted by their Teams user id. */
const GUEST: Actor = { userId: '29:guest', name: 'Guest Analyst' };
const anywhere = { isSameConversation: () => true };

const CATALOG = makeCatalog(`
timezone: Asia/Seoul
teams:
  - id: secops
    name: SecOps
    name_ko: 보안운영
  - id: monitoring
    name: Monitoring
    name_ko: 관제
activities:
  - id: rule-tuning
    title: Tune detection rules
    title_ko: 탐지 규칙 튜닝
    description: Weekly.
    teams: [secops, monitoring]
    schedule: "0 9 * * 1"
    dueAfter: 1d
  - id: log-health
    title: Check log sources
    title_ko: 로그 소스 점검
    description: Daily.
    teams: [secops, monitoring]
    schedule: "0 10 * * *"
    dueAfter: 4h
`);

/** Wednesday 2026-03-18, 12:00 in Seoul. */
const NOW = ms('2026-03-18T03:00:00Z');
const at = (iso: string) => ms(`${iso}:00+09:00`);

describe.each(DIALECTS)('My tasks and the workload per person (%s)', (dialect) => {
  let store: TestStore;
  let app: App;
  let base: string;
  let key: { privateKey: KeyObject; publicKey: KeyObject };
  const clock = { at: NOW, now() { return this.at; } };
  const ids: Record<string, string> = {};

  /** A Teams SSO token for this app, as Entra ID issues the tab one (valid now: the API checks it by the real clock). */
  const sso = (claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    const tid = (claims.tid as string | undefined) ?? HOME;
    return signJwt({ aud: `api://soc.contoso.com/${APP_ID}`, iss: `https://login.microsoftonline.com/${tid}/v2.0`, tid, iat: now, nbf: now, exp: now + 3600, ver: '2.0', ...claims }, key.privateKey, { kid: 'tab-sso' });
  };
  const get = async (path: string, token?: string) => {
    const res = await fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as any };
  };

  /** Creates a task as the scheduler would and, unless `posted` is false, posts its card a minute later. */
  async function task(name: string, tenantId: string, activityId: string, teamId: string, scheduledAt: string, posted = true): Promise<string> {
    clock.at = at(scheduledAt);
    const o = await app.reminders.createScheduled(tenantId, app.reminders.activity(activityId)!, teamId, at(scheduledAt), 'schedule');
    ids[name] = o!.id;
    const messageId = String(at(scheduledAt) + 60_000);
    if (posted) await recordPosted(store.db, o!.id, at(scheduledAt) + 60_000, { conversationId: `19:${teamId}@thread.tacv2;messageid=${messageId}`, activityId: messageId, serviceUrl: 'https://smba.test/' });
    return o!.id;
  }
  const linkTo = (teamId: string, scheduledAt: string) => {
    const messageId = String(at(scheduledAt) + 60_000);
    return `https://teams.microsoft.com/l/message/${encodeURIComponent(`19:${teamId}@thread.tacv2`)}/${messageId}?tenantId=${HOME}&parentMessageId=${messageId}`;
  };
  /** What the assign helper's code will write; here straight into the columns. */
  const assign = (name: string, who: Actor) =>
    store.db.updateTable('occurrences').set({ assignee_aad_id: who.aadObjectId!, assignee_name: who.name, assigned_at: clock.at }).where('id', '=', ids[name]).execute();

  beforeAll(async () => {
    key = newRsaKeyPair();
    store = await openTestStore(dialect);
    app = createApp({
      config: parseConfig({
        LOG_LEVEL: 'silent',
        SOC_TIMEZONE: 'Asia/Seoul',
        MicrosoftAppId: APP_ID,
        MicrosoftAppPassword: 'x-not-a-real-secret',
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppTenantId: HOME,
        PUBLIC_HOSTNAME: 'soc.contoso.com',
        ALLOWED_TENANTS: `${HOME},${OTHER}`,
        DISPLAY_TOKEN,
      }),
      catalog: CATALOG,
      store,
      logger: createLogger('silent'),
      clock,
      autoRun: false,
      apiSigningKeys: async (kid) => (kid === 'tab-sso' ? key.publicKey : undefined),
    });

    // SecOps, home tenant. Monday's tuning: assigned to Ji-woo, posted, overdue by now.
    await task('tuningSecops', HOME, 'rule-tuning', 'secops', '2026-03-16T09:00');
    await assign('tuningSecops', JIWOO);
    // Today's log check in SecOps: assigned to Min-jun, but Ji-woo acknowledged it: it is on both lists.
    await task('logsSecops', HOME, 'log-health', 'secops', '2026-03-18T10:00');
    await assign('logsSecops', MINJUN);
    clock.at = at('2026-03-18T10:05');
    await app.reminders.acknowledge(HOME, ids.logsSecops, JIWOO, anywhere);
    // Yesterday's log check in SecOps: nobody's (the team's), overdue.
    await task('logsSecopsYesterday', HOME, 'log-health', 'secops', '2026-03-17T10:00');
    // Monitoring: Ji-woo acknowledged this week's tuning; Seo-jun has yesterday's logs (never posted).
    await task('tuningMonitoring', HOME, 'rule-tuning', 'monitoring', '2026-03-16T09:00');
    clock.at = at('2026-03-16T09:30');
    await app.reminders.acknowledge(HOME, ids.tuningMonitoring, JIWOO, anywhere);
    await task('logsMonitoring', HOME, 'log-health', 'monitoring', '2026-03-17T10:00', false);
    await assign('logsMonitoring', SEOJUN);
    await task('guestMonitoring', HOME, 'log-health', 'monitoring', '2026-03-18T10:00');
    clock.at = at('2026-03-18T10:30');
    await app.reminders.acknowledge(HOME, ids.guestMonitoring, GUEST, anywhere);
    // Done tasks are nobody's any more.
    await task('doneSecops', HOME, 'log-health', 'secops', '2026-03-16T10:00');
    await assign('doneSecops', JIWOO);
    clock.at = at('2026-03-16T11:00');
    await app.reminders.complete(HOME, ids.doneSecops, JIWOO, undefined, anywhere);
    // Another tenant with a person of the same object id (a test of scoping, not of Entra).
    await task('otherTenant', OTHER, 'rule-tuning', 'secops', '2026-03-16T09:00');
    await assign('otherTenant', JIWOO);

    clock.at = NOW;
    await app.reminders.processTimers();
    base = `http://127.0.0.1:${await app.start(0, '127.0.0.1')}`;
  });
  afterAll(async () => {
    await app?.stop();
    await store?.close();
  });

  test("the signed-in person's open tasks across teams: assigned or acknowledged, overdue first, with a link when posted", async () => {
    const { status, body } = await get('/api/my-tasks', sso({ oid: 'aad-jiwoo', name: '박지우' }));
    expect(status).toBe(200);
    expect(body.tenantId).toBe(HOME);
    expect(body.at).toBe(new Date(NOW).toISOString());
    // Both tunings were due Tuesday 09:00: equal times go by team, so the order never depends on random ids.
    expect(body.tasks.map((t: any) => [t.occurrenceId, t.relation, t.overdue])).toEqual([
      [ids.tuningMonitoring, 'acknowledged', true],
      [ids.tuningSecops, 'assigned', true],
      [ids.logsSecops, 'acknowledged', false],
    ]);
    const [monitoring, secops, logs] = body.tasks;
    expect(secops).toMatchObject({
      title: 'Tune detection rules',
      title_ko: '탐지 규칙 튜닝',
      team: { id: 'secops', name: 'SecOps', name_ko: '보안운영' },
      status: 'overdue',
      dueAt: new Date(at('2026-03-17T09:00')).toISOString(),
      assignee: { name: '박지우', aadObjectId: 'aad-jiwoo' },
      acknowledgedBy: null,
      link: linkTo('secops', '2026-03-16T09:00'),
    });
    expect(monitoring).toMatchObject({ team: { id: 'monitoring' }, acknowledgedBy: { name: '박지우', aadObjectId: 'aad-jiwoo' }, link: linkTo('monitoring', '2026-03-16T09:00') });
    expect(logs).toMatchObject({ status: 'acknowledged', assignee: { name: '김민준' }, acknowledgedBy: { name: '박지우' } });
  });

  test("nobody else's: the person is the token's, whatever the query says", async () => {
    const minjun = await get('/api/my-tasks?user=aad-jiwoo&aadObjectId=aad-jiwoo&oid=aad-jiwoo', sso({ oid: 'aad-minjun' }));
    expect(minjun.status).toBe(200);
    expect(minjun.body.tasks.map((t: any) => [t.occurrenceId, t.relation])).toEqual([[ids.logsSecops, 'assigned']]);
    const seojun = await get('/api/my-tasks', sso({ oid: 'AAD-SEOJUN' })); // A GUID in capitals is the same person.
    expect(seojun.body.tasks).toMatchObject([{ occurrenceId: ids.logsMonitoring, relation: 'assigned', overdue: true, link: null }]);
    const stranger = await get('/api/my-tasks', sso({ oid: 'aad-nobody' }));
    expect(stranger.body.tasks).toEqual([]);
  });

  test("another tenant's tasks never, not even through ?tenant=", async () => {
    const home = await get(`/api/my-tasks?tenant=${OTHER}`, sso({ oid: 'aad-jiwoo' }));
    expect(home.body.tenantId).toBe(HOME);
    expect(home.body.tasks.map((t: any) => t.occurrenceId)).not.toContain(ids.otherTenant);
    const other = await get(`/api/my-tasks?tenant=${HOME}`, sso({ oid: 'aad-jiwoo', tid: OTHER }));
    expect(other.status).toBe(200);
    expect(other.body.tenantId).toBe(OTHER);
    expect(other.body.tasks.map((t: any) => t.occurrenceId)).toEqual([ids.otherTenant]);
  });

  test('the wall display has no person: 403 with the reason; no token, 401; a token naming no one, 403', async () => {
    const display = await get('/api/my-tasks', DISPLAY_TOKEN);
    expect(display.status).toBe(403);
    expect(display.body.error.code).toBe('NoPerson');
    expect(display.body.error.message).toMatch(/display token .* belongs to no person/);
    expect(display.body.tasks).toBeUndefined();
    // The display still reads the team workload, as before.
    expect((await get('/api/workload?team=secops', DISPLAY_TOKEN)).status).toBe(200);

    expect((await get('/api/my-tasks')).status).toBe(401);
    const noOid = await get('/api/my-tasks', sso({}));
    expect(noOid.status).toBe(403);
    expect(noOid.body.error.code).toBe('NoPerson');
    const forged = signJwt({ aud: `api://soc.contoso.com/${APP_ID}`, iss: `https://login.microsoftonline.com/${HOME}/v2.0`, tid: HOME, oid: 'aad-jiwoo', exp: Math.floor(Date.now() / 1000) + 3600 }, newRsaKeyPair().privateKey, { kid: 'tab-sso' });
    expect((await get('/api/my-tasks', forged)).status).toBe(401);
  });

  test('the workload counts open and overdue per person (assignee, else acknowledger), most overdue first, and the unassigned', async () => {
    const secops = (await get('/api/workload?team=secops', sso({ oid: 'aad-minjun' }))).body;
    // Ji-woo acknowledged the log check assigned to Min-jun: it counts for Min-jun, its assignee.
    expect(secops.people).toEqual([
      { name: '박지우', aadObjectId: 'aad-jiwoo', open: 1, overdue: 1 },
      { name: '김민준', aadObjectId: 'aad-minjun', open: 1, overdue: 0 },
    ]);
    expect(secops.unassigned).toEqual({ open: 1, overdue: 1 });
    expect(secops.open.find((i: any) => i.occurrenceId === ids.logsSecops)).toMatchObject({ assignee: { name: '김민준' }, acknowledgedBy: { name: '박지우' }, overdue: false });

    const monitoring = (await get('/api/workload?team=monitoring', sso({ oid: 'aad-minjun' }))).body;
    expect(monitoring.people).toEqual([
      // Both overdue by one: then by open count, then by name.
      { name: '박지우', aadObjectId: 'aad-jiwoo', open: 1, overdue: 1 },
      { name: '이서준', aadObjectId: 'aad-seojun', open: 1, overdue: 1 },
      { name: 'Guest Analyst', aadObjectId: null, open: 1, overdue: 0 },
    ]);
    expect(monitoring.unassigned).toEqual({ open: 0, overdue: 0 });
  });

  test('the chat card says the same per person, in Korean', async () => {
    const w = await app.workload.forTeam(HOME, 'secops');
    const card = JSON.stringify(renderWorkloadCard(new CardViews(CATALOG).workload(w, 'ko')));
    expect(card).toContain('담당자별');
    for (const text of ['박지우', '김민준', '미배정(팀 전체)', '미완료 1건 · ', '기한 초과 1건', '기한 초과 0건']) expect(card).toContain(JSON.stringify(text).slice(1, -1));
    expect(card.indexOf('박지우')).toBeLessThan(card.indexOf('김민준'));
    expect(card.indexOf('김민준')).toBeLessThan(card.indexOf('미배정(팀 전체)'));
  });
});
