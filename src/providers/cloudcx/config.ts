/** CloudCX's part of the configuration: an API key, or the password grant's four values (docs/providers/cloudcx.md). */
import type { ConfigReader } from '../../domain/config-reader.js';

export type CloudCxAuth = { kind: 'apiKey'; apiKey: string } | { kind: 'password'; clientId: string; clientSecret: string; username: string; password: string };

export interface CloudCxConfig {
  baseUrl: string;
  tokenUrl: string;
  auth: CloudCxAuth;
}

export function loadCloudCxConfig(r: ConfigReader): CloudCxConfig | undefined {
  const cxBase = r.str('CLOUDCX_BASE_URL');
  const cxKey = r.str('CLOUDCX_API_KEY');
  const cxPw = r.group('CloudCX (password grant)', ['CLOUDCX_CLIENT_ID', 'CLOUDCX_CLIENT_SECRET', 'CLOUDCX_USERNAME', 'CLOUDCX_PASSWORD']);
  if (!cxKey && !cxPw) {
    if (cxBase)
      r.fail(
        'CLOUDCX_API_KEY',
        'CLOUDCX_BASE_URL is set: also set CLOUDCX_API_KEY, or CLOUDCX_CLIENT_ID, CLOUDCX_CLIENT_SECRET, CLOUDCX_USERNAME and CLOUDCX_PASSWORD',
      );
    return undefined;
  }
  if (!cxBase) {
    r.fail('CLOUDCX_BASE_URL', "required for CloudCX: the customer's CX domain, e.g. https://cx.example.com:9001");
    return undefined;
  }
  const baseUrl = r.url('CLOUDCX_BASE_URL', cxBase);
  return {
    baseUrl,
    tokenUrl: `${baseUrl}/oauth/token`,
    auth: cxKey
      ? { kind: 'apiKey', apiKey: cxKey }
      : {
          kind: 'password',
          clientId: cxPw!.CLOUDCX_CLIENT_ID!,
          clientSecret: cxPw!.CLOUDCX_CLIENT_SECRET!,
          username: cxPw!.CLOUDCX_USERNAME!,
          password: cxPw!.CLOUDCX_PASSWORD!,
        },
  };
}
