/**
 * The weekly digest to SOC Oversight: per team, done on time, done late, overdue, skipped and the median time
 * to done over the past week. Its cron (SOC_DIGEST_CRON) is read in the catalog's time zone; the last digest
 * time handled is a checkpoint in the database.
 *
 * Claim, then act. Every replica's heartbeat runs this at the same second, so reading the checkpoint and then
 * moving it would let each of them see the same digest time and send it. Instead the run that sees a digest time
 * due claims it (`claimCheckpoint`: a conditional UPDATE that tells exactly one caller it won) in the same
 * transaction that enqueues the posts, and each post carries a singleton key per (tenant, digest time): the winner
 * sends one per tenant, a loser sends nothing, and a crash before the commit leaves the time unclaimed for the
 * next heartbeat.
 */
import type { Kysely } from 'kysely';
import type { Catalog } from '../catalog/catalog.types';
import { cronTimesBetween } from './fire-times';
import type { Database } from '../storage/tables';
import { advanceCheckpoint, claimCheckpoint, listTenants, readCheckpoint } from '../storage/scheduler-state.repository';
import type { Clock } from './clock';
import type { ReminderService, TenantDigest } from './reminder.service';
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

  /**
   * Sends the digest if a digest time passed since the last one handled (after a downtime that missed several,
   * one digest, for the latest). Returns how many tenants got one from this call: 0 when another replica claimed
   * the digest time first.
   */
  async runDue(): Promise<number> {
    const { db, clock, catalog } = this.deps;
    const now = clock.now();
    const last = await readCheckpoint(db, DIGEST_CHECKPOINT);
    // On the very first run nothing is due. Moving the checkpoint forward decides nothing here, so any replica may.
    if (last === undefined) {
      await advanceCheckpoint(db, DIGEST_CHECKPOINT, now);
      return 0;
    }
    const due = cronTimesBetween(this.deps.cron, catalog.timezone, last, now);
    if (due.length === 0) {
      // Nothing to claim: a replica that claims a digest time meanwhile still finds the checkpoint before it.
      await advanceCheckpoint(db, DIGEST_CHECKPOINT, now);
      return 0;
    }
    const digestAt = due[due.length - 1];
    // The figures are read before the claim: the claim's transaction must not wait on reads (on SQLite they would
    // queue behind it on the one connection). A replica that then loses the claim has read for nothing, once a week.
    const periodStart = now - WEEK;
    const digests: TenantDigest[] = [];
    for (const { tenantId } of await listTenants(db)) digests.push({ tenantId, rows: await this.deps.workload.digest(tenantId, periodStart) });
    const sent = await this.deps.reminders.enqueueDigests(digestAt, periodStart, digests, (trx) => claimCheckpoint(trx, DIGEST_CHECKPOINT, digestAt, now));
    if (sent === undefined) return 0;
    this.deps.logger.info({ tenants: sent, digestAt: new Date(digestAt).toISOString() }, 'weekly digest queued');
    return sent;
  }
}
