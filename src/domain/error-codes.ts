/**
 * The closed set of error codes cxgraph gives clients (docs/operating.md, "Errors and troubleshooting"). On its own so that the
 * redaction code (src/security/redact.ts), which keeps these codes readable in logs, and src/errors/errors.ts, which scrubs
 * upstream text with it, do not import each other.
 *
 * Clients get the same set as `enum ErrorCode` (schema/errors.graphql), which their codegen turns into a type. The
 * compiler holds the two together in src/graphql/error-code-enum.ts (the schema is the GraphQL layer's, and domain
 * depends on nothing), and test/unit/error-code-enum.test.ts compares the enum's values and order with this list.
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

/** Request-level codes Apollo Server itself gives (parse and validation failures, APQ, the safelist): never cxgraph's. */
export const APOLLO_REQUEST_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'QUERY_NOT_IN_SAFELIST',
]);
