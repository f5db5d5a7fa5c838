/**
 * The `agents` contract (agents.contract.ts) against every provider whose module lists `agents`. A module that
 * offers it without an entry here fails until one is added.
 */
import { describeAgentsContract, type AgentsFixture } from './agents.contract.js';
import { startNvmAgents } from './fixtures/nvm.js';
import { startPbxAgents } from './fixtures/pbx.js';
import { describeContractForEveryProvider, type FixtureStarter } from './providers-offering.js';

const FIXTURES: Record<string, FixtureStarter<AgentsFixture>> = {
  NEWVOICEMEDIA: startNvmAgents,
  PBX: startPbxAgents,
};

describeContractForEveryProvider('agents', 'test/contract/capabilities/agents.test.ts', FIXTURES, describeAgentsContract);
