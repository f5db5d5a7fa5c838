/**
 * Simulators for a describe block (or a whole file, called at its top level): started before its tests, stopped after
 * them (also when a test fails), and optionally reset between tests. The instances exist at once (creating a
 * simulator opens nothing), so tests use them as plain constants instead of `let`s assigned in beforeAll. Setup that
 * needs the simulators' URLs (a cxgraph, a gateway) goes in the file's own beforeAll, registered after: beforeAll
 * hooks run in order and afterAll hooks in reverse, so it starts after the simulators and is closed before them.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../src/simulators/embedded.js';
import type { SimulatorEntry } from '../../src/simulators/common/simulator-entry.js';
import type { SIMULATORS } from '../../src/simulators/index.js';

interface Startable {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  readonly server: { clearFaults(): void; resetCounts(): void };
  /** A simulator with counters beyond its server's (CloudCX's per-grant counts) resets them all here. */
  resetCounts?(): void;
}

export interface UseSimulatorOptions {
  /** After each test: pending faults cleared and request counters zeroed, as `POST /__sim/reset` does. */
  resetAfterEach?: boolean;
}

function reset(sim: Startable): void {
  sim.server.clearFaults();
  if (sim.resetCounts) sim.resetCounts();
  else sim.server.resetCounts();
}

export function useSimulator<S extends Startable>(sim: S, opts: UseSimulatorOptions = {}): S {
  useSimulators([sim], opts);
  return sim;
}

/**
 * Several simulators, started side by side, given back as they came: a list (`const [cj, nvm] = …`) or a record
 * (`const { cj, nvm } = …`).
 */
export function useSimulators<const T extends readonly Startable[] | Readonly<Record<string, Startable>>>(sims: T, opts: UseSimulatorOptions = {}): T {
  const all: Startable[] = Object.values(sims);
  beforeAll(async () => {
    await Promise.all(all.map((s) => s.start()));
  });
  afterAll(async () => {
    await Promise.all(all.map((s) => s.stop()));
  });
  if (opts.resetAfterEach) {
    afterEach(() => {
      for (const s of all) reset(s);
    });
  }
  return sims;
}

// `any`: each entry has its own simulator type, as in src/simulators/embedded.ts.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- entries of every simulator type in one list
type AnyEntry = SimulatorEntry<string, any, string>;

/**
 * The embedded default's set (src/simulators/embedded.ts, every simulator of a list pointed at one cxgraph), started
 * in beforeAll and stopped in afterAll. That set only exists once started (its `env` holds the URLs), so the object
 * handed back is filled in beforeAll: read it in hooks and tests, not while the file is collected.
 */
export function useEmbeddedSimulators<L extends readonly AnyEntry[] = typeof SIMULATORS>(host?: string, cxgraphUrl?: string, list?: L): EmbeddedSimulators<L> {
  const sims = {} as EmbeddedSimulators<L>;
  beforeAll(async () => {
    Object.assign(sims, await startEmbeddedSimulators<L>(host, cxgraphUrl, list));
  });
  afterAll(async () => {
    await sims.stop?.();
  });
  return sims;
}
