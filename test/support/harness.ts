/**
 * Starts cxgraph against simulators over real HTTP: the same createServer as production, configured
 * through the same loadConfig validation, with logs captured.
 */
import { createServer, type CxServer, type CreateServerDeps } from '../../src/server/server.js';
import { loadConfig } from '../../src/app/config.js';
import type { ProviderModule } from '../../src/providers/provider-module.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { LogCapture } from './log-capture.js';

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  raw: string;
  headers: Headers;
}

export interface TestServer {
  server: CxServer;
  url: string;
  logs: LogCapture;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResult<T>>;
  close(): Promise<void>;
}

/** `modules`: the provider module list (PROVIDERS unless a test adds one of its own). */
export async function startServer(
  env: Record<string, string | undefined>,
  deps: CreateServerDeps = {},
  modules: readonly ProviderModule[] = PROVIDERS,
): Promise<TestServer> {
  const logs = new LogCapture();
  // The shared recording cache is off unless a test turns it on: tests count what reaches the platforms per query.
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '0', ...env }, modules);
  const server = await createServer(config, { logger: logs.logger, ...deps });
  const url = await server.listen(0, '127.0.0.1');
  return {
    server,
    url,
    logs,
    gql: (query, variables, headers) => graphql(url, query, variables, headers),
    close: () => server.close(),
  };
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const raw = await res.text();
  const body = JSON.parse(raw) as { data?: T | null; errors?: GraphQLResult['errors'] };
  return { status: res.status, data: body.data, errors: body.errors, raw, headers: res.headers };
}
