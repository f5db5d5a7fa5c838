/**
 * The embedded default: with no provider configured, `npm start` starts the simulators on loopback and points every
 * provider at them, so a newcomer can query real (simulated) upstreams at once. The result is a set of environment
 * variables (each simulator's entry says them) fed through the same `loadConfig` validation as a real deployment.
 * Which simulators start is the list in src/simulators/index.ts: nothing here names a platform.
 *
 * With a demo tenant (CXGRAPH_SIMULATORS=multi-tenant), every simulator that can (`createFor`) starts a second time
 * with that tenant's own credentials and data, and the result also holds an accounts document (the accounts file's
 * shape, docs/tenancy.md) giving the tenant one account, `main`, on each of them.
 */
import type { SimulatorEntry } from './common/simulator-entry.js';
import type { Simulator } from './common/simulator-shell.js';
import { SIMULATORS } from './index.js';

// `any`: each entry has its own simulator type, checked where the entry is defined (defineSimulator).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- entries of every simulator type in one list
type AnyEntry = SimulatorEntry<string, any, string>;

/** The simulator list the embedded default starts unless told otherwise. */
export type DefaultSimulators = typeof SIMULATORS;

/** Each started simulator under its entry's key (`sims.pbx`), typed as its entry creates it. */
export type StartedSimulators<L extends readonly AnyEntry[]> = { [E in L[number] as E['key']]: ReturnType<E['create']> };

export type EmbeddedSimulators<L extends readonly AnyEntry[] = typeof SIMULATORS> = StartedSimulators<L> & {
  /** Every provider's variables, pointing at the simulators. */
  env: Record<string, string>;
  /** Root URL of each simulator's server by provider (the `/__sim/` control API lives there), for the start-up log. */
  urls: Record<L[number]['provider'], string>;
  /** The second demo tenant, when one was asked for. */
  demo?: DemoTenant;
  stop(): Promise<void>;
};

/** The second demo tenant's simulators, as an accounts document and their URLs. */
export interface DemoTenant {
  tenant: string;
  /** `{ tenants: { <tenant>: { <PROVIDER>: { main: <the provider's variables> } } } }`: the accounts file's shape. */
  accounts: { tenants: Record<string, Record<string, Record<string, Record<string, string>>>> };
  /** Root URL of each of its simulators by provider. */
  urls: Record<string, string>;
}

/** The account name the demo tenant's accounts have (tenant `default`'s are the variables', named `default`). */
export const DEMO_ACCOUNT = 'main';

/**
 * `cxgraphUrl` is where this cxgraph will be reached by a browser: the PBX simulator's consent page redirects to
 * its `/oauth/pbx/callback` (PBX_REDIRECT_URI), so it must be cxgraph's own origin (src/index.ts passes its port).
 * `list` is SIMULATORS unless a test adds one of its own; `demoTenant` names a second tenant to start simulators for.
 */
export async function startEmbeddedSimulators<L extends readonly AnyEntry[] = typeof SIMULATORS>(
  host = '127.0.0.1',
  cxgraphUrl = 'http://localhost:4001',
  list: L = SIMULATORS as unknown as L,
  opts: { demoTenant?: string } = {},
): Promise<EmbeddedSimulators<L>> {
  const started: [AnyEntry, Simulator][] = list.map((entry) => [entry, entry.create()]);
  const { demoTenant } = opts;
  const second: [AnyEntry, Simulator][] =
    demoTenant === undefined ? [] : list.flatMap((entry): [AnyEntry, Simulator][] => (entry.createFor ? [[entry, entry.createFor(demoTenant)]] : []));
  // Started side by side: cold start to first answer matters (npm start, benchmarks).
  await Promise.all([...started, ...second].map(([, sim]) => sim.start({ host })));
  const cxgraph = { url: cxgraphUrl.replace(/\/+$/, '') };
  const env: Record<string, string> = {};
  const urls: Record<string, string> = {};
  const byKey: Record<string, Simulator> = {};
  for (const [entry, sim] of started) {
    Object.assign(env, entry.env(sim, cxgraph));
    urls[entry.provider] = sim.url;
    byKey[entry.key] = sim;
  }
  let demo: DemoTenant | undefined;
  if (demoTenant !== undefined) {
    const accounts: DemoTenant['accounts'] = { tenants: { [demoTenant]: {} } };
    const demoUrls: Record<string, string> = {};
    for (const [entry, sim] of second) {
      accounts.tenants[demoTenant]![entry.provider] = { [DEMO_ACCOUNT]: entry.env(sim, cxgraph) };
      demoUrls[entry.provider] = sim.url;
    }
    demo = { tenant: demoTenant, accounts, urls: demoUrls };
  }
  return {
    ...(byKey as StartedSimulators<L>),
    env,
    urls: urls as Record<L[number]['provider'], string>,
    ...(demo ? { demo } : {}),
    async stop() {
      await Promise.all([...started, ...second].map(([, sim]) => sim.stop()));
    },
  };
}
