/**
 * One open on-demand task per activity and team, and the per-person run limit, hold across replicas (issue 13):
 * many `run`s at once over two stores of one database (PostgreSQL: two pools, as two replicas have), each at its
 * own moment, so the unique key (activity, team, start time) alone would let every one of them through.
 */
import { loadCatalog } from '../../src/catalog/catalog.loader';
import type { Store } from '../../src/storage/database';
import { countOccurrences, listOpenOccurrences } from '../../src/storage/occurrence.repository';
import { ReminderService } from '../../src/reminders/reminder.service';
import { RUN_LIMIT } from '../../src/reminders/occurrence-creation';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';

const TENANT = '11111111-2222-3333-4444-555555555555';
const START = Date.parse('2026-03-09T01:00:00Z');
const catalog = loadCatalog({ defaultTimezone: 'Asia/Seoul' });

describe.each(DIALECTS)('on-demand runs at once (%s)', (dialect) => {
  let store: TestStore;
  let replica: Store;

  beforeEach(async () => {
    store = await openTestStore(dialect);
    // SQLite: one connection, as the bot has (two would wait on each other synchronously; see TestStore).
    replica = dialect === 'postgres' ? await store.connect() : store;
  });
  afterEach(() => store.close());

  /** The nth run, by a person, through one replica or the other, a millisecond after the one before. */
  const run = (n: number, person: string, again: boolean) =>
    new ReminderService({ db: (n % 2 === 0 ? store : replica).db, catalog, clock: { now: () => START + n } })
      .runOnDemand(TENANT, 'secure-score-report', 'monitoring', { userId: `29:${person}`, name: person, aadObjectId: `aad-${person}` }, { again })
      .then((r) => r.occurrences.length, (err: { code?: string }) => err.code ?? 'error');

  it('creates one open task when ten people say `run` at once, and tells the other nine it is open', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, n) => run(n, `p${n}`, false)));
    expect(results.filter((r) => r === 1)).toHaveLength(1);
    expect(results.filter((r) => r === 0)).toHaveLength(9);
    expect(await listOpenOccurrences(store.db, TENANT, { teamId: 'monitoring' })).toHaveLength(1);
  });

  it('lets one person start at most RUN_LIMIT runs however fast they come', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, n) => run(n, 'mallory', true)));
    expect(results.filter((r) => r === 1)).toHaveLength(RUN_LIMIT.runs);
    expect(results.filter((r) => r === 'TOO_MANY_RUNS')).toHaveLength(12 - RUN_LIMIT.runs);
    expect(await countOccurrences(store.db)).toBe(RUN_LIMIT.runs);
  });
});
