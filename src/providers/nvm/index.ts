/**
 * NewVoiceMedia / Vonage Contact Center: users, the agents among them, agent availability, interactions as
 * calls and their media. Regional client credentials, one token per scope (docs/providers/newvoicemedia.md).
 */
import { defineProvider } from '../provider-module.js';
import { NvmAvailability } from './availability.js';
import { NvmCallHistory } from './call-history.js';
import { NvmClient } from './client.js';
import { loadNvmConfig } from './config.js';
import { NvmDirectory } from './directory.js';
import { nvmMediaRoute } from './media-route.js';

export const newVoiceMedia = defineProvider({
  name: 'NEWVOICEMEDIA',
  title: 'NewVoiceMedia',
  capabilities: ['users', 'agents', 'calls', 'availability', 'media'],
  configuredBy: 'NVM_CLIENT_ID and NVM_CLIENT_SECRET',
  variables: ['NVM_REGION', 'NVM_CLIENT_ID', 'NVM_CLIENT_SECRET', 'NVM_AUTH_BASE_URL', 'NVM_API_BASE_URL'],
  loadConfig: loadNvmConfig,
  describe: (c) => ({ region: c.region, apiBaseUrl: c.apiBaseUrl }),
  create(config, ports) {
    const client = new NvmClient(config, ports.http);
    const directory = new NvmDirectory(client);
    return {
      capabilities: {
        users: directory,
        agents: directory,
        calls: new NvmCallHistory(client),
        availability: new NvmAvailability(client),
        media: { route: nvmMediaRoute(client, ports.logger) },
      },
    };
  },
});
