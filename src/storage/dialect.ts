/** Differences between SQLite and PostgreSQL, in one place (with the opening of each in `database.ts`). */
import { PostgresIntrospector, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

/** An auto-numbered integer primary key named `id`. */
export function withAutoId<T extends string>(table: CreateTableBuilder<T, never>, dialect: DialectName): CreateTableBuilder<T, 'id'> {
  return dialect === 'postgres'
    ? table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().generatedAlwaysAsIdentity())
    : table.addColumn('id', 'integer', (c: ColumnDefinitionBuilder) => c.primaryKey().autoIncrement());
}

/**
 * The dialect under a Kysely instance or one of its transactions, so that a repository needs no dialect from its
 * caller. Kysely names no dialect publicly (kysely-org/kysely#1415: "there's no way to do that"), but every
 * instance hands out its dialect's introspector, and `openStore` opens exactly two dialects.
 */
export function dialectOf<DB>(db: Kysely<DB>): DialectName {
  return db.introspection instanceof PostgresIntrospector ? 'postgres' : 'sqlite';
}
