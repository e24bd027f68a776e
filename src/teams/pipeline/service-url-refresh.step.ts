/**
 * Teams may move a tenant to another service URL; proactive posts must follow it. Every turn from a team
 * carries the URL Teams uses now, so this team's bindings follow it, and only this team's, and only to a trusted
 * URL (the trusted-endpoint step checked it, and BindingService checks again where it is stored).
 */
import type { BindingService } from '../../reminders/binding.service';
import { requireTenantId, type TurnStep } from './turn-pipeline';

export interface ServiceUrlRefreshDeps {
  readonly bindings: Pick<BindingService, 'refreshServiceUrl'>;
}

export function followServiceUrl(deps: ServiceUrlRefreshDeps): TurnStep {
  return async (turn, next) => {
    const teamsTeamId = (turn.activity.channelData as { team?: { id?: unknown } } | undefined)?.team?.id;
    if (typeof teamsTeamId === 'string' && teamsTeamId) await deps.bindings.refreshServiceUrl(requireTenantId(turn), teamsTeamId, turn.activity.serviceUrl);
    await next();
  };
}
