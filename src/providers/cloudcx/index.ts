/**
 * CloudCX (Cloudfon CX): the users of a customer's own CX domain. Password grant renewed with the refresh
 * token, or an API key (docs/providers/cloudcx.md). No get-by-id endpoint, so no user loader.
 */
import { defineProvider } from '../provider-module.js';
import { CloudCxClient } from './client.js';
import { loadCloudCxConfig } from './config.js';

export const cloudCx = defineProvider({
  name: 'CLOUDCX',
  title: 'CloudCX',
  capabilities: ['users'],
  configuredBy: 'CLOUDCX_BASE_URL and CLOUDCX_API_KEY (or CLOUDCX_CLIENT_ID, CLOUDCX_CLIENT_SECRET, CLOUDCX_USERNAME, CLOUDCX_PASSWORD)',
  variables: ['CLOUDCX_BASE_URL', 'CLOUDCX_API_KEY', 'CLOUDCX_CLIENT_ID', 'CLOUDCX_CLIENT_SECRET', 'CLOUDCX_USERNAME', 'CLOUDCX_PASSWORD'],
  loadConfig: loadCloudCxConfig,
  describe: (c) => ({ baseUrl: c.baseUrl, auth: c.auth.kind }),
  create(config, ports) {
    return { capabilities: { users: new CloudCxClient(config, ports.http) } };
  },
});
