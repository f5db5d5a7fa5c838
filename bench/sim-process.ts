/**
 * The benchmark's upstreams: all five simulators in their own process, so their CPU is not charged to cxgraph
 * nor to the load generator. Started by bench/run.ts as `node --import tsx bench/sim-process.ts <cxgraphUrl>`;
 * prints one JSON line (the provider environment and each simulator's URL) and serves until SIGTERM.
 * Latency and counters are steered over each simulator's HTTP control API (`/__sim/config`, `/__sim/stats`).
 */
import { startEmbeddedSimulators } from '../src/simulators/embedded.js';
import { startPlatformFront } from './lib/platform-front.js';
import { workingSet } from './lib/workload.js';

export interface SimProcessInfo {
  /** The provider variables cxgraph needs (same shape as the embedded default's). */
  env: Record<string, string>;
  /** Root URL of each simulator's server by provider, for its control API. */
  urls: Record<'CALLJOURNEY' | 'SANGOMA' | 'CLOUDCX' | 'NEWVOICEMEDIA' | 'PBX', string>;
  /** CallJourney's token endpoint and client, so the direct baseline can fetch its own bearer. */
  calljourneyToken: { url: string; clientId: string; clientSecret: string; scope: string };
  /** CallJourney's API behind the platform's front door (lib/platform-front.ts): arrivals, its limit, a 429 once. */
  calljourneyFront: string;
}

const cxgraphUrl = process.argv[2] ?? 'http://127.0.0.1:4001';
const sims = await startEmbeddedSimulators('127.0.0.1', cxgraphUrl);
const cj = sims.calljourney.env();
// Scenario 7's working set: recordings the platform holds, so the cache keeps them.
for (const r of workingSet()) sims.calljourney.addRecording(r);
const front = await startPlatformFront(cj.CALLJOURNEY_BASE_URL);
const info: SimProcessInfo = {
  calljourneyFront: front.url,
  env: sims.env,
  urls: sims.urls,
  calljourneyToken: {
    url: cj.CALLJOURNEY_TOKEN_URL,
    clientId: cj.CALLJOURNEY_CLIENT_ID,
    clientSecret: cj.CALLJOURNEY_CLIENT_SECRET,
    scope: `api://${cj.CALLJOURNEY_CLIENT_ID}/.default`,
  },
};
process.stdout.write(`${JSON.stringify(info)}\n`);

const stop = () => {
  Promise.all([front.close(), sims.stop()]).then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
