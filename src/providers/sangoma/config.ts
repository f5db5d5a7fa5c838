/** Sangoma CX's part of the configuration (docs/providers/sangoma.md). */
import type { ConfigReader } from '../../domain/config-reader.js';

export interface SangomaConfig {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  baseUrl: string;
  tokenUrl: string;
}

export function loadSangomaConfig(r: ConfigReader): SangomaConfig | undefined {
  const sg = r.group('Sangoma CX', ['SANGOMA_CLIENT_ID', 'SANGOMA_CLIENT_SECRET']);
  if (!sg) return undefined;
  const scopes = (r.str('SANGOMA_SCOPES') ?? 'cx.agent-calls cx.queue-calls').split(/[\s,]+/).filter(Boolean);
  if (scopes.length === 0) r.fail('SANGOMA_SCOPES', 'at least one scope is required, e.g. "cx.agent-calls cx.queue-calls"');
  return {
    clientId: sg.SANGOMA_CLIENT_ID!,
    clientSecret: sg.SANGOMA_CLIENT_SECRET!,
    scopes,
    baseUrl: r.optionalUrl('SANGOMA_BASE_URL', 'https://cpaas.sangoma.com/cx'),
    tokenUrl: r.optionalUrl('SANGOMA_TOKEN_URL', 'https://auth.sangoma.com/oauth/token'),
  };
}
