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
  let expiresAt = requestedAt + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_SECONDS) * 1000;
  const jwtExp = jwtExpiry(b.access_token);
  if (jwtExp !== undefined && jwtExp < expiresAt) expiresAt = jwtExp;
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
  if (token.split('.').length !== 3) return undefined;
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
