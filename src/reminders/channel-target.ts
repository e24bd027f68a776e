/** Where a team's new posts go (transaction.ts re-exports it; escalation.ts uses it too, without a cycle). */
import { findBinding } from '../storage/binding.repository';
import type { Db } from '../storage/occurrence.repository';
import type { ChannelTarget } from './delivery.port';

/** Where a team's new posts go: its channel as recorded when it was bound, unless that binding is inactive. */
export async function findChannelTarget(trx: Db, tenantId: string, teamId: string): Promise<ChannelTarget | undefined> {
  const b = await findBinding(trx, tenantId, teamId);
  if (!b?.active) return undefined;
  return { tenantId, serviceUrl: b.serviceUrl, botId: b.botId, teamsTeamId: b.teamsTeamId, channelId: b.channelId };
}
