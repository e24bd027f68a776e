/**
 * The weekly digest to SOC Oversight: per team, done on time, done late, overdue, skipped and the median time
 * to done over the past week. Its cron (SOC_DIGEST_CRON) is read in the catalog's time zone; the last digest
 * sent is a checkpoint in the database, so a restart or a second replica does not send it twice.
 */
import type { Kysely } from 'kysely';
import type { Catalog } from '../catalog/catalog.types';
import { cronTimesBetween } from './fire-times';
import type { Database } from '../storage/tables';
import { advanceCheckpoint, listTenants, readCheckpoint } from '../storage/scheduler-state.repository';
import type { Clock } from './clock';
import type { ReminderService } from './reminder.service';
import type { WorkloadService } from './workload';

const DIGEST_CHECKPOINT = 'digest';
const WEEK = 7 * 86_400_000;

export class DigestJob {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      catalog: Catalog;
      clock: Clock;
      reminders: ReminderService;
      workload: WorkloadService;
      cron: string;
      logger: { info(o: object, m: string): void };
    },
  ) {}

  /** Sends the digest if a digest time passed since the last one. Returns how many tenants got one. */
  async runDue(): Promise<number> {
    const { db, clock, catalog } = this.deps;
    const now = clock.now();
    const last = await readCheckpoint(db, DIGEST_CHECKPOINT);
    await advanceCheckpoint(db, DIGEST_CHECKPOINT, now);
    if (last === undefined) return 0;
    const due = cronTimesBetween(this.deps.cron, catalog.timezone, last, now);
    if (due.length === 0) return 0;
    let sent = 0;
    for (const { tenantId } of await listTenants(db)) {
      const periodStart = now - WEEK;
      const rows = await this.deps.workload.digest(tenantId, periodStart);
      if (await this.deps.reminders.enqueueDigest(tenantId, periodStart, rows)) sent++;
    }
    this.deps.logger.info({ tenants: sent }, 'weekly digest queued');
    return sent;
  }
}
