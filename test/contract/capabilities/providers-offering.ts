/**
 * Which providers a capability contract runs against: every module in PROVIDERS that lists the capability. The
 * list is derived, never written down, so a new module that offers a capability gets that capability's suite at
 * once — and fails it until the suite's fixture map has an entry for it (a starter that runs cxgraph with that
 * one provider configured against its simulator).
 */
import { describe, expect, it } from 'vitest';
import type { CapabilityName } from '../../../src/domain/capabilities.js';
import type { ProviderModule } from '../../../src/providers/provider-module.js';
import { PROVIDERS } from '../../../src/providers/index.js';
import type { TestServer } from '../../support/harness.js';

/** What every fixture gives the suite: cxgraph with one provider configured against its simulator. */
export interface ProviderFixture {
  /** cxgraph over real HTTP, with exactly this provider configured (against its own simulator). */
  server: TestServer;
  /** Requests the provider's simulator has answered so far (every route): bad input must cost none. */
  upstreamRequests(): number;
  /** Stops cxgraph and the simulator(s). */
  stop(): Promise<void>;
}

/** Starts a fixture; called once per suite (beforeAll). */
export type FixtureStarter<F extends ProviderFixture> = () => Promise<F>;

export interface ContractPlan<F> {
  /** Providers offering the capability that have a fixture, in PROVIDERS order. */
  run: [provider: string, start: F][];
  /** Providers offering the capability without a fixture: each is a failing test. */
  missing: string[];
  /** Fixtures for providers that do not (or no longer) offer the capability: each is a failing test too. */
  stale: string[];
}

export function providersOffering(capability: CapabilityName, modules: readonly ProviderModule[] = PROVIDERS): string[] {
  return modules.filter((m) => m.capabilities.includes(capability)).map((m) => m.name);
}

/** Pure: which fixtures run, which are missing, which are stale. */
export function planContract<F>(
  capability: CapabilityName,
  fixtures: Readonly<Record<string, F>>,
  modules: readonly ProviderModule[] = PROVIDERS,
): ContractPlan<F> {
  const offering = providersOffering(capability, modules);
  return {
    run: offering.filter((p) => fixtures[p] !== undefined).map((p) => [p, fixtures[p]!]),
    missing: offering.filter((p) => fixtures[p] === undefined),
    stale: Object.keys(fixtures).filter((p) => !offering.includes(p)),
  };
}

/**
 * Declares `suite(provider, start)` for every provider whose module offers `capability`, plus a failing test for
 * each one without a fixture (saying what to add, and where) and for each fixture of a provider that does not
 * offer it. `where` names the file holding the fixture map.
 */
export function describeContractForEveryProvider<F>(
  capability: CapabilityName,
  where: string,
  fixtures: Readonly<Record<string, F>>,
  suite: (provider: string, start: F) => void,
  modules: readonly ProviderModule[] = PROVIDERS,
): void {
  const plan = planContract(capability, fixtures, modules);
  describe(`'${capability}' contract: the providers offering it`, () => {
    it(`has a fixture for every provider whose module lists '${capability}'`, () => {
      expect(
        plan.missing.map(
          (p) =>
            `${p} offers '${capability}' but has no fixture: add ${p}: <starter> to the fixture map in ${where} (cxgraph with ${p} configured against its simulator; see fixtures/)`,
        ),
      ).toEqual([]);
    });
    it(`has no fixture for a provider that does not offer '${capability}'`, () => {
      expect(plan.stale.map((p) => `${p} has a '${capability}' fixture in ${where} but its module does not list '${capability}': remove the entry`)).toEqual(
        [],
      );
    });
  });
  for (const [provider, start] of plan.run) suite(provider, start);
}
