/**
 * Issue 17.2: fire times missed while the bot was down are recorded as ONE run per activity, team and gap (first,
 * last, count) with one event, and every place that shows missed work shows the run with its count: the workload
 * (and its card, in English and Korean), the digest's figures and the audit export. Rows recorded before runs
 * existed (one per fire time, no count) stay readable as runs of one. Over SQLite and a throwaway PostgreSQL; and
 * three processes catching up over the same gap on PostgreSQL record it once.
 */
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { auditRows } from '../../src/cli/audit-export';
import { listAuditEvents, listEvents } from '../../src/storage/occurrence.repository';
import { openStore, type Store } from '../../src/storage/database';
import { rememberTenant } from '../../src/storage/scheduler-state.repository';
import { CardViews } from '../../src/teams/card-views.builder';
import { renderWorkloadCard } from '../../src/teams/cards/card-renderer';
import { DIALECTS, createTestDatabase, openTestStore, type TestDatabase, type TestStore } from '../support/databases';
import { DAY, FakeClock, HOME_TENANT, HOUR, makeEngine, ms } from '../support/engine-fixtures';
import { startProcessReplicas, type HeartbeatReplica, type ReplicaSetup } from '../support/heartbeat-replicas';

const CATALOG_YAML = `timezone: UTC
teams:
  - id: secops
    name: SecOps
  - id: engineering
    name: Engineering
activities:
  - id: queue-check
    title: Check the queue
    title_ko: 대기열 확인
    description: Every hour.
    teams: [secops, engineering]
    schedule: "0 * * * *"
    dueAfter: 30m
`;
const CATALOG = parseCatalog(CATALOG_YAML, { defaultTimezone: 'UTC', source: 'test' });

/** Every text of a rendered card, in order. */
function textsOf(card: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
}

describe.each(DIALECTS)('missed runs on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.close();
  });

  test('four days down: one run and one event per team, shown with its count by the workload, its card, the digest and the audit', async () => {
    const clock = new FakeClock('2026-03-02T00:00:30Z');
    const engine = makeEngine({ store, catalog: CATALOG, clock, catchup: HOUR });
    await engine.scheduler.runDue();
    clock.set('2026-03-06T00:30:00Z'); // 96 hourly fire times later; 00:00 is caught up, 95 are missed

    const result = await engine.scheduler.runDue();

    expect(result).toMatchObject({ caughtUp: 2, missed: 2 * 95, missedRuns: 2 });
    const missed = await store.db.selectFrom('occurrences').selectAll().where('state', '=', 'missed').orderBy('team_id').execute();
    expect(missed.map((r) => [r.team_id, Number(r.scheduled_at), Number(r.missed_last_at), Number(r.missed_count)])).toEqual([
      ['engineering', ms('2026-03-02T01:00:00Z'), ms('2026-03-05T23:00:00Z'), 95],
      ['secops', ms('2026-03-02T01:00:00Z'), ms('2026-03-05T23:00:00Z'), 95],
    ]);
    const events = await listEvents(store.db);
    expect(events.filter((e) => e.type === 'missed').map((e) => e.occurrenceId).sort()).toEqual(missed.map((r) => r.id).sort());

    const w = await engine.workload.forTeam(HOME_TENANT, 'secops');
    expect(w.stats.missed).toBe(95);
    expect(w.missedRuns).toEqual([{ activityId: 'queue-check', teamId: 'secops', firstAt: ms('2026-03-02T01:00:00Z'), lastAt: ms('2026-03-05T23:00:00Z'), count: 95 }]);

    const views = new CardViews(CATALOG, () => clock.now());
    const en = textsOf(renderWorkloadCard(views.workload(w, 'en'))).join('\n');
    expect(en).toContain('Missed while the bot was down');
    expect(en).toMatch(/ · missed 95 times between .*2 Mar.* and .*5 Mar/);
    const ko = textsOf(renderWorkloadCard(views.workload(w, 'ko'))).join('\n');
    expect(ko).toContain('봇 중단 중 누락');
    expect(ko).toMatch(/3월 2일.*~.*3월 5일.* 사이 95회 누락/);

    const [digest] = (await engine.workload.digest(HOME_TENANT, ms('2026-03-02T00:00:00Z'))).filter((r) => r.teamId === 'secops');
    expect(digest).toMatchObject({ missed: 95, missedRuns: [{ activityId: 'queue-check', firstAt: ms('2026-03-02T01:00:00Z'), lastAt: ms('2026-03-05T23:00:00Z'), count: 95 }] });

    const audit = auditRows(await listAuditEvents(store.db), CATALOG).filter((r) => r.type === 'missed');
    expect(audit.map((r) => r.teamId).sort()).toEqual(['engineering', 'secops']);
    expect(audit.map((r) => r.note).sort()).toEqual(
      Array(2).fill('missed 95 times between 2026-03-02T01:00:00+00:00 and 2026-03-05T23:00:00+00:00 / 2026-03-02T01:00:00+00:00 ~ 2026-03-05T23:00:00+00:00 사이 95회 누락'),
    );
    expect(audit.every((r) => r.scheduledAt === '2026-03-02T01:00:00+00:00')).toBe(true);
  });

  test('a missed row recorded before runs existed reads as a run of one in the workload and the audit', async () => {
    const clock = new FakeClock('2026-03-06T00:00:00Z');
    const engine = makeEngine({ store, catalog: CATALOG, clock });
    const at = ms('2026-03-05T09:00:00Z');
    // What the scheduler wrote before this change: one row and one event per missed fire time, no count.
    await store.db
      .insertInto('occurrences')
      .values({
        ...{ id: 'old-missed', tenant_id: HOME_TENANT, activity_id: 'queue-check', team_id: 'secops', scheduled_at: at, due_at: at + 30 * 60_000, escalate_at: null },
        ...{ trigger: 'schedule', state: 'missed', created_at: clock.now(), closed_at: clock.now(), posted_at: null, acknowledged_at: null },
        ...{ ack_user_id: null, ack_aad_id: null, ack_name: null, snoozed_until: null, snoozed_by_name: null, overdue_at: null, escalated_at: null },
        ...{ closed_user_id: null, closed_aad_id: null, closed_name: null, close_note: null, started_by_name: null },
        ...{ moved_from_at: null, moved_reason: null, moved_reason_ko: null, posted_conversation_id: null, posted_activity_id: null, posted_service_url: null },
      })
      .execute();
    await store.db.insertInto('occurrence_events').values({ tenant_id: HOME_TENANT, occurrence_id: 'old-missed', type: 'missed', from_status: null, to_status: 'missed', actor_user_id: 'system', actor_aad_id: null, actor_name: 'SOC Reminders', note: null, at: clock.now() }).execute();

    const w = await engine.workload.forTeam(HOME_TENANT, 'secops');
    expect(w.stats.missed).toBe(1);
    expect(w.missedRuns).toEqual([{ activityId: 'queue-check', teamId: 'secops', firstAt: at, lastAt: at, count: 1 }]);
    const [row] = auditRows(await listAuditEvents(store.db), CATALOG);
    expect(row).toMatchObject({ type: 'missed', scheduledAt: '2026-03-05T09:00:00+00:00', note: 'missed at 2026-03-05T09:00:00+00:00 / 2026-03-05T09:00:00+00:00 누락' });
  });
});

const SETUP: ReplicaSetup = { catalogYaml: CATALOG_YAML, env: { SOC_TIMEZONE: 'UTC', SOC_CATCHUP: '1h' } };
const TENANTS = ['tenant-contoso', 'tenant-fabrikam'];

if (DIALECTS.includes('postgres')) {
  describe('three processes catching up over the same gap on one PostgreSQL', () => {
    let database: TestDatabase;
    let store: Store;
    let replicas: HeartbeatReplica[] = [];
    beforeAll(async () => {
      database = await createTestDatabase('postgres');
      store = await openStore(database.location);
      replicas = await startProcessReplicas(3, database.location.target, SETUP);
      for (const t of TENANTS) await rememberTenant(store.db, t, 0);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(replicas.map((r) => r.close()));
      await store?.close();
      await database?.drop();
    });

    test('record one run per tenant, activity, team and gap, with one event each, and one catch-up per team', async () => {
      const start = ms('2026-03-02T00:00:30Z');
      await replicas[0]!.heartbeat(start); // the checkpoint
      // Seven days later all three start at once, each with its first read in flight before any write lands.
      const back = start + 7 * DAY;
      await Promise.all(replicas.map((r, i) => r.heartbeat(back + i * 5, i)));

      const rows = await store.db.selectFrom('occurrences').select(['id', 'tenant_id', 'team_id', 'state', 'trigger', 'missed_count']).execute();
      const runs = rows.filter((r) => r.state === 'missed');
      expect(runs.map((r) => `${r.tenant_id}/${r.team_id} ×${r.missed_count}`).sort()).toEqual([
        'tenant-contoso/engineering ×167',
        'tenant-contoso/secops ×167',
        'tenant-fabrikam/engineering ×167',
        'tenant-fabrikam/secops ×167',
      ]);
      expect(rows.filter((r) => r.state === 'open')).toHaveLength(4);
      const missedEvents = await store.db.selectFrom('occurrence_events').select('occurrence_id').where('type', '=', 'missed').execute();
      expect(missedEvents.map((e) => e.occurrence_id).sort()).toEqual(runs.map((r) => r.id).sort());
    }, 60_000);
  });
}
