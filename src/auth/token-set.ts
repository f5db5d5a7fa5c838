/**
 * What a token endpoint gave us, with absolute times so it can be cached and shared between replicas.
 */
import { decodeJwt } from 'jose';
import { CxError } from '../errors/errors.js';
import type { ProviderName } from '../domain/provider-name.js';

export interface TokenSet {
  accessToken: string;
  tokenType: string;
  /** Epoch ms when the request for this token was sent: lifetimes count from there, never from receipt. */
  obtainedAt: number;
  /** Epoch ms after which the token must not be used; at most MAX_TOKEN_LIFETIME_SECONDS after `obtainedAt`. */
  expiresAt: number;
  refreshToken?: string;
  scope?: string;
}

/** Used when a token endpoint omits `expires_in` and the token is opaque (docs/providers/pbx.md, "token lifetimes"). */
export const DEFAULT_LIFETIME_SECONDS = 3600;

/**
 * The longest a token is kept, whatever `expires_in` or the JWT's `exp` say: 400 days, above the longest lifetime a
 * platform documents (Sangoma: about a year, docs/providers/sangoma.md#authentication). A platform (or anything
 * answering in its name) that claims `exp: 1e20` does not get a token cxgraph would use, and keep in the store, forever.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 400 * 24 * 3600;

/** The token with its expiry no later than MAX_TOKEN_LIFETIME_SECONDS after it was asked for. */
export function withCappedLifetime(t: TokenSet): TokenSet {
  const latest = t.obtainedAt + MAX_TOKEN_LIFETIME_SECONDS * 1000;
  return t.expiresAt > latest || Number.isNaN(t.expiresAt) ? { ...t, expiresAt: latest } : t;
}

/**
 * Standard processing of a successful RFC 6749 §5.1 response. The expiry is the earlier of `expires_in`
 * and the JWT's `exp` (read with jose, not hand-decoded), because some platforms (CallJourney's guide)
 * tell clients to trust `exp`.
 */
export function tokenSetFromResponse(provider: ProviderName, body: unknown, requestedAt: number): TokenSet {
  if (!body || typeof body !== 'object') {
    throw new CxError(`${provider} token endpoint answered 200 without a JSON object`, { code: 'PROVIDER_ERROR', provider });
  }
  const b = body as Record<string, unknown>;
  if (typeof b.access_token !== 'string' || b.access_token.length === 0) {
    throw new CxError(`${provider} token endpoint answered 200 without an access_token`, { code: 'PROVIDER_ERROR', provider });
  }
  const expiresIn = Number(b.expires_in);
  const givenLifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined;
  let expiresAt = requestedAt + (givenLifetime ?? DEFAULT_LIFETIME_SECONDS) * 1000;
  const skew = jwtClockSkew(b.access_token, requestedAt, givenLifetime);
  if (skew) expiresAt = Math.min(expiresAt, requestedAt + skew.lifetimeS * 1000);
  else {
    const jwtExp = jwtExpiry(b.access_token);
    if (jwtExp !== undefined && jwtExp < expiresAt) expiresAt = jwtExp;
  }
  return {
    accessToken: b.access_token,
    tokenType: typeof b.token_type === 'string' ? b.token_type : 'Bearer',
    obtainedAt: requestedAt,
    expiresAt,
    refreshToken: typeof b.refresh_token === 'string' && b.refresh_token ? b.refresh_token : undefined,
    scope: typeof b.scope === 'string' ? b.scope : undefined,
  };
}

/** The JWT `exp` in epoch ms, or undefined when the token is not a JWT or has no `exp`. */
export function jwtExpiry(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** Shortest lifetime given to a token whose issuer's clock is off and that says nothing else about its lifetime. */
export const SKEWED_FALLBACK_LIFETIME_SECONDS = 60;

/**
 * The issuer's clock is behind ours (issue 17 item 6b): the JWT's `exp` is already past when the token arrives,
 * though the endpoint has just issued it (`expires_in: 3600`). Read by our clock, such an `exp` would make every
 * query fetch another token. The token's times are the issuer's, so its lifetime is what `exp` less `iat` and
 * `expires_in` say (the shorter), counted from when it was asked for, or SKEWED_FALLBACK_LIFETIME_SECONDS when
 * neither says. `skewS` is how far behind the issuer's clock is, estimated from `iat` (else from `expires_in`).
 * Undefined when the token is no JWT or its `exp` is still ahead.
 */
export function jwtClockSkew(token: string, requestedAt: number, expiresInS?: number): { skewS: number; lifetimeS: number } | undefined {
  const claims = jwtClaims(token);
  if (!claims || typeof claims.exp !== 'number' || claims.exp * 1000 > requestedAt) return undefined;
  const iat = typeof claims.iat === 'number' && claims.iat < claims.exp ? claims.iat : undefined;
  const lifetimes = [expiresInS, iat !== undefined ? claims.exp - iat : undefined].filter((v): v is number => v !== undefined && v > 0);
  const lifetimeS = lifetimes.length ? Math.min(...lifetimes) : SKEWED_FALLBACK_LIFETIME_SECONDS;
  const issuerNow = iat ?? claims.exp - (expiresInS ?? 0);
  return { skewS: Math.max(0, Math.round(requestedAt / 1000 - issuerNow)), lifetimeS };
}

function jwtClaims(token: string): { exp?: unknown; iat?: unknown } | undefined {
  if (token.split('.').length !== 3) return undefined;
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}
