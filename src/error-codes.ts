/**
 * The closed set of error codes cxgraph gives clients (README, "Errors and troubleshooting"). On its own so that the
 * redaction code (src/security/redact.ts), which keeps these codes readable in logs, and src/errors.ts, which scrubs
 * upstream text with it, do not import each other.
 *
 * Clients get the same set as `enum ErrorCode` (schema/errors.graphql), which their codegen turns into a type. The
 * compiler holds the two together here (`satisfies` and `SameSet` below: a code in one and not the other does not
 * type-check), and test/unit/error-code-enum.test.ts compares the enum's values and order with this list.
 */
import type { ErrorCode as SchemaErrorCode } from './__generated__/resolvers-types.js';

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
] as const satisfies readonly SchemaErrorCode[];
export type ErrorCode = (typeof ERROR_CODES)[number];

/** true only when every code of the schema's enum is in ERROR_CODES too (`satisfies` above checks the other way). */
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaEnumListed: SameSet<SchemaErrorCode, ErrorCode> = true;
void _schemaEnumListed;
