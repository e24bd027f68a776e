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
import { OVERSIGHT_TEAM_ID } from '../catalog/catalog.types';
import { cronTimesBetween } from './fire-times';
import type { Db } from '../storage/occurrence.repository';
import type { Database } from '../storage/tables';
import { advanceCheckpoint, claimCheckpoint, listTenants, readCheckpoint } from '../storage/scheduler-state.repository';
import type { Clock } from './clock';
import type { DigestRow } from './delivery.port';
import { singletonKey } from './outbox-message';
import { enqueueMessage, findChannelTarget, transact, type WriteDeps } from './transaction';
import type { WorkloadService } from './workload';

const DIGEST_CHECKPOINT = 'digest';
const WEEK = 7 * 86_400_000;

/** One tenant's digest figures, as `WorkloadService.digest` computes them. */
export interface TenantDigest {
  readonly tenantId: string;
  readonly rows: readonly DigestRow[];
}

/**
 * Claim, then act, for the digest of the digest time `digestAt`: runs `claim` first in one transaction and, only
 * when it wins, enqueues each tenant's digest post to its SOC Oversight channel (tenants without a bound one get
 * none). The claim and the posts commit together: of racing replicas exactly one enqueues, and a crash between
 * the two loses nothing. Each post carries the singleton key (tenant, digest, `digestAt`), so even a second winning
 * claim of the same time adds no row. Returns how many tenants got a digest, or undefined when the claim was lost.
 */
export async function enqueueDigests(
  deps: WriteDeps,
  digestAt: number,
  periodStart: number,
  digests: readonly TenantDigest[],
  claim: (trx: Db) => Promise<boolean>,
): Promise<number | undefined> {
  const now = deps.clock.now();
  return transact(deps, async (trx) => {
    if (!(await claim(trx))) return undefined;
    let sent = 0;
    for (const { tenantId, rows } of digests) {
      const target = await findChannelTarget(trx, tenantId, OVERSIGHT_TEAM_ID);
      if (!target) continue;
      const added = await enqueueMessage(trx, {
        tenantId,
        message: { kind: 'digest.post', target, periodStart, rows },
        at: now,
        singletonKey: singletonKey.digest(tenantId, digestAt),
      });
      if (added) sent++;
    }
    return sent;
  });
}

/**
 * What the job needs of the domain: `enqueueDigests` above, run with the domain's writer (`ReminderService`, whose
 * transactions also wake the delivery worker).
 */
export interface DigestEnqueuer {
  enqueueDigests(digestAt: number, periodStart: number, digests: readonly TenantDigest[], claim: (trx: Db) => Promise<boolean>): Promise<number | undefined>;
}

export class DigestJob {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      catalog: Catalog;
      clock: Clock;
      reminders: DigestEnqueuer;
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
