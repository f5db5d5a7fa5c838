/**
 * The embedded default: with no provider configured, `npm start` starts the simulators on loopback and
 * points every provider at them, so a newcomer can query real (simulated) upstreams at once. The result is
 * a set of environment variables fed through the same `loadConfig` validation as a real deployment.
 */
import { createCallJourneySimulator, type CallJourneySimulator } from './calljourney/simulator.js';

export interface EmbeddedSimulators {
  env: Record<string, string>;
  calljourney: CallJourneySimulator;
  /** What each simulator serves, for the start-up log. */
  urls: Record<string, string>;
  stop(): Promise<void>;
}

export async function startEmbeddedSimulators(host = '127.0.0.1'): Promise<EmbeddedSimulators> {
  const calljourney = createCallJourneySimulator();
  await calljourney.start({ host });
  const cjClient = calljourney.clients[0]!;
  const env: Record<string, string> = {
    CALLJOURNEY_TENANT_ID: calljourney.tenantId,
    CALLJOURNEY_CLIENT_ID: cjClient.clientId,
    CALLJOURNEY_CLIENT_SECRET: cjClient.clientSecret,
    CALLJOURNEY_BASE_URL: calljourney.baseUrl,
    CALLJOURNEY_TOKEN_URL: calljourney.tokenUrl,
  };
  return {
    env,
    calljourney,
    urls: { CALLJOURNEY: calljourney.baseUrl },
    async stop() {
      await calljourney.stop();
    },
  };
}
