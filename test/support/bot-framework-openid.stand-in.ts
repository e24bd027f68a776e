/**
 * BotFrameworkOpenIdStandIn — a stand-in for the Bot Framework's token signing service, login.botframework.com
 * (ToBotFromChannelOpenIdMetadataUrl). Teams' channel service signs every request it sends a bot with one of the
 * keys published there; botbuilder fetches the OpenID metadata, then its `jwks_uri`, and checks the token's
 * signature, issuer, audience, times, the key's `endorsements` (the channels a key may sign for) and the
 * `serviceurl` claim.
 *
 * What it serves (plain HTTP on 127.0.0.1, port 0):
 *  - GET /v1/.well-known/openidconfiguration — shaped as Microsoft's (issuer, jwks_uri, algorithms);
 *  - GET /v1/.well-known/keys — a JWKS of throwaway RSA keys made at construction, each with its `endorsements`.
 * And for the test: `sign()` mints tokens with a published key, or with any key under a published key id (a forger).
 *
 * Not emulated: key rollover, caching headers, the real service's other documents.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { newRsaKeyPair, publicJwk, signJwt, unsignedJwt, type JwtClaims, type RsaKeyPair } from './jwt';

export interface StandInKey {
  readonly kid: string;
  /** Channel ids this key may sign for, e.g. ['msteams']. */
  readonly endorsements: readonly string[];
}

export interface SignOptions {
  /** Key id in the token's header. @default the first key */
  readonly kid?: string;
  /** Sign with this key instead of the published key of `kid` (a forger who knows the kid only). */
  readonly keyPair?: RsaKeyPair;
  /** Header fields to add or override (e.g. alg). */
  readonly header?: Record<string, unknown>;
}

export class BotFrameworkOpenIdStandIn {
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  private readonly pairs = new Map<string, RsaKeyPair>();
  private server?: http.Server;
  private base?: string;

  /** @param issuer the `issuer` of the metadata document (the Bot Framework's: https://api.botframework.com). */
  constructor(
    private readonly keys: readonly StandInKey[],
    readonly issuer = 'https://api.botframework.com',
  ) {
    for (const key of keys) this.pairs.set(key.kid, newRsaKeyPair());
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The value for ToBotFromChannelOpenIdMetadataUrl. */
  get metadataUrl(): string {
    return `${this.origin}/v1/.well-known/openidconfiguration`;
  }

  get origin(): string {
    if (!this.base) throw new Error('BotFrameworkOpenIdStandIn not started');
    return this.base;
  }

  /** A compact RS256 token over `claims`. */
  sign(claims: JwtClaims, options: SignOptions = {}): string {
    const kid = options.kid ?? this.keys[0]!.kid;
    const pair = options.keyPair ?? this.pairs.get(kid);
    if (!pair) throw new Error(`BotFrameworkOpenIdStandIn: no key ${kid} (pass keyPair to sign under an unpublished kid)`);
    return signJwt(claims, pair.privateKey, { kid, x5t: kid, ...options.header });
  }

  /** A token with `alg: none` under a published kid. */
  unsigned(claims: JwtClaims, kid = this.keys[0]!.kid): string {
    return unsignedJwt(claims, { kid });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push(path);
    if (req.method === 'GET' && path === '/v1/.well-known/openidconfiguration') {
      json(res, 200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.origin}/v1/.well-known/authorize`,
        jwks_uri: `${this.origin}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
      return;
    }
    if (req.method === 'GET' && path === '/v1/.well-known/keys') {
      json(res, 200, {
        keys: this.keys.map((k) => ({ ...publicJwk(this.pairs.get(k.kid)!.publicKey), use: 'sig', kid: k.kid, x5t: k.kid, endorsements: [...k.endorsements] })),
      });
      return;
    }
    json(res, 404, { error: 'not found' });
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(payload) });
  res.end(payload);
}
