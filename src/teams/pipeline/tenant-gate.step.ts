/**
 * Tenancy: every row is scoped by Teams tenant, so a turn without one goes no further, and neither does one
 * from a tenant off ALLOWED_TENANTS (nothing is stored for it). An invoke is refused with an error answer, so
 * Teams shows one instead of waiting; other activities get no answer at all.
 */
import type { Activity } from 'botbuilder';
import type { Logger } from '../../logger';
import { refuseInvoke } from '../invoke-answers';
import type { TurnStep } from './turn-pipeline';

export interface TenantGateDeps {
  /** Empty: every tenant. */
  readonly allowedTenants: readonly string[];
  /** Tenant assumed when an activity carries none (local mode only). */
  readonly fallbackTenantId?: string;
  readonly logger: Logger;
}

/** Refused tenants remembered (so each is logged once) before the memory starts over. */
const MAX_REMEMBERED_TENANTS = 1000;

/** Sets `turn.tenantId` for an allowed tenant; stops the turn otherwise. */
export function requireAllowedTenant(deps: TenantGateDeps): TurnStep {
  // A tenant that keeps sending would fill the log: say it once per tenant for the life of the process.
  const rejectedTenants = new Set<string>();
  return async (turn, next) => {
    const tenantId = tenantOf(turn.activity) ?? deps.fallbackTenantId;
    if (!tenantId) {
      deps.logger.warn({ activityId: turn.activity.id, route: turn.route }, 'activity without a tenant id ignored');
      if (turn.route === 'card.action') turn.invokeAnswer = refuseInvoke(400, 'no tenant');
      return;
    }
    if (deps.allowedTenants.length > 0 && !deps.allowedTenants.includes(tenantId)) {
      if (!rejectedTenants.has(tenantId)) {
        // Bounded: every made-up tenant id would otherwise be kept (and logged at whatever length it came) for good.
        if (rejectedTenants.size >= MAX_REMEMBERED_TENANTS) rejectedTenants.clear();
        rejectedTenants.add(tenantId);
        deps.logger.warn({ tenantId: tenantId.slice(0, 64) }, 'ignoring activities from a tenant not in ALLOWED_TENANTS (logged once per tenant)');
      }
      if (turn.route === 'card.action') turn.invokeAnswer = refuseInvoke(403, 'tenant not allowed');
      return;
    }
    turn.tenantId = tenantId;
    await next();
  };
}

/** The tenant Teams names: the conversation's, else the one in channelData. */
function tenantOf(activity: Activity): string | undefined {
  const fromConversation = activity.conversation?.tenantId;
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  return typeof fromConversation === 'string' && fromConversation ? fromConversation : typeof fromChannelData === 'string' && fromChannelData ? fromChannelData : undefined;
}
