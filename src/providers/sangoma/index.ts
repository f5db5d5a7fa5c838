/**
 * Sangoma CX: agent calls and queue callbacks (real phone calls, sent at most once). Client credentials with
 * HTTP Basic; the year-long token is used to its end, never renewed early (docs/providers/sangoma.md).
 */
import { defineProvider } from '../provider-module.js';
import { SangomaClient } from './client.js';
import { loadSangomaConfig } from './config.js';

export const sangoma = defineProvider({
  name: 'SANGOMA',
  title: 'Sangoma CX',
  capabilities: ['callPlacement'],
  configuredBy: 'SANGOMA_CLIENT_ID and SANGOMA_CLIENT_SECRET',
  variables: ['SANGOMA_CLIENT_ID', 'SANGOMA_CLIENT_SECRET', 'SANGOMA_SCOPES', 'SANGOMA_BASE_URL', 'SANGOMA_TOKEN_URL'],
  loadConfig: loadSangomaConfig,
  describe: (c) => ({ baseUrl: c.baseUrl, scopes: c.scopes }),
  create(config, ports) {
    const client = new SangomaClient(config, { http: ports.http, tokens: ports.tokens, logger: ports.logger });
    return { capabilities: { callPlacement: client } };
  },
});
