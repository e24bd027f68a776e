/**
 * Routing and commands through botbuilder's TestAdapter (no HTTP): which handler each Teams event reaches,
 * and what each command answers, in English and Korean.
 */
import { TestAdapter, type Activity } from 'botbuilder';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../src/catalog/catalog.loader';
import { createLogger } from '../../src/logger';
import { BindingService } from '../../src/reminders/binding.service';
import { ReminderService } from '../../src/reminders/reminder.service';
import { WorkloadService } from '../../src/reminders/workload';
import { PersonalReachService } from '../../src/reminders/personal';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';
import { SocBot, routeOf } from '../../src/teams/bot';
import { CardViews } from '../../src/teams/card-views.builder';
import { ServiceUrlPolicy, defaultServiceUrlRules } from '../../src/teams/service-url';
import { MAX_COMMAND_TEXT, parseCommand, parseRunArgs, stripMentions } from '../../src/teams/commands';
import { cardText } from '../support/bot-harness';

describe('routeOf', () => {
  it.each([
    [{ type: 'message' }, 'message'],
    [{ type: 'invoke', name: 'adaptiveCard/action' }, 'card.action'],
    [{ type: 'invoke', name: 'composeExtension/query' }, 'ignored'],
    [{ type: 'installationUpdate', action: 'add' }, 'installed'],
    [{ type: 'installationUpdate', action: 'remove' }, 'uninstalled'],
    [{ type: 'conversationUpdate', recipient: { id: 'bot' }, membersAdded: [{ id: 'bot' }] }, 'installed'],
    [{ type: 'conversationUpdate', recipient: { id: 'bot' }, membersAdded: [{ id: 'user' }] }, 'ignored'],
    [{ type: 'conversationUpdate', recipient: { id: 'bot' }, membersRemoved: [{ id: 'bot' }] }, 'uninstalled'],
    [{ type: 'typing' }, 'ignored'],
  ])('%j → %s', (activity, route) => {
    expect(routeOf(activity as Partial<Activity>)).toBe(route);
  });
});

describe('command parsing', () => {
  it('strips mentions and markup, matches English and Korean words case-insensitively', () => {
    expect(parseCommand('<at>SOC Reminders</at> BIND   monitoring')).toEqual({ name: 'bind', args: 'monitoring', text: 'BIND monitoring' });
    expect(parseCommand('<p><at>SOC Reminders</at>&nbsp;연결 해제</p>').name).toBe('unbind');
    expect(parseCommand('연결 secops').name).toBe('bind');
    expect(parseCommand('내 작업').name).toBe('tasks');
    expect(parseCommand('업무량 모니터링')).toMatchObject({ name: 'workload', args: '모니터링' });
    expect(parseCommand('bindings please').name).toBeUndefined();
    expect(stripMentions('<at>SOC Reminders</at>')).toBe('');
    // Teams escapes what people type once: decoding must not run twice over it.
    expect(stripMentions('<at>SOC Reminders</at> run &amp;lt;b&amp;gt; &amp;amp; &lt;i&gt;')).toBe('run &lt;b&gt; &amp; <i>');
  });

  it('reads "run <activity> for <team>" and the Korean "대상"', () => {
    expect(parseRunArgs('ir-tabletop-exercise for secops')).toEqual({ activity: 'ir-tabletop-exercise', team: 'secops', again: false });
    expect(parseRunArgs('IR 테이블탑 훈련 실행 대상 SecOps')).toEqual({ activity: 'IR 테이블탑 훈련 실행', team: 'SecOps', again: false });
    expect(parseRunArgs('secure-score-report')).toEqual({ activity: 'secure-score-report', again: false });
  });

  it('reads "again" and the Korean "다시" at the end of `run` (issue 13: another task where one is open)', () => {
    expect(parseRunArgs('secure-score-report again')).toEqual({ activity: 'secure-score-report', again: true });
    expect(parseRunArgs('ir-tabletop-exercise for secops again')).toEqual({ activity: 'ir-tabletop-exercise', team: 'secops', again: true });
    expect(parseRunArgs('보안 점수 보고서 대상 SecOps 다시')).toEqual({ activity: '보안 점수 보고서', team: 'SecOps', again: true });
  });
});

describe('SocBot through TestAdapter', () => {
  let store: Store;
  let dir: string;
  let bot: SocBot;
  const now = Date.parse('2026-03-09T01:00:00Z');
  // What Teams sends: its channel id and one of its public-cloud service URLs (TestAdapter's own are 'test' and
  // https://test.com, which the bot does not serve).
  const TEAMS = { channelId: 'msteams', serviceUrl: 'https://smba.trafficmanager.net/apac/' } as const;
  const trustServiceUrl = new ServiceUrlPolicy(defaultServiceUrlRules('public'), { allowLoopback: false }).check;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'soc-routing-'));
    store = await openStore(parseDatabaseUrl(join(dir, 'db.sqlite')));
    const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
    const clock = { now: () => now };
    const reminders = new ReminderService({ db: store.db, catalog, clock });
    bot = new SocBot({
      // Everyone a SOC admin, as in local mode without SOC_ADMINS: routing is tested here, roles in permissions.test.ts.
      access: { roleOf: async () => ({ role: 'soc-admin', unverified: false }) },
      catalog,
      clock,
      reminders,
      bindings: new BindingService({ db: store.db, catalog, clock, reminders, trustServiceUrl }),
      workload: new WorkloadService({ db: store.db, catalog, clock }),
      reach: new PersonalReachService({ db: store.db, catalog }),
      views: new CardViews(catalog),
      logger: createLogger('silent'),
      defaultLocale: 'en',
      allowedTenants: [],
      fallbackTenantId: 'local',
      trustServiceUrl,
    });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const personal = (text: string, locale = 'en-US'): Partial<Activity> => ({
    type: 'message',
    text,
    locale,
    conversation: { id: 'a:personal-1', conversationType: 'personal', isGroup: false, tenantId: 'tenant-1', name: '' },
  });
  const replyText = (a: Partial<Activity>) => (a.text ?? '') + cardText(a.attachments);

  const exchange = async (activity: Partial<Activity>): Promise<string> => {
    const adapter = new TestAdapter((ctx) => bot.onTurn(ctx), TEAMS);
    let reply = '';
    await adapter.send(activity).assertReply((a) => {
      reply = replyText(a);
    });
    return reply;
  };

  it('answers help in English and in Korean', async () => {
    // «team», not <team>: Teams and the Playground read <…> as markup and drop it ("bind :").
    const english = await exchange(personal('help'));
    expect(english).toMatch(/bind «team»/);
    expect(english).toMatch(/SOC teams \(type the id or the name\): secops \(SecOps\)/);
    const korean = await exchange(personal('도움말', 'ko-KR'));
    expect(korean).toMatch(/실행 «활동» \[대상 «팀»\]/);
    expect(korean).toMatch(/soc-oversight \(SOC 감독\)/);
  });

  it('explains that binding needs a channel when asked in a personal chat', async () => {
    expect(await exchange(personal('bind monitoring'))).toMatch(/Binding works in a team channel/);
  });

  it('lists the teams as unbound, and says so in Korean', async () => {
    expect(await exchange(personal('teams'))).toMatch(/Monitoring\nnot bound/);
    expect(await exchange(personal('팀', 'ko-KR'))).toMatch(/모니터링/);
  });

  it('refuses a run of an unknown activity with the list of on-demand ones', async () => {
    const reply = await exchange(personal('run reboot-everything'));
    expect(reply).toMatch(/There is no activity "reboot-everything"/);
    expect(reply).toMatch(/ir-tabletop-exercise/);
  });

  it('refuses a run of a schedule-only activity with its cadence', async () => {
    expect(await exchange(personal('run escalation-ticket-update'))).toMatch(/runs on its schedule only \(Daily/);
  });

  it('starts an on-demand activity by its Korean title for one team', async () => {
    expect(await exchange(personal('실행 IR 테이블탑 훈련 실행 대상 secops', 'ko-KR'))).toMatch(/작업을 시작했습니다\. 대상 팀: SecOps/);
  });

  it('asks for a team when workload is asked outside a bound channel', async () => {
    expect(await exchange(personal('workload'))).toMatch(/No SOC team is bound to this channel/);
    expect(await exchange(personal('workload red-team'))).toMatch(/There is no SOC team "red-team"/);
  });

  it('shows my tasks and overdue lists, empty at first', async () => {
    expect(await exchange(personal('tasks'))).toMatch(/You have no open tasks assigned to you or acknowledged by you/);
    expect(await exchange(personal('overdue'))).toMatch(/Nothing is overdue/);
    // The card's own word for overdue works as a command, with or without its space.
    expect(await exchange(personal('기한초과', 'ko-KR'))).toMatch(/기한이 지난 작업이 없습니다/);
    expect(await exchange(personal('기한 초과', 'ko-KR'))).toMatch(/기한이 지난 작업이 없습니다/);
  });

  it('finds a team by part of its name, and by none when the part fits two', async () => {
    expect(await exchange(personal('업무량 감독', 'ko-KR'))).toMatch(/^업무량\nSOC 감독\n/);
    expect(await exchange(personal('workload oversight'))).toMatch(/^Workload\nSOC Oversight\n/);
    // One letter is too little to go on; "ing" is in Engineering and Monitoring: neither is picked.
    expect(await exchange(personal('workload n'))).toMatch(/There is no SOC team "n"/);
    expect(await exchange(personal('workload ing'))).toMatch(/There is no SOC team "ing"/);
  });

  it('answers nothing to an activity from another channel or from an untrusted service URL', async () => {
    // A forged Teams team in channelData does not make Web Chat traffic Teams traffic.
    const forged = { ...personal('bind monitoring'), channelData: { team: { id: '19:team@thread.tacv2' }, tenant: { id: 'tenant-1' } } };
    for (const template of [{ channelId: 'webchat', serviceUrl: TEAMS.serviceUrl }, { channelId: 'msteams', serviceUrl: 'https://attacker.example/' }, { channelId: 'msteams', serviceUrl: 'http://smba.trafficmanager.net/amer/' }]) {
      const adapter = new TestAdapter((ctx) => bot.onTurn(ctx), template);
      await adapter.send(forged);
      expect(adapter.activeQueue).toEqual([]);
    }
    const bindings = await store.db.selectFrom('bindings').selectAll().execute();
    expect(bindings).toEqual([]);
  });
});

describe('reading a message as a command (attack review)', () => {
  it('looks at the first 2,000 characters only: the markup patterns cost the square of what they are given', () => {
    // 200 KB of '<' held the event loop 14 s before this bound.
    expect(stripMentions('x'.repeat(MAX_COMMAND_TEXT + 5000))).toHaveLength(MAX_COMMAND_TEXT);
    expect(parseCommand(`<at>SOC Reminders</at> help ${'<'.repeat(200_000)}`).name).toBe('help');
  });
});
