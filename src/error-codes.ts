/**
 * The closed set of error codes cxgraph gives clients (README, "Errors and troubleshooting"). On its own so that the
 * redaction code (src/security/redact.ts), which keeps these codes readable in logs, and src/errors.ts, which scrubs
 * upstream text with it, do not import each other.
 */
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
