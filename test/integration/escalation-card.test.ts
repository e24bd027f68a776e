/**
 * The escalation card's claim over SQLite and PostgreSQL: a step that finds the escalation team without a channel
 * records it as never told; once the team is bound, the next step of the same task to that team posts the card
 * (once), rather than updating a card that was never posted.
 */
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { escalationCardEntries } from '../../src/reminders/escalation';
import { ReminderService } from '../../src/reminders/reminder.service';
import { upsertBinding } from '../../src/storage/binding.repository';
import { findEscalationCard } from '../../src/storage/escalation-card.repository';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';

const CATALOG = parseCatalog(
  `
teams:
  - id: monitoring
    name: Monitoring
  - id: secops
    name: SecOps
  - id: soc-oversight
    name: SOC Oversight
activities:
  - id: queue-review
    title: Review the incident queue
    description: Review it.
    teams: [monitoring, secops]
`,
  { defaultTimezone: 'Asia/Seoul' },
);
const T0 = Date.parse('2026-12-01T01:00:00Z');
const starter = { userId: '29:alex', aadObjectId: 'aad-alex', name: 'Alex Morgan' };

describe.each(DIALECTS)('the escalation card of a task (%s)', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(() => store?.close());

  const bind = (tenantId: string, socTeamId: string) =>
    upsertBinding(store.db, { tenantId, socTeamId, teamsTeamId: '19:team', channelId: `19:${socTeamId}@thread.tacv2`, serviceUrl: 'https://smba.trafficmanager.net/apac/', botId: '28:bot', boundAt: T0 });

  it('is posted by the first step after the escalation team was bound, when an earlier step found no channel', async () => {
    const tenantId = `t-bound-later-${dialect}`;
    const reminders = new ReminderService({ db: store.db, catalog: CATALOG, clock: { now: () => T0 } });
    const { occurrences } = await reminders.runOnDemand(tenantId, 'queue-review', undefined, starter);
    const [first, second] = occurrences;
    const key = { tenantId, activityId: first!.activityId, scheduledAt: first!.scheduledAt, teamId: 'soc-oversight' };

    const unbound = await store.db.transaction().execute((trx) => escalationCardEntries(trx, first!, 'soc-oversight', T0));
    expect(unbound).toEqual([]);
    expect((await findEscalationCard(store.db, key))?.noChannel).toBe(true);

    await bind(tenantId, 'soc-oversight');
    const later = await store.db.transaction().execute((trx) => escalationCardEntries(trx, second!, 'soc-oversight', T0 + 60_000));
    expect(later.map((e) => e.message.kind)).toEqual(['escalation.post']);
    expect((await findEscalationCard(store.db, key))?.noChannel).toBe(false);

    // Posted once: a further step to that channel updates it.
    const again = await store.db.transaction().execute((trx) => escalationCardEntries(trx, first!, 'soc-oversight', T0 + 120_000));
    expect(again.map((e) => e.message.kind)).toEqual(['escalation.update']);
  });

  it('stays never told while the team has no channel, however many steps reach it', async () => {
    const tenantId = `t-never-${dialect}`;
    const reminders = new ReminderService({ db: store.db, catalog: CATALOG, clock: { now: () => T0 } });
    const [first, second] = (await reminders.runOnDemand(tenantId, 'queue-review', undefined, starter)).occurrences;
    for (const o of [first!, second!]) expect(await store.db.transaction().execute((trx) => escalationCardEntries(trx, o, 'soc-oversight', T0))).toEqual([]);
    expect((await findEscalationCard(store.db, { tenantId, activityId: first!.activityId, scheduledAt: first!.scheduledAt, teamId: 'soc-oversight' }))?.noChannel).toBe(true);
  });
});
