import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSchedule } from '../../src/catalog/cadence';
import {
  BUILTIN_CATALOG_PATH,
  CatalogError,
  catalogSummary,
  loadCatalog,
  parseCatalog,
} from '../../src/catalog/catalog.loader';
import { cronProblem, formatPath, isIsoDate, isKnownTimeZone } from '../../src/catalog/catalog.schema';
import type { Catalog } from '../../src/catalog/catalog.types';
import { formatDuration, parseDuration } from '../../src/catalog/duration';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

const BUILTIN_IDS = [
  'service-management-sync',
  'phishing-dlp-campaigns',
  'automation-deployment',
  'portal-license-review',
  'escalation-ticket-update',
  'tvm-remediation-tracking',
  'secure-score-report',
  'ir-tabletop-exercise',
];

/** A small valid catalog; tests splice lines into it to break one thing at a time. */
const TEAMS = `
teams:
  - id: secops
    name: SecOps
  - id: soc-oversight
    name: SOC Oversight
    name_ko: SOC 감독
  - id: monitoring
    name: Monitoring
`;

function yamlWith(activities: string, head = ''): string {
  return `${head}${TEAMS}\nactivities:\n${activities}`;
}

const PATCH = `
  - id: patch
    title: Patch
    description: Patch things
    teams: [secops]
    schedule: 0 9 * * 1-5
`;

function parse(yamlText: string, defaultTimezone = 'UTC'): Catalog {
  return parseCatalog(yamlText, { defaultTimezone, source: 'test.yaml' });
}

/** The errors `parseCatalog` reports for this text; fails the test if it parses. */
function errorsOf(yamlText: string): string[] {
  try {
    parse(yamlText);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as CatalogError).errors;
  }
  throw new Error('expected the catalog to be rejected');
}

describe('built-in catalog', () => {
  const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });

  it('has the eight activities of the source, in order, and the four teams', () => {
    expect(catalog.activities.map((a) => a.id)).toEqual(BUILTIN_IDS);
    expect(catalog.teams.map((t) => t.id)).toEqual(['secops', 'engineering', 'soc-oversight', 'monitoring']);
    expect(catalog.teams.map((t) => t.name_ko)).toEqual(['SecOps', '엔지니어링', 'SOC 감독', '모니터링']);
  });

  it('carries Korean titles and descriptions, with the translation errors corrected', () => {
    for (const a of catalog.activities) {
      expect(a.title_ko).toMatch(/[가-힣]/);
      expect(a.description_ko).toMatch(/[가-힣]/);
      expect(a.title_ko).not.toBe(a.title);
    }
    const byId = new Map(catalog.activities.map((a) => [a.id, a]));
    expect(byId.get('ir-tabletop-exercise')!.title_ko).toBe('IR 테이블탑 훈련 실행');
    expect(byId.get('escalation-ticket-update')!.title_ko).toBe('SOC 에스컬레이션 티켓 업데이트');
    expect(byId.get('tvm-remediation-tracking')!.title_ko).toBe('TVM 취약점 조치 및 추적');
    // Issue 15, point 6: the rows the issue's table corrects.
    expect(byId.get('service-management-sync')!.title_ko).toBe('SOC·서비스 관리 합동 검토');
    expect(byId.get('service-management-sync')!.description_ko).toBe(
      'Microsoft 365 Defender 배포에 영향을 줄 수 있는 변경(CMDB 자산 추적, 새 SaaS 라이선스, 장치 구매·갱신, Intune·Microsoft 365 등 테넌트 전체 변경)을 서비스 관리 팀과 함께 검토합니다.',
    );
    expect(byId.get('automation-deployment')!.description_ko).toMatch(/테스트한 뒤 Microsoft 365 Defender 개선에 활용합니다\.$/);
    expect(byId.get('phishing-dlp-campaigns')!.description_ko).toMatch(/교훈을 피싱 방지·DLP 캠페인에 반영합니다\.$/);
    const allKorean = catalog.activities.map((a) => a.title_ko + a.description_ko).join('\n');
    expect(allKorean).not.toMatch(/에스컬레이터|태블릿/);
  });

  it('expands `all` to every team and keeps named teams as written', () => {
    const byId = new Map(catalog.activities.map((a) => [a.id, a]));
    expect(byId.get('escalation-ticket-update')!.teams).toEqual(['secops', 'engineering', 'soc-oversight', 'monitoring']);
    expect(byId.get('ir-tabletop-exercise')!.teams).toEqual(['secops', 'engineering', 'soc-oversight', 'monitoring']);
    expect(byId.get('automation-deployment')!.teams).toEqual(['engineering', 'secops']);
    expect(byId.get('portal-license-review')!.teams).toEqual(['soc-oversight']);
  });

  it('schedules daily, weekly, monthly and on-demand work as documented', () => {
    const byId = new Map(catalog.activities.map((a) => [a.id, a]));
    const daily = byId.get('escalation-ticket-update')!;
    expect([daily.schedule, daily.onDemand, daily.dueAfterMs, daily.escalateAfterMs]).toEqual([
      '0 9 * * 1-5',
      false,
      8 * HOUR,
      4 * HOUR,
    ]);
    const weeklyAndAsNeeded = byId.get('service-management-sync')!;
    expect([weeklyAndAsNeeded.schedule, weeklyAndAsNeeded.onDemand, weeklyAndAsNeeded.dueAfterMs]).toEqual([
      '0 10 * * 1',
      true,
      2 * DAY,
    ]);
    expect(weeklyAndAsNeeded.cadence).toBe('Weekly (Monday 10:00) and as needed');
    expect(weeklyAndAsNeeded.cadence_ko).toBe('매주 (월요일 10:00) 및 필요한 경우');
    const monthly = byId.get('phishing-dlp-campaigns')!;
    expect([monthly.schedule, monthly.onDemand, monthly.dueAfterMs, monthly.escalateAfterMs]).toEqual([
      '0 10 * * 1#1',
      true,
      5 * DAY,
      2 * DAY,
    ]);
    const asNeeded = byId.get('ir-tabletop-exercise')!;
    expect(asNeeded.schedule).toBeUndefined();
    expect(asNeeded.onDemand).toBe(true);
    expect([asNeeded.dueAfterMs, asNeeded.escalateAfterMs]).toEqual([7 * DAY, 3 * DAY]);
  });

  it('has no time zone of its own, so the default decides', () => {
    expect(catalog.timezone).toBe('Asia/Seoul');
    expect(catalog.activities.every((a) => a.timezone === 'Asia/Seoul')).toBe(true);
    expect(loadCatalog({ defaultTimezone: 'Europe/Berlin' }).activities[0]!.timezone).toBe('Europe/Berlin');
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(catalog)).toBe(true);
    expect(Object.isFrozen(catalog.activities)).toBe(true);
    expect(Object.isFrozen(catalog.activities[0])).toBe(true);
    expect(Object.isFrozen(catalog.activities[0]!.teams)).toBe(true);
    expect(Object.isFrozen(catalog.teams[0])).toBe(true);
    expect(() => (catalog.activities as unknown as unknown[]).push({})).toThrow(TypeError);
  });

  it('sums itself up in one line', () => {
    expect(catalogSummary(catalog)).toBe('8 activities (7 scheduled, 5 on demand), 4 teams, time zone Asia/Seoul');
  });

  it('lives where BUILTIN_CATALOG_PATH says', () => {
    expect(BUILTIN_CATALOG_PATH.endsWith(join('src', 'catalog', 'builtin-catalog.yaml'))).toBe(true);
    expect(loadCatalog({ file: BUILTIN_CATALOG_PATH, defaultTimezone: 'Asia/Seoul' })).toEqual(catalog);
  });
});

describe('parseCatalog defaults', () => {
  it('fills in Korean from English, onDemand, cadence in words, dueAfter 8h and no escalation', () => {
    const c = parse(
      yamlWith(`${PATCH}
  - id: drill
    title: Drill
    description: Run a drill
    teams: all
`),
    );
    const [patch, drill] = c.activities;
    expect(c.teams.find((t) => t.id === 'secops')!.name_ko).toBe('SecOps');
    expect(patch).toEqual({
      id: 'patch',
      title: 'Patch',
      title_ko: 'Patch',
      description: 'Patch things',
      description_ko: 'Patch things',
      teams: ['secops'],
      schedule: '0 9 * * 1-5',
      timezone: 'UTC',
      onDemand: false,
      cadence: 'Weekdays at 09:00',
      cadence_ko: '평일 09:00',
      dueAfterMs: 8 * HOUR,
      onHoliday: 'skip',
      evidence: [],
      links: [],
      skip: 'owners',
      assign: 'none',
      nudgesAfterMs: [0],
      escalation: [],
    });
    expect('escalateAfterMs' in patch!).toBe(false);
    expect(drill!.schedule).toBeUndefined();
    expect('schedule' in drill!).toBe(false);
    expect(drill!.onDemand).toBe(true);
    expect([drill!.cadence, drill!.cadence_ko]).toEqual(['As needed', '필요에 따라']);
    expect(drill!.teams).toEqual(['secops', 'soc-oversight', 'monitoring']);
    expect(c.holidays).toEqual([]);
  });

  it('expands `[all]` like `all`', () => {
    const c = parse(yamlWith(PATCH.replace('teams: [secops]', 'teams: [all]')));
    expect(c.activities[0]!.teams).toEqual(['secops', 'soc-oversight', 'monitoring']);
  });

  it('derives "and as needed" cadences for scheduled on-demand activities', () => {
    const c = parse(yamlWith(`${PATCH}    onDemand: true\n`));
    expect(c.activities[0]!.onDemand).toBe(true);
    expect(c.activities[0]!.cadence).toBe('Weekdays at 09:00 and as needed');
    expect(c.activities[0]!.cadence_ko).toBe('평일 09:00 및 필요한 경우');
  });

  it('keeps cadence words the catalog gives', () => {
    const c = parse(yamlWith(`${PATCH}    cadence: Every working day\n    cadence_ko: 근무일마다\n`));
    expect([c.activities[0]!.cadence, c.activities[0]!.cadence_ko]).toEqual(['Every working day', '근무일마다']);
  });

  it('reads durations and skip dates', () => {
    const c = parse(
      yamlWith(`${PATCH}    dueAfter: 1h30m\n    escalateAfter: 1d12h\n`, 'skipDates: [2026-12-25, "2026-01-01"]\n'),
    );
    expect(c.activities[0]!.dueAfterMs).toBe(90 * 60 * 1000);
    expect(c.activities[0]!.escalateAfterMs).toBe(36 * HOUR);
    expect(c.holidays).toEqual(['2026-01-01', '2026-12-25']);
  });

  it('resolves time zones: activity over catalog over default', () => {
    const activities = `${PATCH}    timezone: Europe/Paris\n  - id: other\n    title: Other\n    description: Other\n    teams: [monitoring]\n`;
    const withCatalogZone = parse(yamlWith(activities, 'timezone: Asia/Seoul\n'), 'America/New_York');
    expect(withCatalogZone.timezone).toBe('Asia/Seoul');
    expect(withCatalogZone.activities.map((a) => a.timezone)).toEqual(['Europe/Paris', 'Asia/Seoul']);
    const withoutCatalogZone = parse(yamlWith(activities), 'America/New_York');
    expect(withoutCatalogZone.timezone).toBe('America/New_York');
    expect(withoutCatalogZone.activities.map((a) => a.timezone)).toEqual(['Europe/Paris', 'America/New_York']);
  });

  it('gives no built-in calendar: nothing is a holiday until the catalog names a country', () => {
    const builtin = loadCatalog({ defaultTimezone: 'Asia/Seoul' });
    expect(builtin.calendar).toBeUndefined();
    expect(builtin.teams.map((t) => t.calendar)).toEqual(builtin.teams.map(() => ({ allHours: false, holidays: [], workingDays: [] })));
  });

  it('reads calendars: the catalog default, a team override, a 24×7 team, and skipDates as an alias of holidays', () => {
    const teams = 'teams:\n  - id: secops\n    name: SecOps\n  - id: monitoring\n    name: Monitoring\n    allHours: true\n  - id: tokyo\n    name: Tokyo\n    calendar: JP\n';
    const doc = `calendar: KR\nholidays: [2026-12-31]\nskipDates: [2026-12-30]\nworkingDays: [2026-10-10]\n${teams}activities:\n${PATCH}`;
    const c = parse(doc.replace('teams: [secops]', 'teams: [all]'));
    expect(c.calendar).toBe('KR');
    expect(c.holidays).toEqual(['2026-12-30', '2026-12-31']);
    expect(c.teams.map((t) => t.calendar)).toEqual([
      { country: 'KR', allHours: false, holidays: ['2026-12-30', '2026-12-31'], workingDays: ['2026-10-10'] },
      { allHours: true, holidays: [], workingDays: ['2026-10-10'] },
      { country: 'JP', allHours: false, holidays: ['2026-12-30', '2026-12-31'], workingDays: ['2026-10-10'] },
    ]);
  });

  it('defaults onHoliday from the cadence: daily work is skipped, weekly and monthly work moves', () => {
    const activity = (id: string, schedule: string, extra = '') => `  - id: ${id}\n    title: T\n    description: D\n    teams: [secops]\n    schedule: '${schedule}'\n${extra}`;
    const doc = ['0 9 * * 1-5', '0 9 * * *', '*/30 * * * *', '0 10 * * 1', '0 10 * * 1#1', '0 10 15 * *'].map((cron, i) => activity(`a${i}`, cron)).join('');
    const c = parse(`teams:\n  - id: secops\n    name: SecOps\nactivities:\n${doc}${activity('explicit', '0 9 * * 1-5', '    onHoliday: next-working-day\n')}`);
    expect(c.activities.map((a) => a.onHoliday)).toEqual(['skip', 'skip', 'skip', 'next-working-day', 'next-working-day', 'next-working-day', 'next-working-day']);
  });

  it('reports a bad calendar code, a bad onHoliday and a bad holiday date with their paths, all at once', () => {
    const teams = 'teams:\n  - id: secops\n    name: SecOps\n    calendar: XX\n  - id: monitoring\n    name: Monitoring\n    allHours: true\n    calendar: KR\n';
    const errors = errorsOf(`calendar: Korea\nholidays: [2026-13-01]\nworkingDays: [tomorrow]\n${teams}activities:\n${PATCH}    onHoliday: monday\n`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^calendar: unknown calendar "Korea"/),
        expect.stringMatching(/^holidays\[0\]: invalid date "2026-13-01"/),
        expect.stringMatching(/^workingDays\[0\]: invalid date "tomorrow"/),
        expect.stringMatching(/^teams\[0\]\.calendar: unknown calendar "XX"/),
        expect.stringMatching(/^teams\[1\]\.allHours: a 24×7 team has no holiday calendar/),
        expect.stringMatching(/^activities\[0\]\.onHoliday: invalid onHoliday "monday" \(next-working-day or skip\)/),
      ]),
    );
    expect(errors).toHaveLength(6);
  });

  it('counts singulars and skip dates in the summary', () => {
    const c = parse(yamlWith(PATCH, 'skipDates: [2026-01-01]\n'), 'UTC');
    expect(catalogSummary(c)).toBe('1 activity (1 scheduled, 0 on demand), 3 teams, time zone UTC, 1 extra holiday');
  });
});

describe('who may skip (issue 13)', () => {
  it('reads `skip: anyone`, keeps owners by default, and reports a wrong value with its path alongside the other errors', () => {
    expect(parse(yamlWith(`${PATCH}    skip: anyone\n`)).activities[0]!.skip).toBe('anyone');
    expect(parse(yamlWith(PATCH)).activities[0]!.skip).toBe('owners');
    const errors = errorsOf(yamlWith(`${PATCH.replace('0 9 * * 1-5', '"61 * * * *"')}    skip: interns\n`));
    expect(errors).toHaveLength(2);
    expect(errors).toContainEqual(expect.stringMatching(/^activities\[0\]\.skip: must be "anyone" or "owners"/));
    expect(errors).toContainEqual(expect.stringMatching(/^activities\[0\]\.schedule: invalid cron/));
  });
});

describe('people: rotations, nudges, escalation chains and quiet hours (issue 14)', () => {
  const KIM = '7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f';
  const LEE = '2B9E4F10-3C2D-4E1F-8A7B-6C5D4E3F2A1B';
  const PEOPLE_TEAMS = `
teams:
  - id: secops
    name: SecOps
    timezone: Asia/Seoul
    quietHours: 22:00-08:00
    rotation:
      - { id: ${KIM}, name: Kim Minji }
      - { id: ${LEE}, name: Lee Jun }
    tag: { id: tag-1, name: SecOps on call }
  - id: soc-oversight
    name: SOC Oversight
  - id: monitoring
    name: Monitoring
    allHours: true
`;

  it('reads a rotation (ids in lower case), a tag, quiet hours in the team zone, and an activity that assigns, nudges and escalates in a chain', () => {
    const c = parse(`${PEOPLE_TEAMS}
activities:
${PATCH}    assign: rotation
    nudges: [30m, 2h, 4h]
    escalate:
      - { after: 1h, to: soc-oversight }
      - { after: 4h, to: { id: ${KIM}, name: Kim Minji } }
`);
    const secops = c.teams.find((t) => t.id === 'secops')!;
    expect(secops.rotation).toEqual([{ id: KIM, name: 'Kim Minji' }, { id: LEE.toLowerCase(), name: 'Lee Jun' }]);
    expect(secops.tag).toEqual({ id: 'tag-1', name: 'SecOps on call' });
    expect(secops.quietHours).toEqual({ startMinute: 22 * 60, endMinute: 8 * 60, timezone: 'Asia/Seoul' });
    expect(c.teams.find((t) => t.id === 'monitoring')!.quietHours).toBeUndefined();
    const a = c.activities[0]!;
    expect(a.assign).toBe('rotation');
    expect(a.nudgesAfterMs).toEqual([30 * 60_000, 2 * HOUR, 4 * HOUR]);
    expect(a.escalation).toEqual([
      { afterMs: HOUR, to: { kind: 'team', teamId: 'soc-oversight' } },
      { afterMs: 4 * HOUR, to: { kind: 'person', person: { id: KIM, name: 'Kim Minji' } } },
    ]);
    expect(a.escalateAfterMs).toBe(HOUR);
  });

  it('reads escalateAfter as a one-step chain to SOC Oversight', () => {
    const a = parse(yamlWith(`${PATCH}    escalateAfter: 4h
`)).activities[0]!;
    expect(a.escalation).toEqual([{ afterMs: 4 * HOUR, to: { kind: 'team', teamId: 'soc-oversight' } }]);
  });

  it('reports every mistake with its path at once', () => {
    const errors = errorsOf(`
teams:
  - id: secops
    name: SecOps
    quietHours: 22:00-22:00
    rotation:
      - { id: not-a-guid, name: Kim }
      - { id: ${KIM}, name: Kim }
      - { id: ${KIM.toUpperCase()}, name: Kim again }
  - id: soc-oversight
    name: SOC Oversight
  - id: monitoring
    name: Monitoring
    allHours: true
    quietHours: 23:00-07:00
activities:
${PATCH}    assign: everyone
    nudges: [2h, 30m]
    escalateAfter: 4h
    escalate:
      - { after: 1h, to: nobody }
      - { after: 1h, to: soc-oversight }
`);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^teams\[0\]\.quietHours: invalid quietHours "22:00-22:00"/),
        expect.stringMatching(/^teams\[0\]\.rotation\[0\]\.id: invalid Entra object id "not-a-guid"/),
        expect.stringMatching(/^teams\[0\]\.rotation\[2\]\.id: .* is already in this rotation/),
        expect.stringMatching(/^teams\[2\]\.allHours: a 24×7 team has no quiet hours/),
        expect.stringMatching(/^activities\[0\]\.assign: must be "rotation" or "none"/),
        expect.stringMatching(/^activities\[0\]\.nudges\[1\]: must be later than the step before it/),
        expect.stringMatching(/^activities\[0\]\.escalate: give either escalateAfter .* or escalate/),
        expect.stringMatching(/^activities\[0\]\.escalate\[0\]\.to: unknown team "nobody"/),
        expect.stringMatching(/^activities\[0\]\.escalate\[1\]\.after: must be later than the step before it/),
      ]),
    );
    expect(errors).toHaveLength(9);
  });
});

describe('parseCatalog errors', () => {
  it('reports an invalid cron expression with its path', () => {
    const errors = errorsOf(yamlWith(PATCH.replace('0 9 * * 1-5', '"61 * * * *"')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^activities\[0\]\.schedule: invalid cron expression "61 \* \* \* \*"/);
  });

  it('requires 5 or 6 cron fields and what both cron libraries accept', () => {
    expect(cronProblem('0 9 * * 1-5')).toBeUndefined();
    expect(cronProblem('*/30 * * * * *')).toBeUndefined();
    expect(cronProblem('0 10 * * 1#1')).toBeUndefined();
    expect(cronProblem('* * * *')).toBe('expected 5 or 6 fields, got 4');
    expect(cronProblem('@daily')).toBe('expected 5 or 6 fields, got 1');
    expect(cronProblem('0 0 0 * * * *')).toBe('expected 5 or 6 fields, got 7');
    expect(cronProblem('0 0 30 2 *')).toBeDefined();
    // cron-parser accepts a step on a day-of-week number; node-cron does not, so the catalog must not either.
    expect(cronProblem('0 0 * * 1/2')).toBe('not accepted by node-cron');
  });

  it('reports unknown team references with the index', () => {
    const errors = errorsOf(yamlWith(PATCH.replace('teams: [secops]', 'teams: [secops, red]')));
    expect(errors).toEqual(['activities[0].teams[1]: unknown team "red"']);
  });

  it('reports duplicate team and activity ids', () => {
    const errors = errorsOf(`${TEAMS}  - id: secops\n    name: Again\nactivities:\n${PATCH}${PATCH}`);
    expect(errors).toEqual(['teams[3].id: duplicate id "secops"', 'activities[1].id: duplicate id "patch"']);
  });

  it('reports unknown time zones at catalog and activity level', () => {
    const errors = errorsOf(yamlWith(`${PATCH}    timezone: Europe/Atlantis\n`, 'timezone: Mars/Base\n'));
    expect(errors).toEqual([
      'timezone: unknown time zone "Mars/Base"',
      'activities[0].timezone: unknown time zone "Europe/Atlantis"',
    ]);
  });

  it('reports an unknown default time zone', () => {
    expect(() => parseCatalog(yamlWith(PATCH), { defaultTimezone: 'Nowhere/Land' })).toThrow(
      'default time zone: unknown time zone "Nowhere/Land"',
    );
  });

  it('reports invalid durations', () => {
    const errors = errorsOf(yamlWith(`${PATCH}    dueAfter: 8 hours\n    escalateAfter: 0h\n`));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^activities\[0\]\.dueAfter: invalid duration "8 hours"/);
    expect(errors[1]).toMatch(/^activities\[0\]\.escalateAfter: invalid duration "0h"/);
  });

  it('reports durations written as numbers as a type error', () => {
    expect(errorsOf(yamlWith(`${PATCH}    dueAfter: 3600\n`))).toEqual([
      'activities[0].dueAfter: expected text, got number 3600',
    ]);
  });

  it('reports impossible and malformed skip dates', () => {
    const errors = errorsOf(yamlWith(PATCH, 'skipDates: [2026-02-30, 2026-2-1, 2028-02-29]\n'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^skipDates\[0\]: invalid date "2026-02-30"/);
    expect(errors[1]).toMatch(/^skipDates\[1\]: invalid date "2026-2-1"/);
  });

  it('rejects unknown keys at every level', () => {
    const errors = errorsOf(
      `colour: blue\n${TEAMS}    motto: hi\nactivities:\n${PATCH}    foo: 1\n    schedul: 0 9 * * *\n`,
    );
    expect(errors).toEqual([
      'teams[2].motto: unknown key',
      'activities[0].foo: unknown key',
      'activities[0].schedul: unknown key',
      'colour: unknown key',
    ]);
  });

  it('rejects ids that are not lowercase slugs', () => {
    const errors = errorsOf(yamlWith(PATCH.replace('id: patch', 'id: Patch_1')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^activities\[0\]\.id: invalid id "Patch_1"/);
  });

  it('requires an oversight team for escalation', () => {
    const noOversight = `teams:\n  - id: secops\n    name: SecOps\nactivities:\n${PATCH}    escalateAfter: 4h\n`;
    expect(errorsOf(noOversight)).toEqual([
      'activities[0].escalateAfter: escalation needs a team with id "soc-oversight" in the catalog',
    ]);
    expect(() => parse(noOversight.replace('    escalateAfter: 4h\n', ''))).not.toThrow();
  });

  it('refuses onDemand: false without a schedule', () => {
    const errors = errorsOf(yamlWith(`${PATCH.replace('    schedule: 0 9 * * 1-5\n', '')}    onDemand: false\n`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^activities\[0\]\.onDemand: false needs a schedule/);
  });

  it('requires at least one team and one activity', () => {
    expect(errorsOf('teams: []\nactivities: []\n')).toEqual([
      'teams: at least one team is required',
      'activities: at least one activity is required',
    ]);
    expect(errorsOf('timezone: UTC\n')).toEqual(['teams: required', 'activities: required']);
  });

  it('reports missing and mistyped fields', () => {
    const errors = errorsOf(
      yamlWith(`  - id: broken\n    description: [not, text]\n    teams: 5\n    onDemand: "yes"\n`),
    );
    expect(errors).toEqual([
      'activities[0].title: required',
      'activities[0].description: expected text, got a list',
      'activities[0].teams: expected a list, got number 5',
      'activities[0].onDemand: expected true or false, got text "yes"',
    ]);
  });

  it('refuses "all" mixed with team ids and a team called "all"', () => {
    expect(errorsOf(yamlWith(PATCH.replace('teams: [secops]', 'teams: [all, secops]')))).toEqual([
      'activities[0].teams: "all" cannot be combined with team ids',
    ]);
    expect(errorsOf(`${TEAMS}  - id: all\n    name: All\nactivities:\n${PATCH}`)).toEqual([
      'teams[3].id: "all" is reserved for "every team"',
    ]);
  });

  it('rejects an empty file and a file that is not a mapping', () => {
    expect(errorsOf('')).toEqual(['catalog: expected a mapping, got nothing']);
    expect(errorsOf('- a\n- b\n')).toEqual(['catalog: expected a mapping, got a list']);
  });

  it('reports YAML syntax errors with their line', () => {
    const errors = errorsOf('teams:\n  - id: secops\n    name: SecOps\n    name: Again\nactivities: [\n');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatch(/^YAML line 4, column 5: /);
  });

  it('reads a catalog with anchors and aliases, and refuses a "billion laughs" of them instead of expanding it', () => {
    const aliased = yamlWith(`${PATCH}    links: &refs\n      - { label: Runbook, url: "https://runbooks.example/patch" }\n  - id: patch2\n    title: Patch again\n    description: Patch more things\n    teams: [secops]\n    schedule: 0 10 * * 1-5\n    links: *refs\n`);
    const catalog = parse(aliased);
    expect(catalog.activities.find((a) => a.id === 'patch2')?.links).toEqual([{ label: 'Runbook', label_ko: 'Runbook', url: 'https://runbooks.example/patch' }]);
    const levels = Array.from({ length: 12 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`);
    const errors = errorsOf(`l0: &l0 [lol]\n${levels.join('\n')}\n${yamlWith(PATCH)}`);
    expect(errors.join('\n')).toMatch(/alias/i);
  });

  it('honours a %YAML 1.1 directive as before, and reports a directive it does not know', () => {
    const yaml11 = `%YAML 1.1\n---\n${yamlWith(`${PATCH}    onDemand: yes\n`)}`;
    expect(parse(yaml11).activities.find((a) => a.id === 'patch')?.onDemand).toBe(true);
    expect(errorsOf(`%YAML 1.3\n---\n${yamlWith(PATCH)}`).join('\n')).toMatch(/^YAML line 1, column \d+: .*1\.3/m);
  });

  it('reports a duplicate key with its line and column, whichever parser read the file first', () => {
    expect(errorsOf(yamlWith(`${PATCH}    title: Twice\n`))[0]).toMatch(/^YAML line \d+, column 5: .*unique/i);
  });

  it('reports every error at once, in a message naming the source', () => {
    const text = yamlWith(
      `${PATCH.replace('0 9 * * 1-5', '"61 * * * *"').replace('teams: [secops]', 'teams: [secops, red]')}    dueAfter: 8 hours\n    foo: bar\n`,
      'timezone: Mars/Base\nskipDates: [2026-02-30]\n',
    );
    let caught: unknown;
    try {
      parse(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CatalogError);
    const error = caught as CatalogError;
    expect(error.source).toBe('test.yaml');
    expect(error.errors).toHaveLength(6);
    expect(error.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^timezone: unknown time zone "Mars\/Base"$/),
        expect.stringMatching(/^skipDates\[0\]: invalid date "2026-02-30"/),
        expect.stringMatching(/^activities\[0\]\.schedule: invalid cron expression "61 \* \* \* \*"/),
        expect.stringMatching(/^activities\[0\]\.dueAfter: invalid duration "8 hours"/),
        'activities[0].foo: unknown key',
        'activities[0].teams[1]: unknown team "red"',
      ]),
    );
    expect(error.message).toBe(`Invalid catalog test.yaml:\n${error.errors.map((e) => `  - ${e}`).join('\n')}`);
    expect(error.name).toBe('CatalogError');
  });
});

describe('loadCatalog', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a catalog file', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, yamlWith(PATCH));
    expect(loadCatalog({ file, defaultTimezone: 'UTC' }).activities.map((a) => a.id)).toEqual(['patch']);
  });

  it('names the file in errors', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, yamlWith(PATCH.replace('[secops]', '[red]')));
    expect(() => loadCatalog({ file, defaultTimezone: 'UTC' })).toThrow(
      `Invalid catalog ${file}:\n  - activities[0].teams[0]: unknown team "red"`,
    );
  });

  it('turns a missing file into a CatalogError', () => {
    const file = join(dir, 'missing.yaml');
    expect(() => loadCatalog({ file, defaultTimezone: 'UTC' })).toThrow(CatalogError);
    expect(() => loadCatalog({ file, defaultTimezone: 'UTC' })).toThrow(/cannot read the file: ENOENT/);
  });
});

describe('schema helpers', () => {
  it('knows time zones', () => {
    expect(isKnownTimeZone('Asia/Seoul')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Mars/Base')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
  });

  it('knows calendar dates', () => {
    expect(isIsoDate('2028-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-13-01')).toBe(false);
    expect(isIsoDate('2026-1-01')).toBe(false);
    expect(isIsoDate('2026-01-01T00:00')).toBe(false);
  });

  it('writes paths the way the catalog reads', () => {
    expect(formatPath(['activities', 3, 'schedule'])).toBe('activities[3].schedule');
    expect(formatPath(['skipDates', 0])).toBe('skipDates[0]');
    expect(formatPath([])).toBe('catalog');
  });
});

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['30m', 30 * 60_000],
    ['8h', 8 * HOUR],
    ['2d', 2 * DAY],
    ['1w', 7 * DAY],
    ['1h30m', 90 * 60_000],
    ['1d12h', 36 * HOUR],
    ['1w2d3h4m5s', 7 * DAY + 2 * DAY + 3 * HOUR + 4 * 60_000 + 5_000],
    [' 8h ', 8 * HOUR],
    ['0h30m', 30 * 60_000],
  ])('parses %j', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '   ', '0', '0h', '0d0h', '-1h', '+1h', '8', 'h', '8 hours', '1.5h', '8H', '1y', '1h 30m', '30m1h', '1h1h', 'abc', '8hx'])(
    'refuses %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('refuses durations too large to count exactly', () => {
    expect(parseDuration('99999999999999w')).toBeUndefined();
  });

  it.each([
    [36 * HOUR, '1d12h'],
    [8 * HOUR, '8h'],
    [90 * 60_000, '1h30m'],
    [14 * DAY, '2w'],
    [10 * DAY, '1w3d'],
    [90_000, '1m30s'],
    [0, '0s'],
    [1_499, '1s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips', () => {
    for (const text of ['90s', '30m', '8h', '2d', '1w', '1h30m', '1d12h', '3w6d23h59m59s']) {
      expect(formatDuration(parseDuration(text)!)).toBe(text === '90s' ? '1m30s' : text);
    }
  });

  it('refuses negative and non-finite values', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
    expect(() => formatDuration(Number.NaN)).toThrow(RangeError);
    expect(() => formatDuration(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('describeSchedule', () => {
  it.each([
    ['0 9 * * 1-5', 'Weekdays at 09:00', '평일 09:00'],
    ['0 9 * * MON-FRI', 'Weekdays at 09:00', '평일 09:00'],
    ['30 8 * * *', 'Every day at 08:30', '매일 08:30'],
    ['0 10 * * 1', 'Every Monday at 10:00', '매주 월요일 10:00'],
    ['0 10 * * 0', 'Every Sunday at 10:00', '매주 일요일 10:00'],
    ['0 10 * * 7', 'Every Sunday at 10:00', '매주 일요일 10:00'],
    ['0 10 * * 1,3,5', 'Every Monday, Wednesday and Friday at 10:00', '매주 월요일, 수요일, 금요일 10:00'],
    ['0 11 * * 6,0', 'Weekends at 11:00', '주말 11:00'],
    ['0 11 * * SUN,SAT', 'Weekends at 11:00', '주말 11:00'],
    ['0 7 * * 0-6', 'Every day at 07:00', '매일 07:00'],
    ['0 7 * * FRI-SUN', 'Every Friday, Saturday and Sunday at 07:00', '매주 금요일, 토요일, 일요일 07:00'],
    ['0 10 * * 1#1', 'First Monday of the month at 10:00', '매월 첫째 월요일 10:00'],
    ['0 14 * * 5#3', 'Third Friday of the month at 14:00', '매월 셋째 금요일 14:00'],
    ['0 10 15 * *', 'Monthly on day 15 at 10:00', '매월 15일 10:00'],
    ['0 10 L * *', 'Monthly on the last day at 10:00', '매월 마지막 날 10:00'],
    ['0 0 9 * * 1-5', 'Weekdays at 09:00', '평일 09:00'],
    ['15 0 9 * * *', 'Every day at 09:00:15', '매일 09:00:15'],
    ['*/30 * * * * *', 'Every 30 seconds', '30초마다'],
    ['* * * * * *', 'Every second', '1초마다'],
    ['*/15 * * * *', 'Every 15 minutes', '15분마다'],
    ['0 */5 * * * *', 'Every 5 minutes', '5분마다'],
    ['* * * * *', 'Every minute', '1분마다'],
    ['0 */2 * * *', 'Every 2 hours', '2시간마다'],
    ['0 * * * *', 'Every hour', '1시간마다'],
  ])('describes %j', (expr, en, ko) => {
    expect(describeSchedule(expr, false, 'en')).toBe(en);
    expect(describeSchedule(expr, false, 'ko')).toBe(ko);
  });

  it.each(['*/7 * * * *', '0 9 1 1 *', '0 9,17 * * *', '0 9 1 * 1', '5-10 * * * *', '0 9 * * 1-5 2026'])(
    'falls back to the expression for %j',
    (expr) => {
      expect(describeSchedule(expr, false, 'en')).toBe(`Schedule: ${expr}`);
      expect(describeSchedule(expr, false, 'ko')).toBe(`일정: ${expr}`);
    },
  );

  it('says "as needed" without a schedule', () => {
    expect(describeSchedule(undefined, true, 'en')).toBe('As needed');
    expect(describeSchedule(undefined, true, 'ko')).toBe('필요에 따라');
    expect(describeSchedule('', true, 'en')).toBe('As needed');
  });

  it('appends "and as needed" to a schedule that may also run on demand', () => {
    expect(describeSchedule('0 10 * * 1', true, 'en')).toBe('Every Monday at 10:00 and as needed');
    expect(describeSchedule('0 10 * * 1', true, 'ko')).toBe('매주 월요일 10:00 및 필요한 경우');
    expect(describeSchedule('0 9 1 1 *', true, 'en')).toBe('Schedule: 0 9 1 1 * and as needed');
  });
});
