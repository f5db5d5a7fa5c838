/** Registers the Sangoma CX client when SANGOMA_CLIENT_ID and SANGOMA_CLIENT_SECRET are set. */
import type { ProviderSetup } from '../../services.js';
import { SangomaClient } from './client.js';

export function registerSangoma(setup: ProviderSetup): void {
  const config = setup.config.sangoma;
  if (!config) return;
  const { services } = setup;
  services.sangoma = new SangomaClient(config, {
    http: setup.http('SANGOMA'),
    tokens: services.tokens,
    status: services.status,
    logger: setup.logger,
  });
}
