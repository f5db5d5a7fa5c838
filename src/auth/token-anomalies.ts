/**
 * Token endpoints that answer without failing but would make every query fetch a token (issue 17 item 6):
 * - the token it hands back is the very one the API has just refused with 401 (sameTokenAgain): counted as a failed
 *   token request, so the grant backs off (token-backoff.ts);
 * - the JWT's `exp` has passed when it arrives though the endpoint has just issued it: the endpoint's clock is behind
 *   ours (token-set.ts, jwtClockSkew). The token is kept for the lifetime its issuer gave it; one warning per grant
 *   says "clock skew of N s". Such a token is no sign of health until the API accepts it, and if the API refuses it
 *   (it really was expired) the grant backs off as after a failure (expiredOnIssue).
 */
import { CxError } from '../errors/errors.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { ConnectionStatus } from '../observability/connection-status.js';
import { fingerprint } from './token-key.js';
import { jwtClockSkew, type TokenSet } from './token-set.js';

/** The token endpoint answered with the token the API has just refused: the error, recorded in the status. */
export function sameTokenAgain(provider: ProviderName, status?: ConnectionStatus): CxError {
  return recorded(
    status,
    new CxError(`${provider} token endpoint answered with the access token the API had just refused (same token returned after 401)`, {
      code: 'PROVIDER_AUTH_FAILED',
      provider,
      upstreamStatus: 200,
    }),
  );
}

/** The API refused a token whose `exp` had passed on arrival: the error, recorded in the status. */
export function expiredOnIssue(provider: ProviderName, status?: ConnectionStatus): CxError {
  return recorded(
    status,
    new CxError(`${provider} refused (401) a token whose exp had already passed when it was issued: the token endpoint issues expired tokens`, {
      code: 'PROVIDER_AUTH_FAILED',
      provider,
      upstreamStatus: 401,
    }),
  );
}

function recorded(status: ConnectionStatus | undefined, e: CxError): CxError {
  status?.failed(e.extensions.provider as ProviderName, e);
  return e;
}

/** Tokens that arrived with their `exp` past, by fingerprint, and the grants whose skew has been reported. */
export class SkewedTokens {
  private readonly tokens = new Set<string>();
  private readonly reported = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Notes `token` of grant `key` if its `exp` had passed when it was asked for; warns once per grant. */
  note(key: string, provider: ProviderName, token: TokenSet, requestedAt: number): void {
    const lifetimeS = (token.expiresAt - token.obtainedAt) / 1000;
    const skew = jwtClockSkew(token.accessToken, requestedAt, lifetimeS);
    if (!skew) return;
    if (this.tokens.size > 10_000) this.tokens.clear();
    this.tokens.add(fingerprint(token.accessToken));
    if (this.reported.has(key)) return;
    if (this.reported.size > 10_000) this.reported.clear();
    this.reported.add(key);
    this.logger.warn(
      { provider, clockSkewS: skew.skewS, lifetimeS: Math.round(lifetimeS) },
      `${provider} token endpoint issued a token whose exp had already passed: clock skew of ${skew.skewS} s between it and cxgraph; the token is kept for its stated lifetime (${Math.round(lifetimeS)} s)`,
    );
  }

  has(accessToken: string): boolean {
    return this.tokens.size > 0 && this.tokens.has(fingerprint(accessToken));
  }

  /** Forgets the token; true when it was one. */
  delete(accessToken: string): boolean {
    return this.tokens.size > 0 && this.tokens.delete(fingerprint(accessToken));
  }
}
