/**
 * The one Microsoft Graph call the bot makes: who owns a Teams team. The Bot Framework roster (TeamsInfo) says who
 * is a member or a guest but not who owns the team; Graph's `GET /v1.0/teams/{group-id}/members` does, each
 * member's `roles` containing "owner" for owners (learn.microsoft.com/graph/api/team-list-members). The app reads
 * it with the resource-specific consent permission TeamMember.Read.Group (Application), which a team owner grants
 * when adding the app to the team (manifest `authorization.permissions.resourceSpecific`), so no tenant-wide
 * Graph permission is needed.
 *
 * The token is the bot's own app identity: an OAuth client-credentials grant for `<GRAPH_ENDPOINT>/.default` in
 * the team's tenant, through MSAL as botbuilder gets its Bot Connector token (adapter.ts), under the cloud's login
 * host (ToChannelFromBotLoginUrl) so sovereign clouds work. In local mode there is no app identity: a loopback
 * GRAPH_ENDPOINT (a stand-in) is then asked without a token, as local mode talks to the Bot Connector.
 */
import type { ConfidentialClientApplication } from '@azure/msal-node';
import { isLoopbackHost } from '../../loopback';
import { msalNode } from '../bot-framework';

/** Owners of a team as Graph names them: Entra object ids and e-mail addresses (UPNs in most tenants), lower-cased. */
export interface TeamOwners {
  readonly ids: ReadonlySet<string>;
}

/** The question routes' role lookup asks Graph. Tests may stand in for it. */
export interface TeamOwnerDirectory {
  /** Throws GraphUnavailable when Graph cannot answer (network, consent not granted, throttled). */
  ownersOf(tenantId: string, aadGroupId: string): Promise<TeamOwners>;
}

export class GraphUnavailable extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GraphUnavailable';
  }
}

/** Yields a Graph token for a tenant, or undefined to call without one (local mode, loopback stand-in only). */
export type GraphTokenSource = (tenantId: string) => Promise<string | undefined>;

export interface GraphClientOptions {
  /** GRAPH_ENDPOINT, without a trailing slash. */
  readonly endpoint: string;
  readonly token: GraphTokenSource;
  /** Per request. @default 5000 */
  readonly timeoutMs?: number;
}

/** Graph pages team members 100 at a time by default (999 at most with $top); a SOC team is far smaller. */
const MAX_PAGES = 20;

export class GraphClient implements TeamOwnerDirectory {
  constructor(private readonly opts: GraphClientOptions) {}

  async ownersOf(tenantId: string, aadGroupId: string): Promise<TeamOwners> {
    const ids = new Set<string>();
    let url: string | undefined = `${this.opts.endpoint}/v1.0/teams/${encodeURIComponent(aadGroupId)}/members?$top=999`;
    let token: string | undefined;
    try {
      token = await this.opts.token(tenantId);
    } catch (err) {
      throw new GraphUnavailable(`no Graph token: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
      const body = await this.get(url, token);
      for (const m of Array.isArray(body.value) ? body.value : []) {
        const member = m as { roles?: unknown; userId?: unknown; email?: unknown };
        if (!Array.isArray(member.roles) || !member.roles.some((r) => typeof r === 'string' && r.toLowerCase() === 'owner')) continue;
        if (typeof member.userId === 'string') ids.add(member.userId.toLowerCase());
        if (typeof member.email === 'string' && member.email !== '') ids.add(member.email.toLowerCase());
      }
      const next = body['@odata.nextLink'];
      // Follow Graph's own next page only: the token must not go to a host the answer names.
      url = typeof next === 'string' && next.startsWith(`${this.opts.endpoint}/`) ? next : undefined;
    }
    return { ids };
  }

  private async get(url: string, token: string | undefined): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000) });
    } catch (err) {
      throw new GraphUnavailable(`Graph unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    // 403: the team's owner did not grant TeamMember.Read.Group (or the app is blocked); 429/5xx: try later.
    if (!res.ok) throw new GraphUnavailable(`Graph answered ${res.status}`, res.status);
    const body: unknown = await res.json().catch(() => undefined);
    if (typeof body !== 'object' || body === null) throw new GraphUnavailable('Graph answered something that is not JSON');
    return body as Record<string, unknown>;
  }
}

/**
 * Client-credentials tokens for Graph, one MSAL client per tenant (MSAL caches each tenant's token until shortly
 * before it expires). `loginUrl` is ToChannelFromBotLoginUrl (`https://login.microsoftonline.com/botframework.com`
 * in the public cloud); its host is the cloud's login host, and the tenant replaces its path. The host is named a
 * known authority so MSAL does not ask the public cloud's instance discovery (adapter.ts explains).
 */
export function msalGraphTokens(appId: string, appPassword: string, loginUrl: string, graphEndpoint: string): GraphTokenSource {
  const login = new URL(loginUrl);
  const clients = new Map<string, ConfidentialClientApplication>();
  return async (tenantId) => {
    let client = clients.get(tenantId);
    if (!client) {
      client = new (msalNode().ConfidentialClientApplication)({
        auth: { clientId: appId, clientSecret: appPassword, authority: `${login.origin}/${encodeURIComponent(tenantId)}`, knownAuthorities: [login.host] },
      });
      clients.set(tenantId, client);
      if (clients.size > 1000) clients.delete(clients.keys().next().value as string);
    }
    const result = await client.acquireTokenByClientCredential({ scopes: [`${graphEndpoint}/.default`] });
    if (!result?.accessToken) throw new Error('MSAL returned no access token');
    return result.accessToken;
  };
}

/** Local mode has no app identity: only a Graph stand-in on this machine can be asked, without a token. */
export function isTokenlessGraph(endpoint: string): boolean {
  return isLoopbackHost(new URL(endpoint).hostname);
}
