/**
 * The Graph side of roles (issue 13) with the bot's real credential path: an MSAL client-credentials token from
 * EntraIdStandIn (HTTPS; its throwaway CA is trusted in-process through tls.setDefaultCACertificates, as
 * NODE_EXTRA_CA_CERTS does for a child process) for `<GRAPH_ENDPOINT>/.default` in the team's tenant, sent to
 * GraphStandIn's `/v1.0/teams/{id}/members`, pages followed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { GraphClient, GraphUnavailable, msalGraphTokens } from '../../src/teams/roles/graph-client';
import { EntraIdStandIn } from '../support/entra-id.stand-in';
import { GraphStandIn } from '../support/graph.stand-in';
import { makeThrowawayTls } from '../support/throwaway-tls';

const APP_ID = '7d3e9c1a-5b2f-4e8d-9a6c-0f1e2d3c4b5a';
const APP_SECRET = 'stand-in-secret';
const TENANT = '11111111-2222-3333-4444-555555555555';
const GROUP = '2b7c4e1d-0000-4000-8000-00000000abcd';

describe('team owners from Microsoft Graph, with the bot\'s app token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soc-graph-'));
  const throwaway = makeThrowawayTls(dir);
  const entra = new EntraIdStandIn({ tls: throwaway, clients: { [APP_ID]: APP_SECRET }, tenant: TENANT, tenantId: TENANT });
  const graph = new GraphStandIn();
  const defaultCAs = tls.getCACertificates('default');

  beforeAll(async () => {
    tls.setDefaultCACertificates([...defaultCAs, throwaway.ca]);
    await entra.start();
    await graph.start();
    graph.pageSize = 2;
    graph.setMembers(GROUP, [
      { userId: 'AAAA0000-0000-4000-8000-000000000001', displayName: 'Olivia', email: 'Olivia@contoso.com', roles: ['owner'] },
      { userId: 'aaaa0000-0000-4000-8000-000000000002', displayName: 'Alex', roles: [] },
      { userId: 'aaaa0000-0000-4000-8000-000000000003', displayName: 'Gary', roles: ['guest'] },
      { userId: 'aaaa0000-0000-4000-8000-000000000004', displayName: 'Sora', roles: ['owner'] },
    ]);
  });

  afterAll(async () => {
    tls.setDefaultCACertificates(defaultCAs);
    await entra.stop();
    await graph.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks Entra for a Graph token in the team\'s tenant, sends it to Graph, and reads owners across pages', async () => {
    // As ToChannelFromBotLoginUrl reads in the public cloud: the bot's login host with the botframework.com tenant.
    const client = new GraphClient({ endpoint: graph.url, token: msalGraphTokens(APP_ID, APP_SECRET, `${entra.origin}/botframework.com`, graph.url) });
    const owners = await client.ownersOf(TENANT, GROUP);
    expect([...owners.ids].sort()).toEqual(['aaaa0000-0000-4000-8000-000000000001', 'aaaa0000-0000-4000-8000-000000000004', 'olivia@contoso.com']);
    expect(entra.grants).toEqual([expect.objectContaining({ clientId: APP_ID, scope: expect.stringContaining(`${graph.url}/.default`), clientAuthenticated: true })]);
    expect(graph.requests.map((r) => r.path)).toEqual([`/v1.0/teams/${GROUP}/members`, `/v1.0/teams/${GROUP}/members`]);
    expect(graph.requests.every((r) => r.authorization === `Bearer ${entra.grants[0]!.accessToken}`)).toBe(true);
    // MSAL keeps the token: a second question costs Graph, not Entra.
    await client.ownersOf(TENANT, GROUP);
    expect(entra.grants).toHaveLength(1);
  });

  it('reports Graph\'s refusal (consent not granted) and a wrong secret as GraphUnavailable', async () => {
    graph.failWith = 403;
    const client = new GraphClient({ endpoint: graph.url, token: msalGraphTokens(APP_ID, APP_SECRET, `${entra.origin}/botframework.com`, graph.url) });
    await expect(client.ownersOf(TENANT, GROUP)).rejects.toEqual(new GraphUnavailable('Graph answered 403', 403));
    graph.failWith = undefined;
    const wrong = new GraphClient({ endpoint: graph.url, token: msalGraphTokens(APP_ID, 'not-the-secret', `${entra.origin}/botframework.com`, graph.url) });
    await expect(wrong.ownersOf(TENANT, GROUP)).rejects.toBeInstanceOf(GraphUnavailable);
  });
});
