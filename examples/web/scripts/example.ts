/**
 * `npm run example` (at the repository's root): cxgraph on the embedded default (the five simulated platforms) and
 * the reference app in Vite's dev server, which proxies GraphQL, media links and the PBX callback to cxgraph.
 *
 * - cxgraph runs as `npm start` runs it (`node --import tsx src/index.ts`) in a child process, with no provider
 *   variable from your environment (so always the simulators; `.env` is not read), on 127.0.0.1:4001 (PORT), with
 *   CXGRAPH_PUBLIC_URL set to the app's origin (media links and the PBX callback go through the proxy),
 *   PBX_RETURN_URL to the app's /pbx-connected.html (the consent popup closes itself), and
 *   CXGRAPH_PERSISTED_DOCUMENTS to the app's manifest. Other CXGRAPH_* variables and LOG_LEVEL are passed on:
 *   `CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true npm run example` refuses every document the app did not list.
 * - The app is served on http://localhost:5173/ (WEB_PORT).
 * - `CXGRAPH_SIMULATORS=multi-tenant npm run example`: cxgraph serves two demo tenants (default and demo-b) and the
 *   app gets a tenant switcher (VITE_CXGRAPH_TENANTS) that names the chosen one in x-tenant-id.
 * - `--supergraph`: cxgraph with CXGRAPH_SCHEMA_PREFIX=Cx composed with a small company subgraph behind a gateway
 *   (scripts/supergraph.ts) that runs only the app's documents; the app is built with VITE_CXGRAPH_PREFIX=Cx and
 *   sends GraphQL to the gateway (media links and the PBX callback still go to cxgraph).
 *
 * `startExample` is what the browser test starts, on free ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import { readNoArgumentCommandLine } from '../../../src/command-line.js';
import { DEMO_TENANT } from '../../../src/tenancy/tenancy-config.js';
import { webConfig } from '../vite.config.js';
import { manifestOf, prefixedDocuments } from './persisted-query-manifest.js';
import { startCompanySubgraph, startGateway, type Stoppable } from './supergraph.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MANIFEST_PATH = fileURLToPath(new URL('../persisted-query-manifest.json', import.meta.url));
/** The week the simulators' sample calls are in (src/simulators/nvm/data.ts, src/simulators/pbx/data.ts). */
export const SAMPLE_CALLS_WEEK = '2024-05-01';
/** The schema prefix of `--supergraph`. */
export const SUPERGRAPH_PREFIX = 'Cx';

export interface ExampleOptions {
  cxgraphPort?: number;
  webPort?: number;
  /** Where the app listens (default localhost); cxgraph listens on 127.0.0.1 only, reached through the proxy. */
  host?: string;
  /** More variables for cxgraph (they win over the ones set here). */
  env?: Record<string, string>;
  /** true: cxgraph's output goes to the terminal as it comes; false: it is kept (`output()`), as a test wants. */
  inheritOutput?: boolean;
  /** Serve the app through a gateway over cxgraph (prefixed) and a company subgraph (`--supergraph`). */
  supergraph?: boolean;
  /** The gateway's port with `supergraph` (default: any free one). */
  gatewayPort?: number;
}

export interface Example {
  appUrl: string;
  cxgraphUrl: string;
  /** Where the app's GraphQL goes: cxgraph, or the gateway with `supergraph`. */
  graphqlUrl: string;
  /** Root URL of each simulator by provider (their `/__sim/` control API), from cxgraph's first log lines; empty with inheritOutput. */
  simulators: Record<string, string>;
  /** What cxgraph wrote so far (without inheritOutput). */
  output(): string;
  stop(): Promise<void>;
}

/** The variables of a fresh shell, and what the example passes on; never a provider's credentials. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && (['PATH', 'HOME', 'TMPDIR', 'LANG', 'TERM', 'NODE_OPTIONS', 'LOG_LEVEL'].includes(k) || k.startsWith('CXGRAPH_'))) env[k] = v;
  }
  return { ...env, ...extra };
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`cxgraph stopped (exit code ${child.exitCode}) before answering:\n${output()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`cxgraph did not answer ${url}/healthz within ${timeoutMs / 1000} s:\n${output()}`);
}

/** The simulators' URLs from cxgraph's embedded-default log line (`simulators: { PBX: "http://127.0.0.1:…", … }`). */
function simulatorsIn(output: string): Record<string, string> {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { simulators?: Record<string, string> };
      if (entry.simulators) return entry.simulators;
    } catch {
      // not a log line
    }
  }
  return {};
}

export async function startExample(opts: ExampleOptions = {}): Promise<Example> {
  const cxgraphPort = opts.cxgraphPort ?? 4001;
  const webPort = opts.webPort ?? 5173;
  const host = opts.host ?? 'localhost';
  const appUrl = `http://${host}:${webPort}`;
  const cxgraphUrl = `http://127.0.0.1:${cxgraphPort}`;
  const prefix = opts.supergraph ? SUPERGRAPH_PREFIX : '';
  const env = childEnv({
    PORT: String(cxgraphPort),
    HOST: '127.0.0.1',
    CXGRAPH_PUBLIC_URL: appUrl,
    PBX_RETURN_URL: `${appUrl}/pbx-connected.html`,
    // Behind the gateway the gateway safelists the app's documents; cxgraph serves the prefixed schema, without
    // @requiresScopes, which @apollo/gateway refuses to serve (a GraphOS router enforces them; docs/supergraph.md).
    ...(opts.supergraph ? { CXGRAPH_SCHEMA_PREFIX: prefix, CXGRAPH_SCOPE_DIRECTIVES: 'off' } : { CXGRAPH_PERSISTED_DOCUMENTS: MANIFEST_PATH }),
    ...opts.env,
  });
  // The two demo tenants: the app offers both, and names the chosen one in x-tenant-id (src/settings.ts).
  const tenants: Record<string, string> = env['CXGRAPH_SIMULATORS'] === 'multi-tenant' ? { VITE_CXGRAPH_TENANTS: `default,${DEMO_TENANT}` } : {};

  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    env,
    stdio: opts.inheritOutput ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stopCxgraph = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  let vite: ViteDevServer | undefined;
  const federation: Stoppable[] = [];
  let graphqlUrl = cxgraphUrl;
  const stopFederation = () => Promise.all(federation.splice(0).map((s) => s.stop()));
  try {
    await waitForHealth(cxgraphUrl, child, () => output);
    if (opts.supergraph) {
      const company = await startCompanySubgraph(prefix);
      federation.push(company);
      const { operations } = manifestOf(prefixedDocuments(prefix));
      const gateway = await startGateway(
        [
          { name: 'cxgraph', url: `${cxgraphUrl}/` },
          { name: 'company', url: company.url },
        ],
        operations,
        opts.gatewayPort,
      );
      federation.push(gateway);
      graphqlUrl = gateway.url;
    }
    vite = await createServer({
      ...webConfig({
        cxgraphUrl,
        graphqlUrl,
        port: webPort,
        host,
        env: { VITE_CALLS_WEEK_OF: SAMPLE_CALLS_WEEK, ...(prefix ? { VITE_CXGRAPH_PREFIX: prefix } : {}), ...tenants },
      }),
      configFile: false,
      clearScreen: false,
      logLevel: opts.inheritOutput ? 'info' : 'warn',
    });
    await vite.listen();
  } catch (err) {
    await vite?.close();
    await stopFederation();
    await stopCxgraph();
    throw err;
  }
  const server = vite;
  return {
    appUrl,
    cxgraphUrl,
    graphqlUrl,
    simulators: simulatorsIn(output),
    output: () => output,
    async stop() {
      await server.close();
      await stopFederation();
      await stopCxgraph();
    },
  };
}

const USAGE = `Usage: npm run example [-- --supergraph]          (at the repository's root)

Starts cxgraph on the built-in simulators (127.0.0.1:4001) and the reference web app in Vite's dev server
(http://localhost:5173/), which proxies GraphQL, media links and the PBX callback to cxgraph. Ctrl-C stops both.

  --supergraph     serve the app through a gateway (on GATEWAY_PORT, default 4000) composing cxgraph under
                   CXGRAPH_SCHEMA_PREFIX=Cx with a small company subgraph; the app is built with
                   VITE_CXGRAPH_PREFIX=Cx and only its documents run at the gateway

Environment:

  PORT, WEB_PORT                              cxgraph's port (4001) and the app's (5173)
  CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true       cxgraph runs nothing but the app's documents
  CXGRAPH_SIMULATORS=multi-tenant             two demo tenants (default, ${DEMO_TENANT}); the app switches between them
  CXGRAPH_*, LOG_LEVEL                        passed on to cxgraph (provider variables and .env are not)

  -h, --help       print this and exit
`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const supergraph = args.includes('--supergraph');
  readNoArgumentCommandLine(
    'npm run example',
    USAGE,
    args.filter((a) => a !== '--supergraph'),
  );
  const example = await startExample({
    cxgraphPort: Number(process.env.PORT ?? 4001),
    webPort: Number(process.env.WEB_PORT ?? 5173),
    gatewayPort: Number(process.env.GATEWAY_PORT ?? 4000),
    inheritOutput: true,
    supergraph,
  });
  const only = /^true$/i.test(process.env.CXGRAPH_PERSISTED_DOCUMENTS_ONLY ?? '');
  process.stdout.write(
    [
      '',
      `  cxgraph (built-in simulators)  ${example.cxgraphUrl}/   GraphQL; Apollo Sandbox in a browser${supergraph ? ` (CXGRAPH_SCHEMA_PREFIX=${SUPERGRAPH_PREFIX})` : ''}`,
      ...(supergraph ? [`  gateway (cxgraph + company)    ${example.graphqlUrl}/   the app's GraphQL; only its documents run`] : []),
      `  reference web app              ${example.appUrl}/${supergraph ? `   (VITE_CXGRAPH_PREFIX=${SUPERGRAPH_PREFIX})` : ''}`,
      `  trusted documents              ${supergraph ? "only the app's, at the gateway" : only ? "only the app's (CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true)" : "the app's ids resolved; other documents allowed"}`,
      '',
      '  Ctrl-C stops both.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    example.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`npm run example: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
