/** The security variables: caller authentication modes, production's refusal to run open by default, limits. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { callerAuthWarning } from '../../src/server/caller-auth.js';

function problems(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const SECRET = 'Zr4x-router-secret-9Hq2Lw';
const JWT_ENV = {
  CXGRAPH_JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
  CXGRAPH_JWT_ISSUER: 'https://idp.example.com/',
  CXGRAPH_JWT_AUDIENCE: 'cxgraph, other',
};

describe('caller authentication configuration', () => {
  it('is off outside production by default, with a warning to log', () => {
    const c = loadConfig({});
    expect(c.auth).toEqual({ mode: 'none', explicit: false });
    expect(callerAuthWarning(c.auth, false)).toContain('Caller authentication is off');
  });

  it('production refuses to start without an auth mode, unless CXGRAPH_AUTH=none is explicit (still warned)', () => {
    const e = problems({ NODE_ENV: 'production' });
    expect(e.problems.map((p) => p.variable)).toEqual(['CXGRAPH_AUTH']);
    expect(e.message).toContain('required in production');
    const open = loadConfig({ NODE_ENV: 'production', CXGRAPH_AUTH: 'none' });
    expect(open.auth).toEqual({ mode: 'none', explicit: true });
    expect(callerAuthWarning(open.auth, true)).toContain('CXGRAPH_AUTH=none');
  });

  it('router-secret, chosen explicitly or by setting the secret; several secrets for rotation', () => {
    expect(loadConfig({ CXGRAPH_ROUTER_SECRET: SECRET }).auth).toEqual({ mode: 'router-secret', secrets: [SECRET] });
    const c = loadConfig({ NODE_ENV: 'production', CXGRAPH_AUTH: 'router-secret', CXGRAPH_ROUTER_SECRET: ` ${SECRET} , ${SECRET}-next ` });
    expect(c.auth).toEqual({ mode: 'router-secret', secrets: [SECRET, `${SECRET}-next`] });
    expect(callerAuthWarning(c.auth, true)).toBeUndefined();
  });

  it('refuses a missing or short secret without echoing it', () => {
    expect(problems({ CXGRAPH_AUTH: 'router-secret' }).problems[0]!.variable).toBe('CXGRAPH_ROUTER_SECRET');
    const e = problems({ CXGRAPH_ROUTER_SECRET: `${SECRET},short-Q7x` });
    expect(e.message).toContain('at least 16 characters');
    expect(e.message).not.toContain('short-Q7x');
    expect(e.message).not.toContain(SECRET);
  });

  it('jwt: JWKS URL (https or loopback), issuer and audience are required', () => {
    expect(loadConfig(JWT_ENV).auth).toEqual({
      mode: 'jwt',
      ...{ jwksUrl: JWT_ENV.CXGRAPH_JWT_JWKS_URL, issuer: JWT_ENV.CXGRAPH_JWT_ISSUER },
      audience: ['cxgraph', 'other'],
      clockToleranceSeconds: 30,
      maxAgeSeconds: 86_400,
    });
    expect(problems({ CXGRAPH_AUTH: 'jwt' }).problems.map((p) => p.variable)).toEqual(['CXGRAPH_JWT_JWKS_URL', 'CXGRAPH_JWT_ISSUER', 'CXGRAPH_JWT_AUDIENCE']);
    expect(problems({ ...JWT_ENV, CXGRAPH_JWT_JWKS_URL: 'http://idp.example.com/jwks' }).problems[0]!.variable).toBe('CXGRAPH_JWT_JWKS_URL');
    expect(loadConfig({ ...JWT_ENV, CXGRAPH_JWT_JWKS_URL: 'http://127.0.0.1:9/jwks', CXGRAPH_JWT_CLOCK_TOLERANCE_SECONDS: '0' }).auth).toMatchObject({
      jwksUrl: 'http://127.0.0.1:9/jwks',
      clockToleranceSeconds: 0,
    });
    expect(problems({ ...JWT_ENV, CXGRAPH_JWT_MAX_AGE_SECONDS: '1h' }).message).toMatch(
      /CXGRAPH_JWT_MAX_AGE_SECONDS: expected an integer from 0 to 31536000, got "1h"/,
    );
  });

  it('reports contradictions: variables of another mode, both modes at once, an unknown mode', () => {
    expect(problems({ CXGRAPH_AUTH: 'none', CXGRAPH_ROUTER_SECRET: SECRET }).message).toContain('CXGRAPH_ROUTER_SECRET: is set but CXGRAPH_AUTH is none');
    expect(problems({ CXGRAPH_AUTH: 'jwt', ...JWT_ENV, CXGRAPH_ROUTER_SECRET: SECRET }).problems.map((p) => p.variable)).toEqual(['CXGRAPH_ROUTER_SECRET']);
    expect(problems({ ...JWT_ENV, CXGRAPH_ROUTER_SECRET: SECRET }).problems.map((p) => p.variable)).toEqual(['CXGRAPH_AUTH']);
    expect(problems({ CXGRAPH_AUTH: 'basic' }).message).toContain('expected one of none, router-secret, jwt, got "basic"');
  });
});

describe('request limits configuration', () => {
  it('defaults and overrides', () => {
    expect(loadConfig({}).requestLimits).toEqual({
      maxDepth: 12,
      maxAliases: 30,
      maxCost: 10_000,
      maxBodyBytes: 1024 * 1024,
      maxTokens: 20_000,
      maxUpstreamCallsPerRequest: 1000,
    });
    expect(
      loadConfig({
        CXGRAPH_MAX_DEPTH: '5',
        CXGRAPH_MAX_ALIASES: '0',
        CXGRAPH_MAX_COST: '100',
        CXGRAPH_MAX_BODY_BYTES: '4096',
        CXGRAPH_MAX_TOKENS: '500',
        CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST: '50',
      }).requestLimits,
    ).toEqual({
      maxDepth: 5,
      maxAliases: 0,
      maxCost: 100,
      maxBodyBytes: 4096,
      maxTokens: 500,
      maxUpstreamCallsPerRequest: 50,
    });
    expect(
      problems({ CXGRAPH_MAX_DEPTH: '0', CXGRAPH_MAX_BODY_BYTES: '10', CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST: '0' }).problems.map((p) => p.variable),
    ).toEqual(['CXGRAPH_MAX_DEPTH', 'CXGRAPH_MAX_BODY_BYTES', 'CXGRAPH_MAX_UPSTREAM_CALLS_PER_REQUEST']);
  });
});
