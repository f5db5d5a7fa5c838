import type { ProviderSetup } from '../../services.js';
import { CloudCxClient } from './client.js';

/** CloudCX answers `users(provider: CLOUDCX)`. No `getUsers`: the platform documents no get-by-id endpoint. */
export function registerCloudCx(setup: ProviderSetup): void {
  const { config, services, http, logger } = setup;
  if (!config.cloudcx) return;
  services.users.CLOUDCX = new CloudCxClient(config.cloudcx, http('CLOUDCX'), services.status, logger);
}
