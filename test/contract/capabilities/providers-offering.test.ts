/**
 * The capability contracts run against the providers PROVIDERS says offer the capability: a sixth module that
 * offers `users` is planned for the `users` suite, and without a fixture it is reported missing (a failing test).
 */
import { describe, expect, it } from 'vitest';
import { defineProvider } from '../../../src/providers/provider-module.js';
import { PROVIDERS } from '../../../src/providers/index.js';
import { planContract } from './providers-offering.js';

const acme = defineProvider({
  name: 'ACME' as never,
  title: 'Acme Directory',
  capabilities: ['users'],
  configuredBy: 'ACME_BASE_URL',
  variables: ['ACME_BASE_URL'],
  loadConfig: () => undefined,
  describe: () => ({}),
  create: () => ({ capabilities: {} }),
});

describe('which providers a capability contract runs against', () => {
  it('a new module offering the capability without a fixture is missing; a fixture of a provider not offering it is stale', () => {
    const plan = planContract('users', { CLOUDCX: 'c', NEWVOICEMEDIA: 'n', SANGOMA: 's' }, [...PROVIDERS, acme]);
    expect(plan.run).toEqual([
      ['CLOUDCX', 'c'],
      ['NEWVOICEMEDIA', 'n'],
    ]);
    expect(plan.missing).toEqual(['ACME']);
    expect(plan.stale).toEqual(['SANGOMA']);
  });
});
