/**
 * Personal reminders' storage and domain rules over SQLite and PostgreSQL (issue 14): a personal card is enqueued
 * once per occurrence, person and reason, with the tenant's service URL; every card update brings a `personal.update`
 * for each personal post in the same transaction; an unreachable person gets nothing until a day has passed; who is
 * unreachable is listed per tenant and per team; every row is scoped by tenant.
 */
import { parseCatalog } from '../../src/catalog/catalog.loader';
import { PersonalReachService, personalEntries, UNREACHABLE_RETRY_MS } from '../../src/reminders/personal';
import { ReminderService } from '../../src/reminders/reminder.service';
import { cardUpdate, enqueueMessages } from '../../src/reminders/transaction';
import { upsertBinding } from '../../src/storage/binding.repository';
import { findOccurrence } from '../../src/storage/occurrence.repository';
import { listPersonalPosts, recordReachable, recordUnreachable } from '../../src/storage/personal.repository';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';

const CATALOG = parseCatalog(
  `
teams:
  - id: monitoring
    name: Monitoring
    rotation:
      - { id: 7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f, name: Kim Minji }
  - id: secops
    name: SecOps
activities:
  - id: queue-review
    title: Review the incident queue
    description: Review it.
    teams: [monitoring, secops]
`,
  { defaultTimezone: 'Asia/Seoul' },
);
const T0 = Date.parse('2026-12-01T01:00:00Z');
const KIM = { aadObjectId: '7f3c1d2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f', name: 'Kim Minji' };
const LEE = { aadObjectId: 'aad-lee', name: 'Lee Jun' };
const starter = { userId: '29:alex', aadObjectId: 'aad-alex', name: 'Alex Morgan' };

describe.each(DIALECTS)('personal reminders in storage (%s)', (dialect) => {
  let store: TestStore;
  let reminders: ReminderService;
  beforeAll(async () => {
    store = await openTestStore(dialect);
    reminders = new ReminderService({ db: store.db, catalog: CATALOG, clock: { now: () => T0 } });
  });
  afterAll(() => store?.close());

  async function taskIn(tenantId: string, teamId = 'monitoring') {
    await upsertBinding(store.db, { tenantId, socTeamId: teamId, teamsTeamId: '19:team', channelId: `19:${teamId}@thread.tacv2`, serviceUrl: 'https://smba.trafficmanager.net/apac/', botId: '28:bot', boundAt: T0 });
    const [o] = (await reminders.runOnDemand(tenantId, 'queue-review', teamId, starter)).occurrences;
    return o!;
  }

  const outbox = (tenantId: string) => store.db.selectFrom('outbox').select(['kind', 'payload', 'conversation_key']).where('tenant_id', '=', tenantId).orderBy('id').execute();

  it('enqueues the card once per occurrence, person and reason, with the tenant service URL, and updates it with the channel card', async () => {
    const tenantId = `t-once-${dialect}`;
    const o = await taskIn(tenantId);
    await store.db.transaction().execute(async (trx) => {
      const first = await personalEntries(trx, o, KIM, 'assigned', T0);
      expect(first).toHaveLength(1);
      expect(first[0]!.message).toEqual({ kind: 'personal.post', occurrenceId: o.id, person: KIM, reason: 'assigned', serviceUrl: 'https://smba.trafficmanager.net/apac/', botId: '28:bot' });
      await enqueueMessages(trx, first);
      expect(await personalEntries(trx, o, KIM, 'assigned', T0)).toEqual([]);
    });
    expect(await enqueueMessages(store.db, [cardUpdate(o, T0 + 1)])).toBe(1);
    const kinds = (await outbox(tenantId)).map((r) => [r.kind, r.conversation_key]);
    expect(kinds).toEqual([
      ['reminder.post', `occ:${o.id}`],
      ['personal.post', `pers:${o.id}|${KIM.aadObjectId}`],
      ['reminder.update', `occ:${o.id}`],
      ['personal.update', `pers:${o.id}|${KIM.aadObjectId}`],
    ]);
  });

  it('sends nothing to a person found unreachable until a day has passed, and nothing without a known service URL', async () => {
    const tenantId = `t-unreachable-${dialect}`;
    const o = await taskIn(tenantId);
    await recordUnreachable(store.db, { tenantId, ...LEE }, 'Forbidden', T0);
    expect(await personalEntries(store.db, o, LEE, 'overdue', T0 + UNREACHABLE_RETRY_MS - 1)).toEqual([]);
    expect(await personalEntries(store.db, o, LEE, 'overdue', T0 + UNREACHABLE_RETRY_MS)).toHaveLength(1);
    // Another tenant with no binding and no installation: nowhere to send from.
    const other = { ...(await findOccurrence(store.db, tenantId, o.id))!, tenantId: `t-nowhere-${dialect}` };
    expect(await personalEntries(store.db, other, KIM, 'assigned', T0)).toEqual([]);
    expect(await listPersonalPosts(store.db, other.tenantId, o.id)).toEqual([]);
  });

  it('lists who is unreachable per tenant and per team (its rotation and its open tasks’ assignees)', async () => {
    const tenantId = `t-list-${dialect}`;
    const reach = new PersonalReachService({ db: store.db, catalog: CATALOG });
    const secops = await taskIn(tenantId, 'secops');
    await store.db.updateTable('occurrences').set({ assignee_aad_id: LEE.aadObjectId, assignee_name: LEE.name, assigned_at: T0 }).where('id', '=', secops.id).execute();
    await recordUnreachable(store.db, { tenantId, ...KIM }, 'Forbidden', T0);
    await recordUnreachable(store.db, { tenantId, ...LEE }, 'BotNotInConversationRoster', T0);
    await recordUnreachable(store.db, { tenantId: `${tenantId}-other`, aadObjectId: 'aad-park', name: 'Park Seojun' }, 'Forbidden', T0);
    expect((await reach.unreachable(tenantId)).map((p) => p.name)).toEqual(['Kim Minji', 'Lee Jun']);
    expect((await reach.unreachable(tenantId, 'monitoring')).map((p) => p.name)).toEqual(['Kim Minji']);
    expect(await reach.unreachable(tenantId, 'secops')).toEqual([{ aadObjectId: 'aad-lee', name: 'Lee Jun', reason: 'BotNotInConversationRoster', since: T0 }]);
    // Reached later: no longer listed.
    await recordReachable(store.db, { tenantId, ...KIM, conversationId: 'a:1kim', serviceUrl: 'https://smba.trafficmanager.net/apac/' }, T0 + 1);
    expect((await reach.unreachable(tenantId)).map((p) => p.name)).toEqual(['Lee Jun']);
  });
});
