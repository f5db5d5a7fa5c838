/**
 * The embedded default: with no provider configured, `npm start` starts the simulators on loopback and points every
 * provider at them, so a newcomer can query real (simulated) upstreams at once. The result is a set of environment
 * variables (each simulator's entry says them) fed through the same `loadConfig` validation as a real deployment.
 * Which simulators start is the list in src/simulators/index.ts: nothing here names a platform.
 */
import type { SimulatorEntry } from './common/simulator-entry.js';
import type { Simulator } from './common/simulator-shell.js';
import { SIMULATORS } from './index.js';

// `any`: each entry has its own simulator type, checked where the entry is defined (defineSimulator).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- entries of every simulator type in one list
type AnyEntry = SimulatorEntry<string, any, string>;

/** Each started simulator under its entry's key (`sims.pbx`), typed as its entry creates it. */
export type StartedSimulators<L extends readonly AnyEntry[]> = { [E in L[number] as E['key']]: ReturnType<E['create']> };

export type EmbeddedSimulators<L extends readonly AnyEntry[] = typeof SIMULATORS> = StartedSimulators<L> & {
  /** Every provider's variables, pointing at the simulators. */
  env: Record<string, string>;
  /** Root URL of each simulator's server by provider (the `/__sim/` control API lives there), for the start-up log. */
  urls: Record<L[number]['provider'], string>;
  stop(): Promise<void>;
};

/**
 * `cxgraphUrl` is where this cxgraph will be reached by a browser: the PBX simulator's consent page redirects to
 * its `/oauth/pbx/callback` (PBX_REDIRECT_URI), so it must be cxgraph's own origin (src/index.ts passes its port).
 * `list` is SIMULATORS unless a test adds one of its own.
 */
export async function startEmbeddedSimulators<L extends readonly AnyEntry[] = typeof SIMULATORS>(
  host = '127.0.0.1',
  cxgraphUrl = 'http://localhost:4001',
  list: L = SIMULATORS as unknown as L,
): Promise<EmbeddedSimulators<L>> {
  const started: [AnyEntry, Simulator][] = list.map((entry) => [entry, entry.create()]);
  // Started side by side: cold start to first answer matters (npm start, benchmarks).
  await Promise.all(started.map(([, sim]) => sim.start({ host })));
  const cxgraph = { url: cxgraphUrl.replace(/\/+$/, '') };
  const env: Record<string, string> = {};
  const urls: Record<string, string> = {};
  const byKey: Record<string, Simulator> = {};
  for (const [entry, sim] of started) {
    Object.assign(env, entry.env(sim, cxgraph));
    urls[entry.provider] = sim.url;
    byKey[entry.key] = sim;
  }
  return {
    ...(byKey as StartedSimulators<L>),
    env,
    urls: urls as Record<L[number]['provider'], string>,
    async stop() {
      await Promise.all(started.map(([, sim]) => sim.stop()));
    },
  };
}
