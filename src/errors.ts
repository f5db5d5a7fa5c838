/**
 * The one closed set of error codes cxgraph gives clients, and the one place where an upstream failure
 * (HTTP status, OAuth error body, network failure) becomes a GraphQL error — the same role as
 * datasource-rest's `errorFromResponse`. Messages say what was expected and what came; extensions carry
 * the provider, the upstream status and retry hints, never a secret, a token or a stack trace.
 */
import { GraphQLError } from 'graphql';
import type { ProviderName } from './domain/provider-name.js';

export const ERROR_CODES = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  /** Authenticated, but without a scope the field needs (`@requiresScopes`), or a media link that does not verify. */
  'FORBIDDEN',
  'PROVIDER_NOT_CONFIGURED',
  'PROVIDER_AUTH_FAILED',
  'PROVIDER_NEEDS_REAUTHORIZATION',
  'PROVIDER_RATE_LIMITED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_ERROR',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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
}

/** Maps an API (not token endpoint) failure to the closed set. 401s are handled before this by the token manager. */
export function errorFromResponse(f: UpstreamFailure): CxError {
  const detail = upstreamMessage(f.body);
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
  const body = (f.body ?? {}) as Record<string, unknown>;
  const oauthError = typeof body.error === 'string' ? body.error : undefined;
  const providerCode = Array.isArray(body.error_codes) && body.error_codes.length ? `AADSTS${String(body.error_codes[0])}` : undefined;
  const base = { provider: f.provider, upstreamStatus: f.status, oauthError, providerCode };
  if (f.status === 429) {
    return new CxError(`${f.provider} rate-limited the token request (429)`, { ...base, code: 'PROVIDER_RATE_LIMITED', retryAfter: f.retryAfter });
  }
  if (f.status >= 500) {
    return new CxError(`${f.provider} token endpoint failed (${f.status})`, { ...base, code: 'PROVIDER_UNAVAILABLE' });
  }
  if (f.status >= 300 && f.status < 400) {
    // Token requests do not follow redirects (TokenManager.exchange): the configured URL is not the endpoint itself.
    return new CxError(`${f.provider} token endpoint answered with a redirect (${f.status}), which is not followed for token requests: configure the token endpoint's own URL`, {
      ...base,
      code: 'PROVIDER_ERROR',
    });
  }
  if (oauthError === 'invalid_grant') {
    return new CxError(`${f.provider} no longer accepts the stored grant (invalid_grant); authorise again`, {
      ...base,
      code: 'PROVIDER_NEEDS_REAUTHORIZATION',
    });
  }
  const description = typeof body.error_description === 'string' ? firstLine(body.error_description) : undefined;
  const what = oauthError ?? `HTTP ${f.status}`;
  return new CxError(`${f.provider} rejected the token request (${what})${description ? `: ${description}` : ''}`, {
    ...base,
    code: 'PROVIDER_AUTH_FAILED',
  });
}

/** Network-level failure (connection refused/reset, timeout, malformed body). */
export function unavailable(provider: ProviderName, operation: string, cause: unknown): CxError {
  const reason = describeNetworkError(cause);
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

function upstreamMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.length > 0 ? firstLine(body).slice(0, 200) : undefined;
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const k of ['message', 'error_description', 'error', 'title']) {
      if (typeof b[k] === 'string' && b[k]) return firstLine(b[k] as string).slice(0, 200);
    }
  }
  return undefined;
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/, 1)[0] ?? '';
  return line.trim();
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
