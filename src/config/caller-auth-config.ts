/** Who may call cxgraph: CXGRAPH_AUTH and the variables of each mode (src/server/caller-auth.ts enforces it). */
import type { EnvReader, NodeEnv } from './env-reader.js';

/** Who may call cxgraph (src/server/caller-auth.ts). */
export type CallerAuthConfig =
  /** `explicit`: CXGRAPH_AUTH=none was set on purpose (required in production). */
  | { mode: 'none'; explicit: boolean }
  /** Any of `secrets` is accepted in `x-router-secret` (several while rotating). */
  | { mode: 'router-secret'; secrets: string[] }
  /** `maxAgeSeconds`: CXGRAPH_JWT_MAX_AGE_SECONDS, tokens older than this (from `iat`) are refused; 0 = no limit. */
  | { mode: 'jwt'; jwksUrl: string; issuer: string; audience: string[]; clockToleranceSeconds: number; maxAgeSeconds: number };

/**
 * A day: longer than every common identity provider's access-token lifetime (Azure AD and Okta 1 h, Auth0's API
 * default 24 h), so no ordinary token is refused, while one minted with an `exp` months away (a misconfigured
 * issuer, a leaked long-lived token) stops working a day after it was issued.
 */
export const DEFAULT_JWT_MAX_AGE_SECONDS = 86_400;

const AUTH_VARIABLES = {
  'router-secret': ['CXGRAPH_ROUTER_SECRET'],
  jwt: ['CXGRAPH_JWT_JWKS_URL', 'CXGRAPH_JWT_ISSUER', 'CXGRAPH_JWT_AUDIENCE'],
} as const;

/**
 * CXGRAPH_AUTH, or the mode whose variables are set. Unset with nothing set is `none`, which production
 * refuses unless it is asked for explicitly: an unauthenticated subgraph must be a decision, not a default.
 */
export function callerAuthOf(r: EnvReader, nodeEnv: NodeEnv): CallerAuthConfig {
  const given = r.str('CXGRAPH_AUTH');
  const modes = ['none', 'router-secret', 'jwt'] as const;
  const setOf = (m: keyof typeof AUTH_VARIABLES) => AUTH_VARIABLES[m].filter((n) => r.str(n) !== undefined);
  const secretSet = setOf('router-secret').length > 0;
  const jwtSet = setOf('jwt').length > 0;
  let mode: CallerAuthConfig['mode'];
  if (given) {
    mode = r.oneOf('CXGRAPH_AUTH', modes, 'none');
    if (!(modes as readonly string[]).includes(given.toLowerCase())) return { mode: 'none', explicit: false };
  } else if (secretSet && jwtSet) {
    r.fail('CXGRAPH_AUTH', 'both CXGRAPH_ROUTER_SECRET and CXGRAPH_JWT_* are set: choose router-secret or jwt');
    return { mode: 'none', explicit: false };
  } else {
    mode = secretSet ? 'router-secret' : jwtSet ? 'jwt' : 'none';
  }
  // Variables of another mode are a mistake worth reporting: the operator believes they protect something.
  for (const other of ['router-secret', 'jwt'] as const) {
    if (other === mode) continue;
    for (const n of setOf(other)) r.fail(n, `is set but CXGRAPH_AUTH is ${mode}; remove it or set CXGRAPH_AUTH=${other}`);
  }
  if (mode === 'none') {
    if (!given && nodeEnv === 'production') {
      r.fail(
        'CXGRAPH_AUTH',
        'required in production: router-secret (with CXGRAPH_ROUTER_SECRET), jwt (with CXGRAPH_JWT_JWKS_URL, CXGRAPH_JWT_ISSUER, CXGRAPH_JWT_AUDIENCE), or none to accept any caller on purpose',
      );
    }
    return { mode: 'none', explicit: Boolean(given) };
  }
  if (mode === 'router-secret') {
    const raw = r.str('CXGRAPH_ROUTER_SECRET');
    if (!raw) {
      r.fail(
        'CXGRAPH_ROUTER_SECRET',
        'required when CXGRAPH_AUTH=router-secret: the secret the router sends in x-router-secret (e.g. `openssl rand -base64 32`)',
      );
      return { mode, secrets: [] };
    }
    const secrets = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (secrets.length === 0 || secrets.some((s) => s.length < 16)) {
      r.fail('CXGRAPH_ROUTER_SECRET', 'each comma-separated secret must be at least 16 characters (e.g. `openssl rand -base64 32`)');
    }
    return { mode, secrets };
  }
  const jwksRaw = r.str('CXGRAPH_JWT_JWKS_URL');
  const issuer = r.str('CXGRAPH_JWT_ISSUER');
  const audience = (r.str('CXGRAPH_JWT_AUDIENCE') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const [n, v] of [
    ['CXGRAPH_JWT_JWKS_URL', jwksRaw],
    ['CXGRAPH_JWT_ISSUER', issuer],
  ] as const) {
    if (!v) r.fail(n, 'required when CXGRAPH_AUTH=jwt');
  }
  if (audience.length === 0)
    r.fail('CXGRAPH_JWT_AUDIENCE', 'required when CXGRAPH_AUTH=jwt: the audience (aud) tokens must be issued for; several comma-separated');
  return {
    mode,
    jwksUrl: jwksRaw ? r.url('CXGRAPH_JWT_JWKS_URL', jwksRaw) : '',
    issuer: issuer ?? '',
    audience,
    clockToleranceSeconds: r.int('CXGRAPH_JWT_CLOCK_TOLERANCE_SECONDS', 30, 0, 600),
    maxAgeSeconds: r.int('CXGRAPH_JWT_MAX_AGE_SECONDS', DEFAULT_JWT_MAX_AGE_SECONDS, 0, 365 * 86_400),
  };
}
