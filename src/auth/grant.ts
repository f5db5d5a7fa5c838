/**
 * One OAuth flavour, split as oauth4webapi splits them: building the token request and processing the
 * response are separate, pure steps; the token manager does the I/O, caching and locking for all of them.
 */
import type { ProviderName } from '../domain/provider-name.js';
import type { TokenSet } from './token-set.js';

export interface TokenHttpRequest {
  url: string;
  headers: Record<string, string>;
  /** application/x-www-form-urlencoded body */
  body: URLSearchParams;
}

/** What identifies a token. Never includes a secret: rotating a secret must not strand cached tokens in odd keys. */
export interface GrantIdentity {
  provider: ProviderName;
  tokenUrl: string;
  clientId: string;
  scope: string;
  /** The user or account the token acts for (PBX accounts); empty for app-only tokens. */
  subject?: string;
}

export interface Grant {
  readonly identity: GrantIdentity;
  /**
   * False where the platform forbids renewing a token before it expires (Sangoma: "a token can be renewed
   * only once it is expired"). Such tokens are used to the end of their life and renewed only then, or on a 401.
   */
  readonly renewBeforeExpiry: boolean;
  /** The request for a new token from the grant's primary credentials. Undefined when there are none (consent-only grants). */
  buildRequest?(): TokenHttpRequest;
  /** The refresh_token request, for grants that receive refresh tokens. */
  buildRefreshRequest?(refreshToken: string): TokenHttpRequest;
  /** Turns a 200 body into a TokenSet; defaults to tokenSetFromResponse. */
  processResponse?(body: unknown, requestedAt: number): TokenSet;
}

export function formRequest(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): TokenHttpRequest {
  return { url, headers: { accept: 'application/json', ...headers }, body: new URLSearchParams(fields) };
}

/**
 * HTTP Basic client authentication. `form` (RFC 6749 §2.3.1 client_secret_basic): both parts form-encoded before
 * base64. `raw`: `base64(client_id:client_secret)` as sent, what `curl --user id:secret` sends and what a platform
 * documenting that form expects (Sangoma: docs/providers/sangoma.md#token-request). The two agree for ids and secrets
 * of letters, digits and `-_.!~*'()`.
 */
export function basicAuthorization(clientId: string, clientSecret: string, encoding: 'form' | 'raw' = 'form'): string {
  const enc = encoding === 'raw' ? (s: string) => s : (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`).toString('base64')}`;
}
