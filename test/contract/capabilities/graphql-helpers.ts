/** Small helpers the capability contracts share. */
import type { GraphQLResult } from '../../support/harness.js';

/** A guard for loops that follow pages: no contract walks more pages than this. */
export const MAX_PAGES = 200;

/**
 * The `field` of each error when every error is BAD_USER_INPUT; any other error shows as `CODE: message`, so a
 * mismatch says what came instead.
 */
export function badInputFields(r: GraphQLResult<unknown>): unknown[] {
  return (r.errors ?? []).map((e) => (e.extensions?.code === 'BAD_USER_INPUT' ? e.extensions.field : `${String(e.extensions?.code)}: ${e.message}`));
}

/**
 * A date-time as a GraphQL string literal, written into the query text rather than passed as a variable: a
 * literal fits an argument of type String! and of a DateTime scalar alike, a variable must name one of them.
 */
export function dateLiteral(iso: string): string {
  return JSON.stringify(iso);
}

export function sum(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
