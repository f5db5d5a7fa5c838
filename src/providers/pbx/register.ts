import type { ProviderSetup } from '../../services.js';
import { PbxAgentDirectory } from './agent-directory.js';
import { PbxCallHistory } from './call-history.js';
import { pbxCallbackRoute } from './callback-route.js';
import { PbxClient } from './client.js';
import { pbxMediaRoute } from './media-route.js';
import { PbxService } from './service.js';

/**
 * Telphin PBX: `services.pbx` (accounts, consent flow), `agents(provider: PBX)`, `calls(provider: PBX)`, the OAuth
 * callback `GET /oauth/pbx/callback` and the record download route `GET /media/pbx/<account>/<record>`.
 */
export function registerPbx(setup: ProviderSetup): void {
  const { config, services, http, logger } = setup;
  if (!config.pbx) return;
  const pbx = new PbxService(config.pbx, {
    client: new PbxClient(config.pbx, http('PBX')),
    store: services.store,
    tokens: services.tokens,
    status: services.status,
    logger,
  });
  services.pbx = pbx;
  services.agents.PBX = new PbxAgentDirectory(pbx);
  services.calls.PBX = new PbxCallHistory(pbx);
  services.routes.push(pbxCallbackRoute(pbx.flow, config.pbx.returnUrl), pbxMediaRoute(pbx, logger));
}
