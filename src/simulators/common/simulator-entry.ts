/**
 * A simulator as the list in src/simulators/index.ts (SIMULATORS) holds it: the provider it plays, how to create
 * it, and the variables pointing cxgraph at it once started, given what it needs of cxgraph (where cxgraph is
 * reached: the PBX consent page redirects there). The embedded default (embedded.ts) is derived from the list.
 */
import type { Simulator } from './simulator-shell.js';

/** What a simulator may need of the cxgraph it serves, to say the variables that point cxgraph at it. */
export interface CxgraphSide {
  /** Where a browser reaches cxgraph (no trailing slash), e.g. http://localhost:4001. */
  url: string;
}

export interface SimulatorEntry<K extends string = string, S extends Simulator = Simulator, P extends string = string> {
  /** The property of the started set holding it (`sims.pbx`). */
  readonly key: K;
  /** The provider module it plays: the `name` of its module in src/providers/index.ts. */
  readonly provider: P;
  create(): S;
  /**
   * Another instance for a second demo tenant (CXGRAPH_SIMULATORS=multi-tenant): its own credentials and its own data
   * (other ids and names), so a caller sees which tenant answered. Absent: the platform has no account in that tenant
   * (the PBX, whose accounts connect through consent rather than a file).
   */
  createFor?(tenant: string): S;
  /**
   * One instance that accepts the credentials of every owner in `owners` (each the credentials `createFor` would
   * give it), all sharing the default data: many accounts on one platform without a server each (the benchmark of
   * many tenants, src/simulators/fleet.ts). `envFor` gives one owner's variables.
   */
  createForMany?(owners: readonly string[]): S;
  envFor?(sim: S, owner: string, cxgraph: CxgraphSide): Record<string, string>;
  /** The provider's variables pointing cxgraph at the started simulator. */
  env(sim: S, cxgraph: CxgraphSide): Record<string, string>;
}

/** Defines an entry with its simulator type checked between `create` and `env`. */
export function defineSimulator<K extends string, S extends Simulator, P extends string>(entry: SimulatorEntry<K, S, P>): SimulatorEntry<K, S, P> {
  return entry;
}
