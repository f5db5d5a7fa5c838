/**
 * In multi-tenant mode an answer holds one tenant's data, but a router's or a CDN's cache keys it by the operation
 * alone: with `Cache-Control: …, public` it could hand tenant A's answer to a caller of tenant B asking the same
 * thing. So every answer is at most PRIVATE there (docs/tenancy.md, "What is isolated, and how"; docs/supergraph.md,
 * "Caching"): a per-caller cache (a browser, Apollo Router's private entity cache with `private_id`) may still keep it
 * for as long as the schema's hints allow. Single-tenant answers are left as they were.
 */
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

export function privateAnswersPlugin<C extends BaseContext>(multiTenant: boolean): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      if (!multiTenant) return;
      return {
        // Apollo's cache-control plugin turns the overall policy into the header in its own willSendResponse. It is
        // installed after the listed plugins, and hooks run in order, so the scope is restricted before it reads it.
        async willSendResponse({ overallCachePolicy }) {
          overallCachePolicy.restrict({ scope: 'PRIVATE' });
        },
      };
    },
  };
}
