/**
 * Who may read the JSON API (`workload-api.ts`), and the Microsoft signing keys that decide it. In local mode
 * everyone; otherwise a Teams SSO token from the tab (a person of that tenant) or the wall display's DISPLAY_TOKEN
 * (read-only, the home tenant). The routes ask `ApiAuth` and answer a refusal with `sendAuthFailure`; no route is
 * registered here.
 */
import { createHash, createPublicKey, timingSafeEqual, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Request, Response } from 'restify';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { decodeJwtPart } from '../jwt-parts';

/** What the check reads of the configuration. */
export type ApiAuthConfig = Pick<Config, 'localMode' | 'display' | 'microsoftAppId' | 'publicHostname' | 'allowedTenants'>;

/**
 * How a request was let in: `local` (local mode, nobody is checked), `sso` (a Teams SSO token: a person of that
 * tenant), `display` (DISPLAY_TOKEN: the wall display, read-only, the home tenant only).
 */
export type ApiAccess = 'local' | 'sso' | 'display';

/** Who an API request comes from, or why it was refused. */
export type ApiAuthResult =
  | {
      readonly ok: true;
      readonly access: ApiAccess;
      /** The tenant the request may read: the token's (`tid`), the display's; undefined in local mode. */
      readonly tenantId?: string;
      /** The caller's Azure AD object id (`oid`), with an SSO token. */
      readonly userId?: string;
    }
  | { readonly ok: false; readonly status: 401 | 403 | 503; readonly code: string; readonly message: string };

/** What the check reads of a request: the Authorization header; the path and peer address for the log. */
export type ApiAuthRequest = Pick<Request, 'header'> & { readonly method?: string; readonly url?: string; readonly socket?: { readonly remoteAddress?: string } };

export type ApiAuth = (req: ApiAuthRequest) => Promise<ApiAuthResult>;

/** Finds the public key that signed a token, by its key id (`kid`); undefined when the id is unknown. */
export type SigningKeys = (kid: string) => Promise<KeyObject | undefined>;

export interface ApiAuthOptions {
  /** @default microsoftSigningKeys() (fetched from login.microsoftonline.com, cached) */
  readonly keys?: SigningKeys;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Told about display access (never the token). @default silent */
  readonly logger?: Logger;
}

/** Display reads are logged at info the first time per peer address (then debug), up to this many addresses. */
const DISPLAY_PEERS_LOGGED = 1000;

/**
 * Compares a presented bearer with a configured secret (DISPLAY_TOKEN, METRICS_TOKEN) in constant time: both are
 * hashed first, so neither the content nor the length of the secret shows in how long a wrong guess takes.
 */
export function sameSecret(presented: string, secret: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(secret));
}

/** Tolerated clock difference with Entra ID when checking `exp` and `nbf`. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The API's access check. In local mode (no MicrosoftAppId) everyone may read. Otherwise the request must carry
 * either the wall display's DISPLAY_TOKEN (`Authorization: Bearer <DISPLAY_TOKEN>`: read access to the home
 * tenant, whatever `?tenant=` says; logged as `display` access, without the token), or
 * the tab's Teams SSO token (`Authorization: Bearer …`, from `authentication.getAuthToken()`), and the token must:
 * be an RS256 JWT signed by one of Microsoft's signing keys (`keys`), be addressed to this app (`aud` is
 * `api://<PUBLIC_HOSTNAME>/<MicrosoftAppId>` or the app id itself), come from Entra ID for its own tenant (`iss`),
 * be within its validity period (`exp`, `nbf`), and name a tenant in ALLOWED_TENANTS when that list is set.
 *
 * Not checked: scopes (`scp`) and the client application (`azp`/`appid`); any user of an allowed tenant who can
 * obtain a token for this app may read every SOC team's workload of that tenant.
 */
export function createApiAuth(config: ApiAuthConfig, options: ApiAuthOptions = {}): ApiAuth {
  const keys = options.keys ?? microsoftSigningKeys();
  const now = options.now ?? Date.now;
  const display = config.display;
  const loggedPeers = new Set<string>();
  const logDisplay = (req: ApiAuthRequest, tenantId: string) => {
    const peer = req.socket?.remoteAddress ?? 'unknown';
    const first = !loggedPeers.has(peer);
    if (first) {
      if (loggedPeers.size >= DISPLAY_PEERS_LOGGED) loggedPeers.clear();
      loggedPeers.add(peer);
    }
    const path = req.url?.split('?')[0];
    options.logger?.[first ? 'info' : 'debug']({ access: 'display', tenantId, peer, path }, first ? 'API read with the display token (first from this address)' : 'API read with the display token');
  };
  const audiences = new Set<string>();
  if (config.microsoftAppId) {
    audiences.add(config.microsoftAppId);
    if (config.publicHostname) audiences.add(`api://${config.publicHostname}/${config.microsoftAppId}`);
  }
  const refuse = (status: 401 | 403 | 503, code: string, message: string): ApiAuthResult => ({ ok: false, status, code, message });

  return async (req) => {
    if (config.localMode) return { ok: true, access: 'local' };
    const header = req.header('Authorization') ?? '';
    // Before the JWT checks: a display token may contain dots, and must never reach a key lookup.
    const bearer = /^Bearer (\S+)$/.exec(header.trim())?.[1];
    if (display && bearer !== undefined && sameSecret(bearer, display.token)) {
      // The API only reads today; this keeps the display token a reader if a writing route ever uses this check.
      if (req.method !== undefined && req.method !== 'GET' && req.method !== 'HEAD') return refuse(403, 'Forbidden', 'The display token can only read.');
      logDisplay(req, display.tenantId);
      return { ok: true, access: 'display', tenantId: display.tenantId };
    }
    const match = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(header.trim());
    if (!match) return refuse(401, 'Unauthorized', display ? 'A Teams SSO token or the display token is required (Authorization: Bearer …).' : 'A Teams SSO token is required (Authorization: Bearer …).');
    const [, rawHeader, rawPayload, rawSignature] = match;
    const jwtHeader = decodeJwtPart(rawHeader);
    const claims = decodeJwtPart(rawPayload);
    if (!jwtHeader || !claims) return refuse(401, 'Unauthorized', 'The token is not a JSON Web Token.');
    if (jwtHeader.alg !== 'RS256' || typeof jwtHeader.kid !== 'string') return refuse(401, 'Unauthorized', 'The token must be signed with RS256 and name its key.');

    let key: KeyObject | undefined;
    try {
      key = await keys(jwtHeader.kid);
    } catch {
      return refuse(503, 'SigningKeysUnavailable', "Microsoft's token signing keys could not be read; try again shortly.");
    }
    if (!key) return refuse(401, 'Unauthorized', 'The token was signed with an unknown key.');
    const signed = Buffer.from(`${rawHeader}.${rawPayload}`);
    if (!verifySignature('RSA-SHA256', signed, key, Buffer.from(rawSignature, 'base64url'))) return refuse(401, 'Unauthorized', 'The token signature is not valid.');

    const tid = claims.tid;
    if (typeof tid !== 'string' || tid === '') return refuse(401, 'Unauthorized', 'The token names no tenant.');
    const issuers = [`https://login.microsoftonline.com/${tid}/v2.0`, `https://sts.windows.net/${tid}/`];
    if (typeof claims.iss !== 'string' || !issuers.includes(claims.iss)) return refuse(401, 'Unauthorized', "The token was not issued by the tenant's Entra ID.");
    const aud = claims.aud;
    if (typeof aud !== 'string' || !audiences.has(aud)) return refuse(401, 'Unauthorized', 'The token is meant for another application.');
    const at = now();
    if (typeof claims.exp !== 'number' || claims.exp * 1000 + CLOCK_SKEW_MS < at) return refuse(401, 'Unauthorized', 'The token has expired.');
    if (typeof claims.nbf === 'number' && claims.nbf * 1000 - CLOCK_SKEW_MS > at) return refuse(401, 'Unauthorized', 'The token is not valid yet.');
    if (config.allowedTenants.length > 0 && !config.allowedTenants.includes(tid)) return refuse(403, 'Forbidden', 'This tenant may not use this SOC Reminders instance.');
    return { ok: true, access: 'sso', tenantId: tid, userId: typeof claims.oid === 'string' ? claims.oid : undefined };
  };
}

/** Writes a refusal from `createApiAuth` as the API's JSON error. */
export function sendAuthFailure(res: Response, failure: Extract<ApiAuthResult, { ok: false }>): void {
  res.status(failure.status);
  if (failure.status === 401) res.header('WWW-Authenticate', 'Bearer');
  res.json({ error: { code: failure.code, message: failure.message } });
}

/** Microsoft identity platform's published signing keys (the same set signs v1 and v2 tokens). */
export const MICROSOFT_KEYS_URL = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';

/**
 * Microsoft's signing keys, fetched on first use and kept for a day. An unknown key id triggers a refetch (keys
 * roll over), at most every five minutes so that tokens with made-up key ids cannot make us hammer Microsoft.
 * When a refetch fails, keys already known keep working; a key we never saw gives an error (the caller answers 503).
 */
export function microsoftSigningKeys(options: { url?: string; fetchImpl?: typeof fetch; now?: () => number } = {}): SigningKeys {
  const url = options.url ?? MICROSOFT_KEYS_URL;
  const fetchImpl = options.fetchImpl ?? fetch;
  const now = options.now ?? Date.now;
  let cache = new Map<string, KeyObject>();
  let fetchedAt = -Infinity;
  let attemptedAt = -Infinity;
  let inFlight: Promise<void> | undefined;

  const refresh = async (): Promise<void> => {
    attemptedAt = now();
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`signing keys: HTTP ${res.status} from ${url}`);
    const body = (await res.json()) as { keys?: (JsonWebKey & { kid?: string })[] };
    const next = new Map<string, KeyObject>();
    for (const jwk of body.keys ?? []) {
      if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue;
      next.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
    }
    cache = next;
    fetchedAt = now();
  };

  return async (kid) => {
    const stale = now() - fetchedAt > 24 * 3_600_000;
    const unknown = !cache.has(kid);
    if ((stale || unknown) && now() - attemptedAt > 5 * 60_000) {
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      try {
        await inFlight;
      } catch (err) {
        if (!cache.has(kid)) throw err;
      }
    }
    if (fetchedAt === -Infinity) throw new Error(`signing keys: never read from ${url}`);
    return cache.get(kid);
  };
}
