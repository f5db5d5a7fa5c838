/**
 * Telphin PBX: PBX users consent to cxgraph (authorization code), then each connected account gets its own
 * trusted application (client credentials). Serves the accounts, their phone extensions as agents, their call
 * history and records, the consent flow and its callback (docs/providers/pbx.md).
 *
 * Tenants (docs/tenancy.md, "PBX accounts"): the app is the variables' one, shared; each tenant has an instance of its
 * own (ports.tenancy) holding the accounts it connected, in its part of the store. Consent states are one set for
 * the process (the variables' instance's), and the one callback route finishes a consent in the flow of the tenant
 * whose state it claimed.
 */
import type { AccountConnections } from '../../domain/capabilities.js';
import { DEFAULT_TENANT } from '../../domain/tenant.js';
import { defineProvider, type ProviderInstance } from '../provider-module.js';
import { checkAccountId } from './account-id.js';
import { createPbxAccountLoader } from './account-loader.js';
import { PbxAccounts } from './accounts.js';
import { PbxAgentDirectory } from './agent-directory.js';
import { PbxCallHistory } from './call-history.js';
import { pbxCallbackRoute } from './callback-route.js';
import { PbxClient } from './client.js';
import { loadPbxConfig } from './config.js';
import { PbxConnectFlow } from './connect-flow.js';
import { pbxMediaRoute } from './media-route.js';

/** Each PBX instance's consent flow: how the callback reaches the flow of the tenant a state names. */
const flows = new WeakMap<ProviderInstance, PbxConnectFlow>();

export const pbx = defineProvider({
  name: 'PBX',
  title: 'Telphin PBX',
  capabilities: ['accounts', 'agents', 'calls', 'media'],
  configuredBy: 'PBX_CLIENT_ID, PBX_CLIENT_SECRET and PBX_REDIRECT_URI',
  variables: ['PBX_BASE_URL', 'PBX_CLIENT_ID', 'PBX_CLIENT_SECRET', 'PBX_REDIRECT_URI', 'PBX_RETURN_URL'],
  loadConfig: loadPbxConfig,
  describe: (c) => ({ baseUrl: c.baseUrl, redirectUri: c.redirectUri }),
  create(config, ports) {
    const client = new PbxClient(config, ports.http);
    const accounts = new PbxAccounts(config, { client, store: ports.store, tokens: ports.tokens, logger: ports.logger });
    const tenancy = ports.tenancy;
    const tenant = tenancy?.tenant ?? DEFAULT_TENANT;
    const flowOf = (t: string) => {
      const instance = tenancy?.instanceOf(t);
      return instance ? flows.get(instance) : undefined;
    };
    // Every tenant's states live where tenant default's always have (its store is the shared one, not a tenant's part).
    const home = tenant === DEFAULT_TENANT ? undefined : flowOf(DEFAULT_TENANT);
    if (tenant !== DEFAULT_TENANT && !home) throw new Error(`the PBX instance of tenant ${DEFAULT_TENANT} must exist before tenant ${tenant}'s`);
    const flow = new PbxConnectFlow({
      config,
      client,
      tokens: ports.tokens,
      connections: accounts.connections,
      logger: ports.logger,
      accounts,
      states: home?.states ?? accounts.connections.states,
      tenant,
      flowOf,
    });
    const connections: AccountConnections = {
      checkId: checkAccountId,
      listAccounts: () => accounts.listAccounts(),
      loader: () => createPbxAccountLoader(accounts, ports.metrics),
      beginConnection: () => flow.begin(),
      disconnect: (id) => accounts.disconnect(id),
    };
    const instance: ProviderInstance = {
      capabilities: {
        accounts: connections,
        agents: new PbxAgentDirectory(accounts),
        calls: new PbxCallHistory(accounts),
        media: { route: pbxMediaRoute(accounts, ports.logger) },
      },
      routes: [pbxCallbackRoute(flow, config.returnUrl)],
      status: (base) => accounts.providerState(base),
    };
    flows.set(instance, flow);
    return instance;
  },
});
