/**
 * One simulator for a describe block: started before its tests, stopped after them (also when a test fails), and
 * optionally reset between tests. The instance exists at once (creating a simulator opens nothing), so tests use it
 * as a plain constant instead of a `let` assigned in beforeAll.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';

interface Startable {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  reset?(): unknown;
}

export function useSimulator<S extends Startable>(sim: S, opts: { resetAfterEach?: boolean } = {}): S {
  beforeAll(async () => {
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });
  if (opts.resetAfterEach) {
    afterEach(() => {
      sim.reset?.();
    });
  }
  return sim;
}
