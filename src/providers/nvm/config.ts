/** NewVoiceMedia's part of the configuration: region and client credentials (docs/providers/newvoicemedia.md). */
import type { ConfigReader } from '../../domain/config-reader.js';

export type NvmRegion = 'emea' | 'nam' | 'apac';

export interface NvmConfig {
  region: NvmRegion;
  clientId: string;
  clientSecret: string;
  authBaseUrl: string;
  apiBaseUrl: string;
}

export function loadNvmConfig(r: ConfigReader): NvmConfig | undefined {
  const nvm = r.group('NewVoiceMedia', ['NVM_CLIENT_ID', 'NVM_CLIENT_SECRET']);
  const region = r.oneOf('NVM_REGION', ['emea', 'nam', 'apac'] as const, 'emea');
  if (!nvm) return undefined;
  return {
    region,
    clientId: nvm.NVM_CLIENT_ID!,
    clientSecret: nvm.NVM_CLIENT_SECRET!,
    authBaseUrl: r.optionalUrl('NVM_AUTH_BASE_URL', `https://${region}.newvoicemedia.com`),
    apiBaseUrl: r.optionalUrl('NVM_API_BASE_URL', `https://${region}.api.newvoicemedia.com`),
  };
}
