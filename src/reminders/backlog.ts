/**
 * The backlog of a team that had no usable channel: its open tasks were recorded but not posted. When a channel is
 * bound (`BindingService.bind`), their posts are enqueued here, oldest first as the caller lists them.
 */
import { findOccurrence } from '../storage/occurrence.repository';
import { enqueueReminderPost, transact, type WriteDeps } from './transaction';

/**
 * Enqueues the posts of the listed occurrences that are still open, unposted and the team's (a task closed or
 * posted meanwhile is left alone). Returns how many were enqueued.
 */
export async function postUnposted(deps: WriteDeps, tenantId: string, teamId: string, occurrenceIds: readonly string[]): Promise<number> {
  const now = deps.clock.now();
  return transact(deps, async (trx) => {
    let count = 0;
    for (const id of occurrenceIds) {
      const o = await findOccurrence(trx, tenantId, id);
      if (o?.state !== 'open' || o.postedActivityId || o.teamId !== teamId) continue;
      if (await enqueueReminderPost(trx, o, now)) count++;
    }
    return count;
  });
}
