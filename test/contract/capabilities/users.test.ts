/**
 * The `users` contract (users.contract.ts) against every provider whose module lists `users`. A module that
 * offers it without an entry here fails until one is added.
 */
import { startCloudCxUsers } from './fixtures/cloudcx.js';
import { startNvmUsers } from './fixtures/nvm.js';
import { describeContractForEveryProvider, type FixtureStarter } from './providers-offering.js';
import { describeUsersContract, type UsersFixture } from './users.contract.js';

const FIXTURES: Record<string, FixtureStarter<UsersFixture>> = {
  CLOUDCX: startCloudCxUsers,
  NEWVOICEMEDIA: startNvmUsers,
};

describeContractForEveryProvider('users', 'test/contract/capabilities/users.test.ts', FIXTURES, describeUsersContract);
