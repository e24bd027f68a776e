import { type Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './dialect';
import { migration20261123Initial } from './migrations/2026-11-23T10-00-initial';
import { migration20261123TeamTimeIndexes } from './migrations/2026-11-23T13-00-team-time-indexes';
import { migration20261201EventEvidence } from './migrations/2026-12-01T22-30-event-evidence';
import { migration20261201OccurrenceMovedFrom } from './migrations/2026-12-01T22-00-occurrence-moved-from';
import { migration20261201OutboxSingletonKey } from './migrations/2026-12-01T21-00-outbox-singleton-key';
import { migration20261202Assignees } from './migrations/2026-12-02T00-00-assignees';
import { migration20261202MissedRuns } from './migrations/2026-12-02T01-00-missed-runs';
import { migration20261202MyTasksIndex } from './migrations/2026-12-02T00-40-my-tasks-index';
import { migration20261202PartialIndexes } from './migrations/2026-12-02T05-30-partial-indexes';
import { migration20261202PersonalChats } from './migrations/2026-12-02T00-30-personal-chats';
import { migration20261202RotationChanges } from './migrations/2026-12-02T00-10-rotation-changes';
import { migration20261202Timers } from './migrations/2026-12-02T00-20-timers';

/** Migrations in order. A migration gets the dialect because id columns differ (see `dialect.ts`). */
const MIGRATIONS: Record<string, (dialect: DialectName) => Migration> = {
  '2026-11-23T10-00-initial': migration20261123Initial,
  '2026-11-23T13-00-team-time-indexes': migration20261123TeamTimeIndexes,
  '2026-12-01T21-00-outbox-singleton-key': migration20261201OutboxSingletonKey,
  '2026-12-01T22-00-occurrence-moved-from': migration20261201OccurrenceMovedFrom,
  '2026-12-01T22-30-event-evidence': migration20261201EventEvidence,
  '2026-12-02T00-00-assignees': migration20261202Assignees,
  '2026-12-02T00-10-rotation-changes': migration20261202RotationChanges,
  '2026-12-02T00-20-timers': migration20261202Timers,
  '2026-12-02T00-30-personal-chats': migration20261202PersonalChats,
  '2026-12-02T00-40-my-tasks-index': migration20261202MyTasksIndex,
  '2026-12-02T01-00-missed-runs': migration20261202MissedRuns,
  '2026-12-02T05-30-partial-indexes': migration20261202PartialIndexes,
};

/** The migrations' names, oldest first: what `kysely_migration` lists on an up-to-date database. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, make]) => [name, make(this.dialect)]));
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<any>, dialect: DialectName): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}
