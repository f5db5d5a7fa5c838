/**
 * The schema's `enum ErrorCode` (schema/errors.graphql) and the domain's ERROR_CODES are one set: a code in one and
 * not the other does not type-check here. test/unit/error-code-enum.test.ts also compares their order.
 */
import type { ErrorCode as SchemaErrorCode } from '../__generated__/resolvers-types.js';
import type { ErrorCode } from '../domain/error-codes.js';

/** true only when A and B hold the same members. */
type SameSet<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Checked by the compiler; exported so the check is not an unused local. */
export const SCHEMA_ENUM_MATCHES_ERROR_CODES: SameSet<SchemaErrorCode, ErrorCode> = true;
