/**
 * EntraIdStandIn — a stand-in for Microsoft Entra ID (login.microsoftonline.com), where a bot gets the token it
 * sends to the Bot Connector: an OAuth 2.0 client-credentials grant with MicrosoftAppId / MicrosoftAppPassword,
 * which botbuilder 4.23 makes through MSAL (@azure/msal-node 2.x). HTTPS only (MSAL refuses an http authority), with
 * a certificate from test/support/throwaway-tls.ts.
 *
 * What MSAL asks, and what this answers (paths under the authority, i.e. the ToChannelFromBotLoginUrl
 * `https://127.0.0.1:<port>/<tenant>`):
 *  - GET /<tenant>/v2.0/.well-known/openid-configuration — the authority metadata (token_endpoint, issuer,
 *    authorization_endpoint, jwks_uri: what MSAL's isOpenIdConfigResponse requires). Also served for any other
 *    first segment (`common`), which is where botbuilder's Emulator path looks (ToBotFromEmulatorOpenIdMetadataUrl);
 *  - GET /<tenant>/discovery/v2.0/keys — the JWKS with the signing key (no endorsements, as Entra's);
 *  - POST /<tenant>/oauth2/v2.0/token — `grant_type=client_credentials`, `client_id`, `client_secret`,
 *    `scope=<audience>/.default`: a v1.0 app token like Entra's (aud = the audience, appid = the client, iss =
 *    https://sts.windows.net/<tenant id>/, tid, ver "1.0"), or 401 invalid_client / 400 invalid_scope.
 * MSAL's instance discovery (login.microsoftonline.com/common/discovery/instance) is not served: the bot must not
 * need it (it names the host a known authority).
 *
 * Not emulated: certificates or federated credentials as client authentication, other grants, v2.0 tokens,
 * throttling, key rollover. The client secret is checked, never recorded.
 */
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { newRsaKeyPair, publicJwk, signJwt, type RsaKeyPair } from './jwt';
import type { ThrowawayTls } from './throwaway-tls';

/** The Bot Framework's own tenant, botframework.com (where a multi-tenant bot gets its channel token). */
export const BOTFRAMEWORK_TENANT_ID = 'd6d49420-f39b-4df7-a1dc-d59a935871db';

export interface EntraIdStandInOptions {
  readonly tls: ThrowawayTls;
  /** App registrations: client id → client secret. */
  readonly clients: Readonly<Record<string, string>>;
  /** Path segment of the authority. @default botframework.com */
  readonly tenant?: string;
  /** Tenant id in the tokens' iss and tid. @default BOTFRAMEWORK_TENANT_ID */
  readonly tenantId?: string;
  /**
   * More authority path segments whose token endpoint answers (a customer tenant: the bot asks for a Graph token
   * there, in the team's tenant). @default none
   */
  readonly alsoTenants?: readonly string[];
  /** Token lifetime in seconds. @default 3599 */
  readonly lifetimeSeconds?: number;
}

export interface TokenGrant {
  readonly clientId: string;
  readonly scope: string;
  readonly grantType: string;
  /** Whether the client id and secret matched a registration. */
  readonly clientAuthenticated: boolean;
  /** The token issued, if any. */
  readonly accessToken?: string;
}

export class EntraIdStandIn {
  /** Method and path of every request, in order. */
  readonly requests: string[] = [];
  readonly grants: TokenGrant[] = [];
  private readonly signing: RsaKeyPair = newRsaKeyPair();
  private readonly tenant: string;
  private readonly tenantId: string;
  private server?: https.Server;
  private base?: string;

  constructor(private readonly options: EntraIdStandInOptions) {
    this.tenant = options.tenant ?? 'botframework.com';
    this.tenantId = options.tenantId ?? BOTFRAMEWORK_TENANT_ID;
  }

  async start(): Promise<void> {
    const server = https.createServer({ key: this.options.tls.key, cert: this.options.tls.cert }, (req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get origin(): string {
    if (!this.base) throw new Error('EntraIdStandIn not started');
    return this.base;
  }

  /** The value for ToChannelFromBotLoginUrl. */
  get authorityUrl(): string {
    return `${this.origin}/${this.tenant}`;
  }

  /** The value for ToBotFromEmulatorOpenIdMetadataUrl (Entra's `common` metadata, as in the public cloud). */
  get commonMetadataUrl(): string {
    return `${this.origin}/common/v2.0/.well-known/openid-configuration`;
  }

  /** The key the issued tokens are signed with (for the fake Bot Connector to check them). */
  get publicKey(): KeyObject {
    return this.signing.publicKey;
  }

  /** Tokens' `iss`. */
  get tokenIssuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    this.requests.push(`${method} ${path}`);
    const segments = path.split('/').filter((s) => s !== '');
    const [tenant, ...rest] = segments;
    const tail = rest.join('/');
    if (method === 'GET' && tenant && tail === 'v2.0/.well-known/openid-configuration') {
      const at = `${this.origin}/${tenant}`;
      return json(res, 200, {
        token_endpoint: `${at}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${at}/discovery/v2.0/keys`,
        issuer: `${this.origin}/${this.tenantId}/v2.0`,
        authorization_endpoint: `${at}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${at}/oauth2/v2.0/logout`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        id_token_signing_alg_values_supported: ['RS256'],
        tenant_region_scope: 'WW',
      });
    }
    if (method === 'GET' && tenant && tail === 'discovery/v2.0/keys') {
      return json(res, 200, { keys: [{ ...publicJwk(this.signing.publicKey), use: 'sig', kid: 'entra-stand-in', x5t: 'entra-stand-in' }] });
    }
    if (method === 'POST' && tenant && (tenant === this.tenant || this.options.alsoTenants?.includes(tenant)) && tail === 'oauth2/v2.0/token') {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      const clientId = form.get('client_id') ?? '';
      const scope = form.get('scope') ?? '';
      const grantType = form.get('grant_type') ?? '';
      const registered = Object.hasOwn(this.options.clients, clientId) ? this.options.clients[clientId] : undefined;
      const clientAuthenticated = registered !== undefined && form.get('client_secret') === registered;
      if (grantType !== 'client_credentials') {
        this.grants.push({ clientId, scope, grantType, clientAuthenticated });
        return json(res, 400, { error: 'unsupported_grant_type', error_description: 'AADSTS70003: this stand-in only knows client_credentials.' });
      }
      if (!clientAuthenticated) {
        this.grants.push({ clientId, scope, grantType, clientAuthenticated });
        return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
      }
      const resource = scope.split(' ').find((s) => s.endsWith('/.default'));
      if (!resource) {
        this.grants.push({ clientId, scope, grantType, clientAuthenticated });
        return json(res, 400, { error: 'invalid_scope', error_description: 'AADSTS1002012: a client-credentials scope must end with /.default.' });
      }
      const now = Math.floor(Date.now() / 1000);
      const lifetime = this.options.lifetimeSeconds ?? 3599;
      const accessToken = signJwt(
        {
          aud: resource.slice(0, -'/.default'.length),
          iss: this.tokenIssuer,
          iat: now,
          nbf: now,
          exp: now + lifetime,
          appid: clientId,
          appidacr: '1',
          idp: this.tokenIssuer,
          tid: this.tenantId,
          ver: '1.0',
        },
        this.signing.privateKey,
        { kid: 'entra-stand-in', x5t: 'entra-stand-in' },
      );
      this.grants.push({ clientId, scope, grantType, clientAuthenticated, accessToken });
      return json(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken });
    }
    json(res, 404, { error: 'not_found', error_description: `EntraIdStandIn: no route for ${method} ${path}` });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
