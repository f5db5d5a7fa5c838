/**
 * Dynamic cache hints, beside the static `@cacheControl` ones of schema/*.graphql (docs/supergraph.md, "Caching"): Apollo
 * Server's cache-control plugin puts `info.cacheControl` on every field's info (absent when the plugin is off).
 */
import type { GraphQLResolveInfo } from 'graphql';

/** Lets the answer be cached `maxAge` seconds at most because of the field being resolved. */
export function cacheAtMost(info: GraphQLResolveInfo, maxAge: number): void {
  (info as { cacheControl?: { cacheHint: { restrict(hint: { maxAge: number }): void } } }).cacheControl?.cacheHint.restrict({ maxAge });
}
