/**
 * Queries compiled once (reusable-query.ts) give what the same query built afresh gives, with each call's
 * values, on each dialect, in a transaction too, and with a second store of another dialect in the process; and a
 * query of several shapes (an `in` list of each length) gives each shape's rows, beyond the shapes it keeps too.
 */
import { addListValues, listParams, reusableQuery, reusableQueryShapes } from '../../src/storage/reusable-query';
import { DIALECTS, openTestStore, type TestStore } from '../support/databases';

const T0 = Date.UTC(2026, 11, 1, 9);

const selectCheckpoint = reusableQuery((db, p: { name: string }) => db.selectFrom('scheduler_state').select(['name', 'checkpoint_at']).where('name', '=', p.name));
const insertCheckpoint = reusableQuery((db, p: { name: string; at: number }) => db.insertInto('scheduler_state').values({ name: p.name, checkpoint_at: p.at }));
const selectCheckpoints = reusableQueryShapes(
  (names: number) => String(names),
  (names) => (db, p: Record<string, unknown>) =>
    db
      .selectFrom('scheduler_state')
      .select('name')
      .where('name', 'in', listParams('name', names).map((n) => p[n] as string))
      .orderBy('name'),
  2,
);

describe.each(DIALECTS)('a query compiled once, on %s', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(dialect);
  });
  afterAll(() => store?.close());

  it('runs with each call’s values, outside and inside a transaction', async () => {
    await insertCheckpoint(store.db, { name: 'a', at: T0 });
    await store.db.transaction().execute((trx) => insertCheckpoint(trx, { name: 'b', at: T0 + 1 }));
    const read = async (name: string) => (await selectCheckpoint(store.db, { name })).rows.map((r) => ({ name: r.name, at: Number(r.checkpoint_at) }));
    expect(await read('a')).toEqual([{ name: 'a', at: T0 }]);
    expect(await read('b')).toEqual([{ name: 'b', at: T0 + 1 }]);
    expect(await read('c')).toEqual([]);
  });

  it('runs a query of several shapes with each call’s values, also of a shape past those it keeps', async () => {
    for (const name of ['s1', 's2', 's3']) await insertCheckpoint(store.db, { name, at: T0 });
    const read = async (...names: string[]) => (await selectCheckpoints(store.db, names.length, addListValues({}, 'name', names))).rows.map((r) => r.name);
    expect(await read('s1')).toEqual(['s1']);
    expect(await read('s3', 's2')).toEqual(['s2', 's3']);
    // A third shape, beyond the two kept: compiled for this call, the same rows.
    expect(await read('s3', 'nobody', 's1')).toEqual(['s1', 's3']);
    expect(await read('s3', 'nobody', 's2')).toEqual(['s2', 's3']);
    expect(await read('s2')).toEqual(['s2']);
  });

  it('refuses a parameter that does not reach the SQL as a value of its own, and a missing value', async () => {
    const computed = reusableQuery((db, p: { name: string }) => db.selectFrom('scheduler_state').selectAll().where('name', '=', `${p.name}-x`));
    await expect(computed(store.db, { name: 'a' })).rejects.toThrow(/name did not reach the SQL/);
    await expect(selectCheckpoint(store.db, { name: undefined as unknown as string })).rejects.toThrow(/no value for name/);
  });
});

if (DIALECTS.length > 1) {
  it('keeps one compiled form per dialect when stores of both are open', async () => {
    const stores = await Promise.all(DIALECTS.map((d) => openTestStore(d)));
    try {
      for (const [i, s] of stores.entries()) await insertCheckpoint(s.db, { name: `both-${i}`, at: T0 + i });
      for (const [i, s] of stores.entries()) expect((await selectCheckpoint(s.db, { name: `both-${i}` })).rows).toHaveLength(1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
}
