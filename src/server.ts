/**
 * createServer(config, deps): Apollo Server over node:http with the routes beside GraphQL
 * (/healthz, /readyz, /metrics, and provider routes). `src/index.ts` and the tests both use it.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLFormattedError } from 'graphql';
import type { Config } from './config.js';
import { createContext, type Context } from './context.js';
import { ERROR_CODES, isCxError } from './errors.js';
import { subgraphSchema } from './graphql/schema.js';
import { createLogger, type Logger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import { createServices, type ServiceDeps, type Services } from './services.js';

export interface CreateServerDeps extends Partial<ServiceDeps> {
  logger?: Logger;
}

export interface CxServer {
  readonly services: Services;
  readonly httpServer: Server;
  readonly apollo: ApolloServer<Context>;
  /** Starts listening; resolves to the base URL (e.g. http://127.0.0.1:4001). */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, drains in-flight requests, closes the store. */
  close(): Promise<void>;
}

/** Request-level codes Apollo Server itself gives (parse/validation failures); everything else must be ours. */
const APOLLO_REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);
const OUR_CODES = new Set<string>(ERROR_CODES);
const MAX_BODY_BYTES = 1024 * 1024;

type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

export async function createServer(config: Readonly<Config>, deps: CreateServerDeps = {}): Promise<CxServer> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const metrics = deps.metrics ?? new Metrics({ defaultMetrics: true });
  const services = createServices(config, { ...deps, logger, metrics });
  const production = config.nodeEnv === 'production';

  const apollo = new ApolloServer<Context>({
    schema: subgraphSchema(),
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    plugins: [production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })],
    formatError: (formatted, error) => formatError(formatted, error, logger, metrics),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  await apollo.start();

  const routes = new Map<string, RouteHandler>([
    ['GET /healthz', (_req, res) => sendJson(res, 200, { status: 'ok' })],
    [
      'GET /readyz',
      async (_req, res) => {
        const reachable = await services.store.ping();
        // A Redis outage degrades (in-process copies) but does not stop answering: stay in rotation, say so.
        sendJson(res, 200, { status: reachable ? 'ready' : 'degraded', store: services.store.kind, storeReachable: reachable });
      },
    ],
    [
      'GET /metrics',
      async (_req, res) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
      },
    ],
  ]);

  const graphql = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const requestId = requestIdOf(req);
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, MAX_BODY_BYTES);
      if (raw === undefined) return sendJson(res, 413, { errors: [{ message: `Request body larger than ${MAX_BODY_BYTES} bytes`, extensions: { code: 'BAD_USER_INPUT' } }] });
      if ((headers.get('content-type') ?? '').includes('application/json')) {
        try {
          body = raw.length ? JSON.parse(raw) : undefined;
        } catch {
          return sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }] });
        }
      } else body = raw;
    }
    const started = performance.now();
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => createContext(services, requestId, config.publicUrl ?? originOf(req)),
    });
    const out: Record<string, string> = { 'x-request-id': requestId };
    for (const [k, v] of result.headers) out[k] = v;
    res.writeHead(result.status ?? 200, out);
    if (result.body.kind === 'complete') res.end(result.body.string);
    else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
    const op = typeof (body as { operationName?: unknown } | undefined)?.operationName === 'string' ? (body as { operationName: string }).operationName : 'anonymous';
    metrics.operationDuration.observe({ operation: op.slice(0, 64) }, (performance.now() - started) / 1000);
  };

  const httpServer = createHttpServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route =
      routes.get(`${req.method} ${url.pathname}`) ??
      services.routes.find((r) => r.method === req.method && (r.path.endsWith('/') ? url.pathname.startsWith(r.path) : url.pathname === r.path))?.handle;
    const handler = route ?? (url.pathname === '/' || url.pathname === '/graphql' ? graphql : undefined);
    if (!handler) return sendJson(res, 404, { message: `No route for ${req.method} ${url.pathname}` });
    Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err), path: url.pathname }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' });
      else res.end();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    services,
    httpServer,
    apollo,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const a = httpServer.address() as AddressInfo;
          const shownHost = a.address === '0.0.0.0' || a.address === '::' ? 'localhost' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
          resolve(`http://${shownHost}:${a.port}`);
        });
      });
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((r) => httpServer.close(() => r()));
        httpServer.closeIdleConnections();
        // Give in-flight requests a moment to finish, then cut what is left.
        const timer = setTimeout(() => httpServer.closeAllConnections(), 5_000);
        await stopped;
        clearTimeout(timer);
        await apollo.stop();
        await services.close();
      })();
      return closing;
    },
  };
}

function formatError(formatted: GraphQLFormattedError, error: unknown, logger: Logger, metrics: Metrics): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const code = String(formatted.extensions?.code ?? '');
  if (isCxError(original) || OUR_CODES.has(code) || APOLLO_REQUEST_CODES.has(code)) {
    metrics.graphqlErrors.inc({ code });
    // Never a stack trace, whatever the environment.
    const { stacktrace: _drop, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    return { ...formatted, extensions };
  }
  // Anything else is a bug of ours: log it, tell the client only that it happened.
  logger.error({ err: original instanceof Error ? { message: original.message, stack: original.stack } : String(original), path: formatted.path }, 'unexpected resolver error');
  metrics.graphqlErrors.inc({ code: 'INTERNAL_SERVER_ERROR' });
  return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/** The origin the caller used (for links back to us), when no CXGRAPH_PUBLIC_URL is configured. */
function originOf(req: IncomingMessage): string {
  const host = typeof req.headers.host === 'string' && /^[\w.:[\]-]+$/.test(req.headers.host) ? req.headers.host : 'localhost';
  return `http://${host}`;
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Reads the body up to `limit` bytes; undefined when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
