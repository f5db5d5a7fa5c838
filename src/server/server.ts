/**
 * createServer(config, deps): Apollo Server over node:http with the routes beside GraphQL
 * (/healthz, /readyz, /metrics, and provider routes). `src/index.ts` and the tests both use it.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { GraphQLError, type ValidationRule } from 'graphql';
import type { Config } from '../app/config.js';
import { createContext, type Context } from '../graphql/context.js';
import { formatError } from './format-error.js';
import { apqRegistrationLimit, createPersistedQueryCache } from './persisted-queries.js';
import { setUpLandingPage } from '../graphql/landing-page.js';
import { loadTypeDefs, providerEnumGaps, SCHEMA_DIR, subgraphSchema } from '../graphql/schema.js';
import { servedUpstreamCalls } from '../graphql/upstream-calls.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { Metrics } from '../observability/metrics.js';
import { operationPlugin } from '../observability/operation-plugin.js';
import { currentRequestContext, runWithRequestContext } from '../observability/request-context.js';
import { DEADLINE_HEADER, forwardedDeadlineMs, requestDeadline } from '../observability/deadline.js';
import { incomingTraceId, inServerSpan } from '../observability/tracing.js';
import { createCors } from './cors.js';
import { carriesCredentials, createCallerAuth, requiresCallerAuth, sendAuthFailure, type Caller } from './caller-auth.js';
import { createMediaLinks, isMediaPath, sendMediaRefusal, type MediaLinks } from '../security/media-links.js';
import { costLimitPlugin, queryLimitParseOptions, queryLimitRules, RESOLVER_SIZE_LIMITS } from '../security/query-limits.js';
import { createDocumentGate, sendDocumentRefusal } from '../security/persisted-documents.js';
import { withoutSuggestions } from '../security/schema-suggestions.js';
import { enforceScopes } from './scopes.js';
import { readiness } from './readiness.js';
import { privateAnswersPlugin } from '../tenancy/private-answers.js';
import { trustedDocumentsPlugin } from '../security/trusted-documents-plugin.js';
import { createServices, type ServiceDeps, type Services } from '../app/services.js';
import { watchEvictionPolicy } from '../store/eviction-policy.js';

export interface CreateServerDeps extends Partial<ServiceDeps> {
  logger?: Logger;
  /** The schema files (SCHEMA_DIR unless a test serves a copy of its own, e.g. with one more Provider value). */
  schemaDir?: string;
}

export interface CxServer {
  readonly services: Services;
  readonly httpServer: Server;
  readonly apollo: ApolloServer<Context>;
  /** Signs and checks media links (`CallMedia.downloadUrl`); tests sign paths of their own with it. */
  readonly mediaLinks: MediaLinks;
  /** Starts listening; resolves to the base URL (e.g. http://127.0.0.1:4001). */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, drains in-flight requests, closes the store. */
  close(): Promise<void>;
}

type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller) => Promise<void> | void;

export async function createServer(config: Readonly<Config>, deps: CreateServerDeps = {}): Promise<CxServer> {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  // Every module listed must be a value of the schema's Provider enum, or `providers` could not name it.
  const schemaDir = deps.schemaDir ?? SCHEMA_DIR;
  const unnamed = providerEnumGaps(
    config.modules.map((m) => m.name),
    loadTypeDefs(schemaDir),
  );
  if (unnamed.length > 0)
    throw new Error(
      `the Provider enum of schema/providers.graphql does not name ${unnamed.join(', ')}: add each module's name there (CONTRIBUTING.md, "Adding a platform")`,
    );
  const metrics = deps.metrics ?? new Metrics({ defaultMetrics: true });
  const services = createServices(config, { ...deps, logger, metrics });
  const callerAuth = createCallerAuth(config.auth, { logger, tenant: { claim: config.tenancy.claim, header: config.tenancy.header } });
  const maxBodyBytes = config.requestLimits.maxBodyBytes;
  // Links point at CXGRAPH_PUBLIC_URL, else at the address listened on (known once listening): never at a
  // request's Host header, which any client sets.
  let listenUrl = `http://localhost:${config.port}`;
  const mediaLinks = createMediaLinks({ publicUrl: () => config.media.publicUrl ?? listenUrl, ttlSeconds: config.media.ttlSeconds, keys: config.media.keys });
  // CXGRAPH_PERSISTED_DOCUMENTS(_ONLY): listed ids become their documents; with _ONLY nothing else runs.
  const documents = createDocumentGate(config.persistedDocuments, { introspection: config.introspection, maxTokens: config.requestLimits.maxTokens });
  if (config.media.keySource === 'random' && config.providers.some((p) => p.module.capabilities.includes('media'))) {
    logger.warn(
      'media links are signed with a random key of this process: another replica or a restart refuses them. Set CXGRAPH_MEDIA_SIGNING_KEY or CXGRAPH_ENCRYPTION_KEYS to share one',
    );
  }

  // APQ in the shared Redis: a hash registered through one replica runs on every replica (docs/frontends.md, "Automatic persisted queries").
  // CXGRAPH_LANDING_PAGE: Sandbox, the bundled GraphiQL (its files served below) or none; CXGRAPH_CORS_ORIGINS.
  // The two-tenant demo (CXGRAPH_SIMULATORS=multi-tenant): Sandbox opens with the tenant header filled in.
  const demoHeader = config.tenancy.demoTenant && config.tenancy.header ? { [config.tenancy.header]: 'default' } : undefined;
  const landingPage = await setUpLandingPage(config.landingPage, logger, demoHeader);
  const cors = createCors(config.cors);
  // CXGRAPH_CACHE_REDIS_URL: on a Redis of their own, so documents callers register never evict durable records.
  const apqRedis = config.apq.cacheRedisUrl ? { target: { url: config.apq.cacheRedisUrl }, prefix: config.redisPrefix } : config.resilience.fleet;
  const apq = createPersistedQueryCache(apqRedis, logger, config.apq.maxBytes);
  // Whether the store's Redis may evict PBX connections or tokens (docs/security.md, "Redis memory and eviction").
  const storeRedis = config.redisClusterNodes ? { cluster: config.redisClusterNodes } : config.redisUrl ? { url: config.redisUrl } : undefined;
  const evictionPolicy = watchEvictionPolicy(deps.store ? undefined : storeRedis, config.apq.cacheRedisUrl !== undefined, logger);
  const apollo = new ApolloServer<Context>({
    // @requiresScopes of schema/*.graphql checked in front of their resolvers (src/server/scopes.ts).
    // CXGRAPH_SCHEMA_PREFIX renames what the schema files define (src/graphql/schema.ts); resolvers stay as written.
    schema: enforceScopes(subgraphSchema(config.schemaPrefix, schemaDir)),
    // CXGRAPH_INTROSPECTION / CXGRAPH_LANDING_PAGE: on outside production unless configured (docs/frontends.md, "Explore it in Sandbox").
    introspection: config.introspection,
    // Without introspection, graphql-js's "Did you mean …?" would still hand the schema out a name at a time: Apollo
    // strips it from validation errors; formatError (hideSuggestions) from variable coercion errors, which it does not.
    hideSchemaDetailsFromClientErrors: !config.introspection,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // src/index.ts owns SIGTERM/SIGINT: HTTP drains first, then Apollo stops. Apollo's own handlers would stop it
    // underneath the drain and re-send the signal.
    stopOnTerminationSignals: false,
    persistedQueries: { ...(apq ? { cache: apq.cache } : {}), ttl: config.apq.ttlSeconds },
    // Tokens while parsing (graphql-js's parser), depth and aliases with the document (graphql-armor's rules),
    // cost once the variables are known (list sizes).
    validationRules: [knownOperationTypes, ...queryLimitRules(config.requestLimits)],
    parseOptions: queryLimitParseOptions(config.requestLimits),
    plugins: [
      landingPage.plugin,
      // Federated (ftv1) traces for the router, as Apollo would install by itself, minus its start-up log line.
      ApolloServerPluginInlineTrace(),
      operationPlugin(metrics),
      apqRegistrationLimit(config.apq.maxBytes),
      // Before Apollo's cache-control plugin (added after these): one tenant's answer is never `public`.
      privateAnswersPlugin(config.tenancy.multiTenant),
      // _ONLY on the document about to run, however the request named it (APQ from the shared cache, GET…).
      trustedDocumentsPlugin<Context>(config.persistedDocuments, { introspection: config.introspection }),
      costLimitPlugin(config.requestLimits.maxCost, {
        defaultListSize: 10,
        argCaps: { ...RESOLVER_SIZE_LIMITS, keys: config.limits.maxKeysPerBatch },
        maxRepresentations: config.limits.maxKeysPerBatch,
        upstream: {
          maxCalls: config.requestLimits.maxUpstreamCallsPerRequest,
          calls: servedUpstreamCalls(config.schemaPrefix, config.modules.filter((m) => m.capabilities.includes('agents')).length),
        },
      }),
    ],
    formatError: (formatted, error) =>
      formatError(config.introspection ? formatted : { ...formatted, message: withoutSuggestions(formatted.message) }, error, logger, metrics),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  await apollo.start();
  // Serve only once the store knows whether Redis answers (a first connection still being made is not an outage).
  await services.store.firstVerdict?.();

  /** Set by close(): /readyz answers 503 so the router stops sending, and answers say `Connection: close`. */
  let stopping = false;
  const routes = new Map<string, RouteHandler>([
    ['GET /healthz', (_req, res) => sendJson(res, 200, { status: 'ok' })],
    [
      'GET /readyz',
      async (_req, res) => {
        if (stopping) return sendJson(res, 503, { status: 'stopping' });
        // 200 while this replica can serve, whatever the platforms do; each account's state is reported (readiness.ts).
        sendJson(res, 200, await readiness(services, evictionPolicy));
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

  const graphql = async (req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller): Promise<void> => {
    const requestId = currentRequestContext()?.requestId ?? requestIdOf(req);
    // The operation's time starts now (CXGRAPH_REQUEST_DEADLINE_MS, or less if the router forwards less).
    const forwarded = forwardedDeadlineMs(DEADLINE_HEADER, req.headers[DEADLINE_HEADER]);
    if (forwarded.problem) return sendJson(res, 400, { errors: [{ message: forwarded.problem, extensions: { code: 'BAD_REQUEST' } }] });
    const requestContext = currentRequestContext();
    if (requestContext) requestContext.deadline = requestDeadline(config.resilience.requestDeadlineMs, forwarded.ms);
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
      if (raw === undefined)
        return sendJson(res, 413, {
          errors: [{ message: `Request body larger than ${maxBodyBytes} bytes (CXGRAPH_MAX_BODY_BYTES)`, extensions: { code: 'BAD_USER_INPUT' } }],
        });
      if ((headers.get('content-type') ?? '').includes('application/json')) {
        try {
          body = raw.length ? JSON.parse(raw) : undefined;
        } catch {
          return sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_USER_INPUT' } }] });
        }
      } else body = raw;
    }
    // Before Apollo parses anything, so a refused document never reaches a resolver or a platform.
    const admitted = documents.admit(req.method ?? 'GET', url.search, body, caller);
    if (!admitted.ok) {
      metrics.graphqlErrors.inc({ code: admitted.code });
      logger.info({ code: admitted.code }, 'document refused: not a trusted document');
      return sendDocumentRefusal(res, admitted, req.headers.accept);
    }
    const spanAttributes = { 'http.request.method': req.method ?? 'GET', 'url.path': url.pathname, 'cxgraph.request_id': requestId };
    await inServerSpan('graphql.operation', req.headers, spanAttributes, async (span) => {
      const result = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: admitted.search, body: admitted.body },
        context: async () => createContext(services, requestId, { caller, serveScopeDirectives: config.scopeDirectives, mediaUrl: mediaLinks.url }),
      });
      const out: Record<string, string> = { 'x-request-id': requestId };
      // Apollo's `vary` is added to what CORS set (`Vary: Origin`), not written over it.
      for (const [k, v] of result.headers) out[k] = k === 'vary' && res.hasHeader('vary') ? `${String(res.getHeader('vary'))}, ${v}` : v;
      res.writeHead(result.status ?? 200, out);
      span?.setAttribute('http.response.status_code', result.status ?? 200);
      if (result.body.kind === 'complete') res.end(result.body.string);
      else {
        for await (const chunk of result.body.asyncIterator) res.write(chunk);
        res.end();
      }
    });
  };

  const httpServer = createHttpServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    // Every request, whatever its route, runs in its own context: its log lines carry its request id.
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    runWithRequestContext({ requestId, traceId: incomingTraceId(req.headers) }, () => handle(req, res));
  });
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      // A request target that does not parse (`GET //`, `GET http://[`): thrown here it would take the process down.
      return sendJson(res, 400, { errors: [{ message: 'The request target is not a valid URL', extensions: { code: 'BAD_REQUEST' } }] });
    }
    // A listed origin's preflight is answered here, before caller auth (a preflight carries no credentials).
    if (cors(req, res, url.pathname)) return;
    if (landingPage.serveAsset(req, res, url.pathname)) return;
    const route =
      routes.get(`${req.method} ${url.pathname}`) ??
      services.routes.find((r) => r.method === req.method && (r.path.endsWith('/') ? url.pathname.startsWith(r.path) : url.pathname === r.path))?.handle;
    const handler = route ?? (url.pathname === '/' || url.pathname === '/graphql' ? graphql : undefined);
    const authorised = async (): Promise<void> => {
      let caller: Caller = { kind: 'anonymous' };
      if (isMediaPath(url.pathname)) {
        // Media is reached through a signed link only, in every mode and with no header (a browser's <audio src>);
        // a link that does not verify is refused here, before the route could ask the platform for anything.
        const link = mediaLinks.verify(url);
        if (!link.ok) {
          logger.info({ path: url.pathname, reason: link.reason }, 'media link refused');
          return sendMediaRefusal(res, link);
        }
      } else if (requiresCallerAuth(req.method, url, req.headers)) {
        // Caller authentication comes first, before any body is read or route runs: deny unless public.
        const outcome = await callerAuth.authenticate(req.headers);
        if (!outcome.ok) {
          logger.info({ path: url.pathname, reason: outcome.reason, status: outcome.status }, 'caller refused');
          return sendAuthFailure(res, outcome);
        }
        caller = outcome.caller;
      } else if (route && !routes.has(`${req.method} ${url.pathname}`) && carriesCredentials(req.headers)) {
        // A provider's public route (the PBX callback) sent credentials anyway: when they verify, it knows the caller
        // (and refuses one of another tenant); when they do not, it serves the request as it would without them.
        const outcome = await callerAuth.authenticate(req.headers);
        if (outcome.ok) caller = outcome.caller;
      }
      if (!handler) return sendJson(res, 404, { message: `No route for ${req.method} ${url.pathname}` });
      await handler(req, res, url, caller);
    };
    authorised().catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err), path: url.pathname }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' });
      else res.end();
    });
  };

  // Requests in flight, so a shutdown can tell their keep-alive connections to close once answered.
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | undefined;
  httpServer.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (stopping && !res.headersSent) res.setHeader('connection', 'close');
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) drained?.();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    services,
    httpServer,
    apollo,
    mediaLinks,
    listen(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const a = httpServer.address() as AddressInfo;
          const shownHost = a.address === '0.0.0.0' || a.address === '::' ? 'localhost' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
          listenUrl = `http://${shownHost}:${a.port}`;
          resolve(listenUrl);
        });
      });
    },
    close() {
      closing ??= (async () => {
        stopping = true;
        // Still listening while requests in flight are answered: /readyz answers 503 on new connections, so a load
        // balancer takes the replica out (a refused connection looks like a crash to some), and requests that still
        // arrive are answered with `Connection: close`. Idle keep-alive sockets are closed as they go idle.
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        httpServer.closeIdleConnections();
        const idle = setInterval(() => httpServer.closeIdleConnections(), 50);
        // Until nothing is in flight, or the grace period (CXGRAPH_SHUTDOWN_GRACE_MS) is over.
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          drained = resolve;
          timer = setTimeout(resolve, config.resilience.shutdownGraceMs);
          if (inFlight.size === 0) resolve();
        });
        clearTimeout(timer);
        clearInterval(idle);
        // Then stop accepting and cut what is left.
        const stopped = new Promise<void>((r) => httpServer.close(() => r()));
        httpServer.closeAllConnections();
        await stopped;
        await apollo.stop();
        await apq?.close();
        // Releases the token locks still held and closes Redis.
        await services.close();
      })();
      return closing;
    },
  };
}

/**
 * An operation whose type the schema does not have (`subscription { … }`: cxgraph has no Subscription type) is the
 * client's mistake, refused with the other validation failures (400 GRAPHQL_VALIDATION_FAILED). graphql-js 16 has
 * no such rule and fails only when executing ("Schema is not configured to execute subscription operation"), which
 * would reach formatError as an unexpected error.
 */
const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(new GraphQLError(`This schema has no ${node.operation} operations: it answers queries and mutations`, { nodes: node }));
  },
});

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
