/**
 * What a GraphQL error looks like when it leaves cxgraph: the closed set of codes (ours, and Apollo's own request-level
 * ones) as they are, never a stack trace; anything else is a bug of ours, logged in full and answered
 * `Internal server error`.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { APOLLO_REQUEST_CODES } from '../domain/error-codes.js';
import { ERROR_CODES, isCxError } from '../errors/errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';

const OUR_CODES = new Set<string>(ERROR_CODES);

export function formatError(formatted: GraphQLFormattedError, error: unknown, logger: Logger, metrics: Metrics): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = String(formatted.extensions?.code ?? '');
  if (isCxError(original) || OUR_CODES.has(code) || APOLLO_REQUEST_CODES.has(code)) {
    metrics.graphqlErrors.inc({ code });
    // Never a stack trace, whatever the environment.
    const { stacktrace: _drop, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    return { ...formatted, extensions };
  }
  // Apollo's own refusals of a request that carry a 4xx status but no code (e.g. "provided sha does not match
  // query" for a persisted query): the client's mistake, not a bug of ours.
  const requestStatus = (original as { extensions?: { http?: { status?: unknown } } } | undefined)?.extensions?.http?.status;
  if (!formatted.path && typeof requestStatus === 'number' && requestStatus >= 400 && requestStatus < 500) {
    metrics.graphqlErrors.inc({ code: 'BAD_REQUEST' });
    return { message: formatted.message, locations: formatted.locations, extensions: { code: 'BAD_REQUEST' } };
  }
  // Anything else is a bug of ours: log it, tell the client only that it happened.
  logger.error(
    { err: original instanceof Error ? { message: original.message, stack: original.stack } : String(original), path: formatted.path },
    'unexpected resolver error',
  );
  metrics.graphqlErrors.inc({ code: 'INTERNAL_SERVER_ERROR' });
  return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
