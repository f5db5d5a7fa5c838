/**
 * The one closed set of error codes cxgraph gives clients, and the one place where an upstream failure
 * (HTTP status, OAuth error body, network failure) becomes a GraphQL error — the same role as
 * datasource-rest's `errorFromResponse`. Messages say what was expected and what came; extensions carry
 * the provider, the upstream status and retry hints, never a secret, a token or a stack trace.
 *
 * Upstream text (an API's `message`, a token endpoint's `error_description`, a network error's reason) becomes part
 * of a message only here, through scrubUpstreamText (src/security/upstream-text.ts): capped, with every secret the
 * request carried or the grant holds (UpstreamFailure.secrets) and every credential-looking `key=value` removed —
 * so what reaches a GraphQL error, `providers { lastError }` and the log lines made from them is already clean.
 */
import { GraphQLError } from 'graphql';
import type { ProviderName } from '../domain/provider-name.js';

import { ERROR_CODES, type ErrorCode } from '../domain/error-codes.js';
import { scrubUpstreamText } from '../security/upstream-text.js';

export { ERROR_CODES, type ErrorCode };

export interface CxErrorExtensions {
  code: ErrorCode;
  provider?: ProviderName;
  /** HTTP status the upstream answered, when it answered. */
  upstreamStatus?: number;
  /** Seconds the upstream asked us to wait (Retry-After), clamped. */
  retryAfter?: number;
  /** The OAuth `error` code of a token endpoint (`invalid_client`, `invalid_grant`, …). */
  oauthError?: string;
  /** A platform's own error code (CloudCX envelope `code`, Azure AD `AADSTS…`). */
  providerCode?: string;
  /** The offending input field, for BAD_USER_INPUT. */
  field?: string;
  [key: string]: unknown;
}

/** Every failure cxgraph raises on purpose. `cause` is kept for logs and never serialised. */
export class CxError extends GraphQLError {
  declare readonly extensions: CxErrorExtensions;
  constructor(message: string, extensions: CxErrorExtensions, cause?: unknown) {
    super(message, { extensions: stripUndefined(extensions), originalError: cause instanceof Error ? cause : undefined });
    this.name = 'CxError';
  }
  get code(): ErrorCode {
    return this.extensions.code;
  }
}

export function isCxError(e: unknown): e is CxError {
  return e instanceof CxError;
}

export function badInput(message: string, field?: string, provider?: ProviderName): CxError {
  return new CxError(message, { code: 'BAD_USER_INPUT', field, provider });
}

export function notConfigured(provider: ProviderName, variables: string): CxError {
  return new CxError(`${provider} is not configured: set ${variables}.`, { code: 'PROVIDER_NOT_CONFIGURED', provider });
}

/** What an upstream answered, as far as error mapping needs it. */
export interface UpstreamFailure {
  provider: ProviderName;
  /** A short name of what was attempted, e.g. "token request" or "POST /api/v1/search/conversationexists". */
  operation: string;
  status: number;
  body: unknown;
  retryAfter?: number;
  /**
   * What the answer may echo and no message may show: the credentials the request carried, the access and refresh
   * tokens held for its grant, the configured secrets the token manager has used (UpstreamClient fills it in).
   */
  secrets?: readonly string[];
}

/** Maps an API (not token endpoint) failure to the closed set. 401s are handled before this by the token manager. */
export function errorFromResponse(f: UpstreamFailure): CxError {
  const detail = upstreamMessage(f.body, f.secrets);
  const base = { provider: f.provider, upstreamStatus: f.status };
  const said = detail ? `: ${detail}` : '';
  if (f.status === 429) {
    return new CxError(`${f.provider} rate-limited ${f.operation} (429)${said}`, {
      ...base,
      code: 'PROVIDER_RATE_LIMITED',
      retryAfter: f.retryAfter,
    });
  }
  if (f.status === 401 || f.status === 403) {
    return new CxError(`${f.provider} refused the credentials for ${f.operation} (${f.status})${said}`, {
      ...base,
      code: 'PROVIDER_AUTH_FAILED',
    });
  }
  if (f.status >= 500) {
    return new CxError(`${f.provider} failed ${f.operation} (${f.status})${said}`, { ...base, code: 'PROVIDER_UNAVAILABLE' });
  }
  return new CxError(`${f.provider} rejected ${f.operation} (${f.status})${said}`, { ...base, code: 'PROVIDER_ERROR' });
}

/** Maps a token endpoint's OAuth error body (RFC 6749 §5.2) to the closed set. */
export function errorFromTokenResponse(f: UpstreamFailure): CxError {
  const body = (f.body && typeof f.body === 'object' ? f.body : {}) as Record<string, unknown>;
  // Shown as extensions, so only when they are what they claim to be: an RFC 6749 §5.2 error code, Azure's number.
  const oauthError = typeof body.error === 'string' && OAUTH_ERROR.test(body.error) ? body.error : undefined;
  const firstCode = Array.isArray(body.error_codes) ? String(body.error_codes[0]) : '';
  const providerCode = /^\d{1,12}$/.test(firstCode) ? `AADSTS${firstCode}` : undefined;
  const base = { provider: f.provider, upstreamStatus: f.status, oauthError, providerCode };
  if (f.status === 429) {
    return new CxError(`${f.provider} rate-limited the token request (429)`, { ...base, code: 'PROVIDER_RATE_LIMITED', retryAfter: f.retryAfter });
  }
  if (f.status >= 500) {
    return new CxError(`${f.provider} token endpoint failed (${f.status})`, { ...base, code: 'PROVIDER_UNAVAILABLE' });
  }
  if (f.status >= 300 && f.status < 400) {
    // Token requests do not follow redirects (TokenManager.exchange): the configured URL is not the endpoint itself.
    return new CxError(
      `${f.provider} token endpoint answered with a redirect (${f.status}), which is not followed for token requests: configure the token endpoint's own URL`,
      {
        ...base,
        code: 'PROVIDER_ERROR',
      },
    );
  }
  if (oauthError === 'invalid_grant') {
    return new CxError(`${f.provider} no longer accepts the stored grant (invalid_grant); authorise again`, {
      ...base,
      code: 'PROVIDER_NEEDS_REAUTHORIZATION',
    });
  }
  const description = typeof body.error_description === 'string' ? scrubUpstreamText(body.error_description, f.secrets) : undefined;
  const what = oauthError ?? `HTTP ${f.status}`;
  return new CxError(`${f.provider} rejected the token request (${what})${description ? `: ${description}` : ''}`, {
    ...base,
    code: 'PROVIDER_AUTH_FAILED',
  });
}

/** Network-level failure (connection refused/reset, timeout, malformed body). */
export function unavailable(provider: ProviderName, operation: string, cause: unknown, secrets?: readonly string[]): CxError {
  const reason = scrubUpstreamText(describeNetworkError(cause), secrets);
  return new CxError(`${provider} could not be reached for ${operation}: ${reason}`, { code: 'PROVIDER_UNAVAILABLE', provider }, cause);
}

export function describeNetworkError(cause: unknown): string {
  if (cause instanceof Error) {
    if (cause.name === 'TimeoutError' || cause.name === 'AbortError') return 'timed out';
    const inner = (cause as { cause?: { code?: string } }).cause;
    if (inner && typeof inner.code === 'string') return inner.code;
    return cause.message;
  }
  return String(cause);
}

function upstreamMessage(body: unknown, secrets: readonly string[] | undefined): string | undefined {
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    text = ['message', 'error_description', 'error', 'title'].map((k) => b[k]).find((v): v is string => typeof v === 'string' && v.length > 0);
  }
  const safe = text ? scrubUpstreamText(text, secrets) : '';
  return safe || undefined;
}

/** RFC 6749 §5.2 error codes (`invalid_client`, …); anything else in `error` is not shown as one. */
const OAUTH_ERROR = /^[\w.-]{1,64}$/;

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
