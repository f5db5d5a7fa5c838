/** Telphin PBX's part of the configuration: the public app that connects PBX users (docs/providers/pbx.md). */
import type { ConfigReader } from '../../domain/config-reader.js';

export interface PbxConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Where the callback sends the browser after connecting; unset = a small page of ours. */
  returnUrl?: string;
}

export function loadPbxConfig(r: ConfigReader): PbxConfig | undefined {
  const pbx = r.group('Telphin PBX', ['PBX_CLIENT_ID', 'PBX_CLIENT_SECRET', 'PBX_REDIRECT_URI']);
  if (!pbx) return undefined;
  const redirectUri = pbx.PBX_REDIRECT_URI!;
  try {
    const u = new URL(redirectUri);
    if (!u.pathname.endsWith('/oauth/pbx/callback'))
      r.fail('PBX_REDIRECT_URI', `must be the public URL of cxgraph's /oauth/pbx/callback, got ${r.shown('PBX_REDIRECT_URI', redirectUri)}`);
  } catch {
    r.fail('PBX_REDIRECT_URI', `expected an absolute URL, got ${r.shown('PBX_REDIRECT_URI', redirectUri)}`);
  }
  const returnUrl = r.str('PBX_RETURN_URL');
  return {
    baseUrl: r.optionalUrl('PBX_BASE_URL', 'https://apiproxy.telphin.ru'),
    clientId: pbx.PBX_CLIENT_ID!,
    clientSecret: pbx.PBX_CLIENT_SECRET!,
    redirectUri,
    returnUrl: returnUrl ? r.url('PBX_RETURN_URL', returnUrl) : undefined,
  };
}
