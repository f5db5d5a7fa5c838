/**
 * Telphin PBX: PBX users consent to cxgraph (authorization code), then each connected account gets its own
 * trusted application (client credentials). Serves the accounts, their phone extensions as agents, their call
 * history and records, the consent flow and its callback (docs/providers/pbx.md).
 */
import type { AccountConnections } from '../../domain/capabilities.js';
import { defineProvider } from '../provider-module.js';
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
    const flow = new PbxConnectFlow({ config, client, tokens: ports.tokens, connections: accounts.connections, logger: ports.logger, accounts });
    const connections: AccountConnections = {
      checkId: checkAccountId,
      listAccounts: () => accounts.listAccounts(),
      loader: () => createPbxAccountLoader(accounts, ports.metrics),
      beginConnection: () => flow.begin(),
    };
    return {
      capabilities: {
        accounts: connections,
        agents: new PbxAgentDirectory(accounts),
        calls: new PbxCallHistory(accounts),
        media: { route: pbxMediaRoute(accounts, ports.logger) },
      },
      routes: [pbxCallbackRoute(flow, config.returnUrl)],
      status: (base) => accounts.providerState(base),
    };
  },
});
