/** Bootstrap only: loadConfig → (embedded simulators) → createServer → listen, and a graceful SIGTERM. */
import { ConfigError, configuredProviders, describeConfig, loadConfig, loadConfigOver, type Config } from './app/config.js';
import { accountsReport } from './app/check-accounts.js';
import { readNoArgumentCommandLine } from './command-line.js';
import { createLogger } from './observability/logger.js';
import { callerAuthWarning } from './server/caller-auth.js';
import { createServer } from './server/server.js';
import type { DefaultSimulators, EmbeddedSimulators } from './simulators/embedded.js';
import { PROVIDERS } from './providers/index.js';
import { DEMO_TENANT } from './tenancy/tenancy-config.js';

const TRACING_OFF = { enabled: false, exportsTo: undefined as string | undefined, shutdown: async () => {} };

async function main(checkAccounts: boolean): Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`cxgraph: ${e.message}\nSee .env.example for every variable and its meaning.\n`);
      process.exit(2);
    }
    throw e;
  }
  if (checkAccounts) {
    // Checked exactly as start-up checks (a problem exits 2 above); nothing is started.
    process.stdout.write(accountsReport(config, process.env));
    process.exit(0);
  }
  const logger = createLogger({ level: config.logLevel, pretty: config.nodeEnv !== 'production' && process.stdout.isTTY });

  let sims: EmbeddedSimulators | undefined;
  if (config.embeddedSimulators) {
    // Loaded only here: production code paths never import a simulator otherwise.
    const { startEmbeddedSimulators } = await import('./simulators/embedded.js');
    // The PBX consent page sends the browser back to our own callback, so it must know where we listen.
    const demoTenant = config.demoTenants ? DEMO_TENANT : undefined;
    sims = await startEmbeddedSimulators<DefaultSimulators>('127.0.0.1', config.publicUrl ?? `http://localhost:${config.port}`, undefined, {
      demoTenant,
    });
    config = loadConfigOver(sims.env, PROVIDERS, { demoAccounts: sims.demo?.accounts });
    logger.warn(
      { simulators: sims.urls },
      'No provider is configured: serving against the built-in simulators on loopback (embedded default). Set provider credentials to use real platforms.',
    );
    if (sims.demo) {
      const header = config.tenancy.header ?? `the ${config.tenancy.claim} claim`;
      logger.warn(
        { tenants: ['default', sims.demo.tenant], tenantHeader: config.tenancy.header, demoSimulators: sims.demo.urls },
        `CXGRAPH_SIMULATORS=multi-tenant: two demo tenants, default and ${sims.demo.tenant}, each on simulators of its own; every request names one in ${header} (${config.auth.mode === 'none' ? 'taken as sent: CXGRAPH_AUTH=none, a local demo only' : `after CXGRAPH_AUTH=${config.auth.mode}`}), none is refused`,
      );
    }
  }
  const providers = configuredProviders(config);
  const store = config.redisClusterNodes
    ? 'Redis Cluster (shared by replicas)'
    : config.redisUrl
      ? 'Redis (shared by replicas)'
      : 'process memory (REDIS_URL not set: one replica only)';
  logger.info(
    { config: describeConfig(config) },
    `configuration loaded: ${providers.length ? providers.join(', ') : 'no provider'} configured${sims ? ' (built-in simulators)' : ''}; token store: ${store}`,
  );
  const authWarning = callerAuthWarning(config.auth, config.nodeEnv === 'production');
  if (authWarning) logger.warn({ callerAuth: 'none' }, authWarning);
  if ((config.redisUrl || config.redisClusterNodes) && config.encryptionKeys.length === 0) {
    // Production refuses to start like this (config.ts); elsewhere it is allowed, and said out loud.
    logger.warn(
      { encryptionAtRest: false },
      'CXGRAPH_ENCRYPTION_KEYS is not set: tokens, refresh tokens and PBX app secrets are written to Redis unencrypted. Set it (`openssl rand -base64 32`); production will not start without it.',
    );
  }

  // Before the server: spans need the provider registered by the first request.
  // The OpenTelemetry SDK is loaded only when tracing is configured: ~100 ms less cold start otherwise.
  const tracing = config.tracing.enabled ? (await import('./observability/tracing-sdk.js')).startTracing(config.tracing, { logger }) : TRACING_OFF;
  if (tracing.enabled) {
    logger.info(
      { tracing: { exportsTo: tracing.exportsTo, serviceName: config.tracing.serviceName, sampler: config.tracing.sampler } },
      `tracing on: OpenTelemetry spans exported over OTLP/HTTP to ${tracing.exportsTo}`,
    );
  } else {
    logger.info(
      config.tracing.endpoint ? 'tracing off (OTEL_SDK_DISABLED=true)' : 'tracing off (set OTEL_EXPORTER_OTLP_ENDPOINT to export OpenTelemetry traces)',
    );
  }

  const server = await createServer(config, { logger });
  const url = await server.listen().catch((err: unknown) => {
    const problem = listenProblem(err, config);
    throw problem ? new StartupProblem(problem) : err;
  });
  logger.info(
    { url },
    `cxgraph listening on ${url}/ (GraphQL${config.nodeEnv === 'production' ? '' : ', Apollo Sandbox in a browser'}; /healthz, /readyz, /metrics)`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    // Should the drain itself hang, leave anyway shortly after the grace period.
    setTimeout(() => process.exit(1), config.resilience.shutdownGraceMs + 5_000).unref();
    // Simulators last: requests still draining may be talking to them.
    server
      .close()
      .then(() => sims?.stop())
      .then(() => tracing.shutdown()) // exports the spans still buffered
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const USAGE = `Usage: npm start                (the sources, with tsx; reads ./.env when there is one)
       npm run dev              (the same, restarting on changes)
       node dist/index.js       (compiled by npm run build; what the Docker image runs)

cxgraph is configured by environment variables, read and checked once at start-up.
.env.example lists every one with its default and meaning. The ones most often set:

  PORT, HOST       where it listens (default 4001 on 0.0.0.0)
  NODE_ENV         production turns introspection and the Sandbox page off
  LOG_LEVEL        fatal | error | warn | info (default) | debug | trace | silent
  REDIS_URL        shared token cache and connection store (default: process memory, one replica)
  CXGRAPH_AUTH     caller authentication: router-secret | jwt | none

With no provider credentials set it serves built-in simulators of all five platforms (the embedded default).

  -h, --help          print this and exit
  --check-accounts    check the configuration and the accounts file (CXGRAPH_ACCOUNTS_FILE) without starting,
                      print what each account resolves to (never a secret), exit 0 when valid, 2 when not
`;

/** A start-up failure the operator fixes by changing a variable: said in one line, no stack trace. */
class StartupProblem extends Error {}

/** What to change when the listening socket cannot be opened: the variable, not a stack trace. */
function listenProblem(err: unknown, config: Readonly<Config>): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `${config.host}:${config.port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: another process is already listening there. Set PORT to a free port (or HOST to another address), or stop the other process.`;
    case 'EACCES':
      return `cannot listen on ${where}: not allowed to open this port (ports below 1024 need privileges). Set PORT to 1024 or above.`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: HOST is not an address of this machine. Set HOST to one of its addresses (0.0.0.0 for all, 127.0.0.1 for loopback only).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot listen on ${where}: HOST does not resolve to an address. Set HOST to an address of this machine (0.0.0.0 for all).`;
    default:
      return undefined;
  }
}

const flag = readNoArgumentCommandLine('cxgraph', USAGE, process.argv.slice(2), ['--check-accounts']);
main(flag === '--check-accounts').catch((err: unknown) => {
  if (err instanceof StartupProblem) process.stderr.write(`cxgraph: ${err.message}\n`);
  else process.stderr.write(`cxgraph failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
