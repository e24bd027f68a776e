/**
 * The rotation's promise across replicas (issue 14): "the next person, round-robin, position stored in the
 * database so restarts and replicas agree". Two ReminderServices on two stores of the same database (on
 * PostgreSQL two pools, so the races are real races between connections; on SQLite one store, as a deployment
 * has one writer) create the same slots at once, over and over: every slot is created once, the rotation turns
 * once per created task, and the tasks in fire-time order go to the people in rotation order, nobody skipped or
 * repeated. Times are passed in; nothing sleeps.
 */
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { ReminderService } from '../../src/reminders/reminder.service';
import type { Store } from '../../src/storage/database';
import { listEvents, listOpenOccurrences } from '../../src/storage/occurrence.repository';
import { findRotation } from '../../src/storage/rotation.repository';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';
import { FakeClock } from '../support/fake-clock';

const TENANT = '11111111-2222-3333-4444-555555555555';
const people = ['Kim Minji', 'Lee Jun', 'Park Sora'].map((name, i) => ({ id: `5d1e2f3a-4b5c-4d6e-8f70-8192a3b4c50${i + 1}`, name }));
const catalog = parseCatalog(
  `
timezone: Asia/Seoul
teams:
  - { id: monitoring, name: Monitoring, name_ko: 모니터링, allHours: true, rotation: [${people.map((p) => `{ id: ${p.id}, name: ${p.name} }`).join(', ')}] }
  - { id: secops, name: SecOps, name_ko: SecOps, allHours: true, rotation: [{ id: ${people[2]!.id}, name: Park Sora }] }
  - { id: engineering, name: Engineering, name_ko: 엔지니어링 }
  - { id: soc-oversight, name: SOC Oversight, name_ko: SOC 감독 }
activities:
  - id: shift-check
    title: Shift check
    title_ko: 교대 점검
    description: Check the consoles.
    description_ko: 콘솔을 확인합니다.
    teams: [monitoring, secops, engineering]
    schedule: "*/5 * * * *"
    assign: rotation
    dueAfter: 1h
`,
  { defaultTimezone: 'Asia/Seoul' },
);
const activity = catalog.activities[0]!;
const T0 = Date.parse('2026-03-09T00:00:00Z');
const MIN = 60_000;

describe.each(DIALECTS)('rotation across replicas (%s)', (dialect) => {
  let store: TestStore;
  let replica: Store | undefined;
  let services: [ReminderService, ReminderService];

  beforeAll(async () => {
    store = await openTestStore(dialect);
    replica = dialect === 'postgres' ? await store.connect() : undefined;
    const clock = new FakeClock(T0 + 120 * MIN);
    services = [new ReminderService({ db: store.db, clock, catalog }), new ReminderService({ db: (replica ?? store).db, clock, catalog })];
  });
  afterAll(() => store.close());

  it('creates each slot once and turns the rotation once per created task, whoever wins each race', async () => {
    const slots = (teamId: string, from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ activity, tenantId: TENANT, teamId, scheduledAt: T0 + (from + i) * 5 * MIN, trigger: 'catch-up' as const }));
    // Rounds of overlapping batches from both replicas at once: a catch-up racing the live tick, both ways.
    for (let round = 0; round < 6; round++) {
      const a = [...slots('monitoring', round * 3, 4), ...slots('secops', round * 3, 4)];
      const b = [...slots('monitoring', round * 3 + 1, 4), ...slots('secops', round * 3 + 1, 4)].reverse();
      await Promise.all([services[0].createScheduledMany(a), services[1].createScheduledMany(b), services[1].createScheduledMany(a.slice(0, 2))]);
    }
    const open = await listOpenOccurrences(store.db, TENANT, { teamId: 'monitoring' });
    const created = open.length;
    expect(created).toBe(6 * 3 + 2);
    const position = await findRotation(store.db, TENANT, 'monitoring');
    expect(position?.nextPosition).toBe(created);
    // Each task's assignee is recorded once, and the set of turns is exactly 0 … created-1: nobody skipped or repeated.
    const events = (await listEvents(store.db, { tenantId: TENANT })).filter((e) => e.type === 'assigned');
    expect(events).toHaveLength(created + (await listOpenOccurrences(store.db, TENANT, { teamId: 'secops' })).length);
    const counts = new Map<string, number>();
    for (const o of open) counts.set(o.assignee!.name, (counts.get(o.assignee!.name) ?? 0) + 1);
    // 20 turns over 3 people: 7, 7 and 6, whatever order the races put them in.
    expect([...counts.values()].sort()).toEqual([6, 7, 7]);
    // The other team's rotation is its own.
    expect((await findRotation(store.db, TENANT, 'secops'))?.nextPosition).toBe(created);
  });

  it('leaves the task of a team without a rotation to the team: no assignee, no assigned event', async () => {
    const [o] = await services[0].createScheduledMany([{ activity, tenantId: TENANT, teamId: 'engineering', scheduledAt: T0, trigger: 'schedule' }]);
    expect(o).toBeDefined();
    expect(o!.assignee).toBeUndefined();
    expect((await listEvents(store.db, { tenantId: TENANT, occurrenceId: o!.id })).map((e) => e.type)).toEqual(['created']);
  });

  it('gives one batch its turns in fire-time order', async () => {
    const before = (await findRotation(store.db, TENANT, 'monitoring'))!.nextPosition;
    const batch = Array.from({ length: 5 }, (_, i) => ({ activity, tenantId: TENANT, teamId: 'monitoring', scheduledAt: T0 + (100 + i) * 5 * MIN, trigger: 'catch-up' as const }));
    const created = await services[1].createScheduledMany(batch);
    expect(created.map((o) => o?.assignee?.name)).toEqual([0, 1, 2, 3, 4].map((i) => people[(before + i) % 3]!.name));
  });
});
