/**
 * Cross-origin access for the pages of CXGRAPH_CORS_ORIGINS: the GraphQL endpoint and the signed media links
 * (`/media/…`) answer their preflights and carry `Access-Control-Allow-Origin` for them; nothing else changes.
 *
 * The `cors` package (the one Express and Apollo's own examples use, already under @apollo/server) writes the
 * headers, as plain node:http middleware: it compares origins exactly (a string list), reflects only a listed one,
 * always adds `Vary: Origin`, and never sends `*` with credentials. Which routes it covers, and that a preflight
 * from an origin not listed is left to the routes as before (Apollo's CSRF prevention answers it), is decided here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { CorsConfig } from '../config/browser-access-config.js';
import { isMediaPath } from '../security/media-links.js';

/**
 * Request headers a listed page may send: the GraphQL POST's `content-type`, the caller's `authorization`, the
 * headers Apollo's CSRF prevention accepts (`apollo-require-preflight`, `x-apollo-operation-name`, which APQ GETs
 * send), Apollo Client's client-awareness headers, request ids and trace context, and `range` for media.
 */
export const CORS_ALLOWED_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
  'range',
] as const;
/** Response headers a listed page may read beyond the safelisted ones. */
export const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'content-range', 'accept-ranges'] as const;
export const CORS_METHODS = ['GET', 'HEAD', 'POST'] as const;
/** How long a browser may reuse a preflight (Chromium caps it at 7200 s). */
export const CORS_MAX_AGE_SECONDS = 600;

const GRAPHQL_PATHS = new Set(['/', '/graphql']);

/** Whether cross-origin pages may reach this path at all: GraphQL and the media links, never the operational routes. */
export function isCorsPath(pathname: string): boolean {
  return GRAPHQL_PATHS.has(pathname) || isMediaPath(pathname);
}

/** Returns true when it answered the request itself (a listed origin's preflight); false lets it go on. */
export type CorsHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;

export function createCors(config: CorsConfig): CorsHandler {
  // Unset: not a header changes, so a deployment without the variable behaves exactly as before.
  if (config.origins.length === 0) return () => false;
  const listed = new Set(config.origins);
  const middleware = cors({
    origin: [...config.origins],
    credentials: config.credentials,
    methods: [...CORS_METHODS],
    allowedHeaders: [...CORS_ALLOWED_HEADERS],
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: CORS_MAX_AGE_SECONDS,
    preflightContinue: false,
    optionsSuccessStatus: 204,
  });
  return (req, res, pathname) => {
    if (!isCorsPath(pathname)) return false;
    const origin = req.headers.origin;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    // Another origin's preflight gets what it got before: no CORS headers, so its browser refuses the request.
    if (preflight && !(typeof origin === 'string' && listed.has(origin))) return false;
    let passedOn = false;
    // Synchronous with static options: it either ends a preflight (204) or sets headers and calls next.
    middleware(req, res, () => {
      passedOn = true;
    });
    return !passedOn;
  };
}
