/** Bootstrap only: loadConfig → (embedded simulators) → createServer → listen, and a graceful SIGTERM. */
import { ConfigError, describeConfig, loadConfig, type Config } from './config.js';
import { createLogger } from './observability/logger.js';
import { createServer } from './server.js';
import type { EmbeddedSimulators } from './simulators/embedded.js';

async function main(): Promise<void> {
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
  const logger = createLogger({ level: config.logLevel, pretty: config.nodeEnv !== 'production' && process.stdout.isTTY });

  let sims: EmbeddedSimulators | undefined;
  if (config.embeddedSimulators) {
    // Loaded only here: production code paths never import a simulator otherwise.
    const { startEmbeddedSimulators } = await import('./simulators/embedded.js');
    // The PBX consent page sends the browser back to our own callback, so it must know where we listen.
    sims = await startEmbeddedSimulators('127.0.0.1', config.publicUrl ?? `http://localhost:${config.port}`);
    config = loadConfig({ ...process.env, ...sims.env });
    logger.warn(
      { simulators: sims.urls },
      'No provider is configured: serving against the built-in simulators on loopback (embedded default). Set provider credentials to use real platforms.',
    );
  }
  logger.info({ config: describeConfig(config) }, 'configuration loaded');
  if (!config.redisUrl) logger.info('REDIS_URL is not set: tokens are cached in process memory only');

  const server = await createServer(config, { logger });
  const url = await server.listen();
  logger.info({ url, graphql: `${url}/`, health: `${url}/healthz`, metrics: `${url}/metrics` }, `cxgraph listening on ${url}/`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    Promise.all([server.close(), sims?.stop()])
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`cxgraph failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
