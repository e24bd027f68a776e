/**
 * Queries of a fixed shape, built and compiled once per store and then run with each call's values. Kysely builds
 * an immutable tree and compiles it to SQL at every call: a card action spent 9 % of its CPU there (the profile in
 * issue 17), for half a dozen queries that never change shape. SQLite's prepared statements are kept by their SQL
 * text already (database.ts), so the text compiled here is also prepared only once.
 *
 * The builder is called once per dialect (the store's adapter) with a placeholder for each named parameter, and
 * the compiled parameters are matched to the names: every name must reach the SQL as a value of its own (no
 * `in` lists of varying length, no value computed from a parameter), which the first call checks.
 */
import type { Compilable, CompiledQuery, Kysely, QueryResult, Transaction } from 'kysely';
import type { Database } from './tables';

/** A store or one of its transactions (the repositories' `Db`, named here so that they can import this file). */
type Db = Kysely<Database> | Transaction<Database>;

type Slot = { readonly name: string } | { readonly constant: unknown };

interface Compiled {
  readonly query: CompiledQuery;
  readonly slots: readonly Slot[];
}

/** A placeholder no caller's value can equal (a NUL never reaches these columns). */
const placeholder = (name: string) => `\u0000param:${name}\u0000`;

/**
 * A query run as `run(db, params)`: `build(db, p)` is called once per dialect with `p`'s values standing for the
 * parameters. Values must not be undefined (Kysely would leave such a column out; here it would be a bound NULL).
 */
export function reusableQuery<P extends Record<string, unknown>, R>(build: (db: Db, p: P) => Compilable<R>): (db: Db, params: P) => Promise<QueryResult<R>> {
  const byAdapter = new WeakMap<object, Compiled>();
  const compile = (db: Db): Compiled => {
    const names = new Map<string, string>();
    const p = new Proxy({} as P, {
      get(_target, name) {
        const text = placeholder(String(name));
        names.set(text, String(name));
        return text;
      },
    });
    const query = build(db, p).compile();
    const slots: Slot[] = query.parameters.map((value) => (typeof value === 'string' && names.has(value) ? { name: names.get(value)! } : { constant: value }));
    const bound = new Set(slots.flatMap((s) => ('name' in s ? [s.name] : [])));
    const lost = [...names.values()].filter((name) => !bound.has(name));
    if (lost.length > 0) throw new Error(`reusableQuery: ${lost.join(', ')} did not reach the SQL as values of their own: ${query.sql}`);
    return { query, slots };
  };
  return async (db, params) => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      compiled = compile(db);
      byAdapter.set(adapter, compiled);
    }
    const parameters = compiled.slots.map((s) => {
      if (!('name' in s)) return s.constant;
      const value = params[s.name];
      if (value === undefined) throw new Error(`reusableQuery: no value for ${s.name} in ${compiled.query.sql}`);
      return value;
    });
    return db.executeQuery<R>({ ...compiled.query, parameters } as CompiledQuery<R>);
  };
}

/**
 * A query of a few shapes (how long its `in` lists are, whether it locks): one `reusableQuery` per shape, made at
 * its first use. At most `maxShapes` are kept; a call of another shape compiles its query afresh, as Kysely would.
 */
export function reusableQueryShapes<S, P extends Record<string, unknown>, R>(
  keyOf: (shape: S) => string,
  build: (shape: S) => (db: Db, p: P) => Compilable<R>,
  maxShapes = 64,
): (db: Db, shape: S, params: P) => Promise<QueryResult<R>> {
  const kept = new Map<string, (db: Db, params: P) => Promise<QueryResult<R>>>();
  return (db, shape, params) => {
    const key = keyOf(shape);
    let run = kept.get(key);
    if (!run) {
      run = reusableQuery(build(shape));
      if (kept.size < maxShapes) kept.set(key, run);
    }
    return run(db, params);
  };
}

/** Names `prefix0` … for the values of an `in` list of `length` (parameters of a `reusableQueryShapes` query). */
export function listParams(prefix: string, length: number): string[] {
  return Array.from({ length }, (_, i) => `${prefix}${i}`);
}

/** Adds the values of an `in` list to `params` under the names `listParams(prefix, values.length)`; returns `params`. */
export function addListValues(params: Record<string, unknown>, prefix: string, values: readonly unknown[]): Record<string, unknown> {
  values.forEach((value, i) => {
    params[`${prefix}${i}`] = value;
  });
  return params;
}
