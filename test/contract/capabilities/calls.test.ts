/**
 * The `calls` contract (calls.contract.ts) against every provider whose module lists `calls`. A module that
 * offers it without an entry here fails until one is added.
 */
import { describeCallsContract, type CallsCheck, type CallsFixture } from './calls.contract.js';
import { startNvmCalls } from './fixtures/nvm.js';
import { startPbxCalls } from './fixtures/pbx.js';
import { describeContractForEveryProvider, type FixtureStarter } from './providers-offering.js';

const FIXTURES: Record<string, FixtureStarter<CallsFixture>> = {
  NEWVOICEMEDIA: startNvmCalls,
  PBX: startPbxCalls,
};

/**
 * Contract checks a provider fails today: bugs, reported, not differences (those are fixture fields). Each runs
 * as it.fails and turns red once fixed: then remove its entry.
 */
const KNOWN_DEFECTS: Record<string, Partial<Record<CallsCheck, string>>> = {};

describeContractForEveryProvider('calls', 'test/contract/capabilities/calls.test.ts', FIXTURES, (provider, start) =>
  describeCallsContract(provider, start, KNOWN_DEFECTS[provider]),
);
