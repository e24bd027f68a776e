/**
 * Just enough JWS (RFC 7515, compact form) for the tests' stand-ins: RS256 signing and checking with node:crypto,
 * and unsigned decoding. Kept here rather than borrowed from jsonwebtoken so that a test's token is built exactly
 * as written — including the broken ones (`alg: none`, no `exp`, a foreign key) a library would refuse to make.
 */
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export interface RsaKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A throwaway 2048-bit RSA key pair (about 50 ms). */
export function newRsaKeyPair(): RsaKeyPair {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs `claims` with RS256 under `header` (alg RS256 and typ JWT unless the header says otherwise). */
export function signJwt(claims: JwtClaims, privateKey: KeyObject, header: Record<string, unknown> = {}): string {
  const input = `${part({ alg: 'RS256', typ: 'JWT', ...header })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

/** A token with `alg: none` and an empty signature. */
export function unsignedJwt(claims: JwtClaims, header: Record<string, unknown> = {}): string {
  return `${part({ alg: 'none', typ: 'JWT', ...header })}.${part(claims)}.`;
}

/** Header and claims of a compact JWT, without checking anything; undefined if it does not parse. */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: JwtClaims } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>,
      claims: JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as JwtClaims,
    };
  } catch {
    return undefined;
  }
}

export interface JwtExpectations {
  readonly publicKey: KeyObject;
  readonly audience: string;
  readonly issuer?: string;
  /** Seconds since the epoch. @default now */
  readonly nowSeconds?: number;
}

/** Why `token` is not an RS256 token for `audience` signed by `publicKey` and valid now, or undefined when it is. */
export function jwtProblem(token: string, expect: JwtExpectations): string | undefined {
  const decoded = decodeJwt(token);
  if (!decoded) return 'not a JWT';
  if (decoded.header.alg !== 'RS256') return `alg ${String(decoded.header.alg)} is not RS256`;
  const [h, p, s] = token.split('.') as [string, string, string];
  if (!verify('sha256', Buffer.from(`${h}.${p}`), expect.publicKey, Buffer.from(s, 'base64url'))) return 'bad signature';
  const now = expect.nowSeconds ?? Math.floor(Date.now() / 1000);
  const { aud, iss, exp, nbf } = decoded.claims;
  if (aud !== expect.audience) return `audience ${JSON.stringify(aud)} is not ${expect.audience}`;
  if (expect.issuer !== undefined && iss !== expect.issuer) return `issuer ${JSON.stringify(iss)} is not ${expect.issuer}`;
  if (typeof exp !== 'number') return 'no exp';
  if (exp <= now) return 'expired';
  if (typeof nbf === 'number' && nbf > now) return 'not yet valid';
  return undefined;
}

/** The public half as a JWK (kty, n, e). */
export function publicJwk(publicKey: KeyObject): { kty: string; n: string; e: string } {
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
  return { kty: jwk.kty, n: jwk.n, e: jwk.e };
}
