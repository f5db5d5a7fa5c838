/**
 * What browsers may do with cxgraph directly: which other origins may call it (CXGRAPH_CORS_ORIGINS,
 * CXGRAPH_CORS_CREDENTIALS; enforced by src/server/cors.ts) and which page `GET /` shows in a browser
 * (CXGRAPH_LANDING_PAGE; src/graphql/landing-page.ts).
 */
import type { EnvReader, NodeEnv } from './env-reader.js';

export interface CorsConfig {
  /** Exact origins (`scheme://host[:port]`, as a browser sends them in `Origin`); empty = no cross-origin caller. */
  origins: readonly string[];
  /** Whether those origins may send cookies or HTTP authentication (Access-Control-Allow-Credentials). */
  credentials: boolean;
}

/**
 * `sandbox`: Apollo Sandbox, loaded from Apollo's CDN (needs the internet); `local`: GraphiQL bundled with cxgraph,
 * served from its own origin; `off`: no page.
 */
export type LandingPage = 'sandbox' | 'local' | 'off';

/** One origin as a browser writes it: lower-case scheme and host, no default port, no path, no trailing slash. */
function originOf(entry: string): string | undefined {
  if (!/^https?:\/\/[^/?#*@\s]+$/i.test(entry)) return undefined;
  try {
    const u = new URL(entry);
    return u.origin === 'null' ? undefined : u.origin;
  } catch {
    return undefined;
  }
}

export function corsOf(r: EnvReader): CorsConfig {
  const raw = r.str('CXGRAPH_CORS_ORIGINS');
  const origins: string[] = [];
  for (const [i, entry] of (raw ?? '')
    .split(',')
    .map((e) => e.trim())
    .entries()) {
    if (!entry) {
      if (raw) r.fail('CXGRAPH_CORS_ORIGINS', `origin #${i + 1} is empty (a stray comma?)`);
      continue;
    }
    const origin = originOf(entry);
    if (!origin) {
      r.fail(
        'CXGRAPH_CORS_ORIGINS',
        `origin #${i + 1} must be an exact origin scheme://host[:port] (http or https; no path, no wildcard, no credentials), e.g. https://app.example.com, got ${r.shown('CXGRAPH_CORS_ORIGINS', entry.slice(0, 200))}`,
      );
    } else if (!origins.includes(origin)) origins.push(origin);
  }
  const credentials = r.oneOf('CXGRAPH_CORS_CREDENTIALS', ['true', 'false'] as const, 'false') === 'true';
  if (credentials && origins.length === 0) {
    r.fail('CXGRAPH_CORS_CREDENTIALS', 'true needs CXGRAPH_CORS_ORIGINS: the exact origins that may send credentials');
  }
  return { origins, credentials };
}

/**
 * CXGRAPH_LANDING_PAGE: `sandbox` | `local` | `off`, or `auto` (default: `sandbox`, `off` in production) and `on`
 * (`sandbox`), the values it took before `local` existed.
 */
export function landingPageOf(r: EnvReader, nodeEnv: NodeEnv): LandingPage {
  const v = r.oneOf('CXGRAPH_LANDING_PAGE', ['auto', 'sandbox', 'local', 'off', 'on'] as const, 'auto');
  if (v === 'on') return 'sandbox';
  if (v === 'auto') return nodeEnv === 'production' ? 'off' : 'sandbox';
  return v;
}
