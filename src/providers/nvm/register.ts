/**
 * Registers NewVoiceMedia when configured: its client (`services.nvm`, used by `agentAvailability`), the
 * users, agents and calls capabilities, and the media download route.
 */
import type { ProviderSetup } from '../../services.js';
import { NvmCallHistory } from './calls.js';
import { NvmClient } from './client.js';
import { NvmDirectory } from './directory.js';
import { nvmMediaRoute } from './media-route.js';

export function registerNvm(setup: ProviderSetup): void {
  const { config, services } = setup;
  if (!config.nvm) return;
  const client = new NvmClient(config.nvm, setup.http('NEWVOICEMEDIA'));
  services.nvm = client;
  const directory = new NvmDirectory(client);
  services.users.NEWVOICEMEDIA = directory;
  services.agents.NEWVOICEMEDIA = directory;
  services.calls.NEWVOICEMEDIA = new NvmCallHistory(client);
  services.routes.push(nvmMediaRoute(client, setup.logger));
}
