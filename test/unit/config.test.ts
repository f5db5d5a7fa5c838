import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, providerConfig } from '../../src/app/config.js';

function problems(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults: port 4001, memory store, embedded simulators when nothing is configured', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4001);
    expect(c.redisUrl).toBeUndefined();
    expect(c.embeddedSimulators).toBe(true);
    expect(c.limits).toEqual({ maxKeysPerBatch: 500, upstreamTimeoutMs: 10_000, retryAfterCapSeconds: 5, maxResponseBytes: 4 * 1024 * 1024 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('no embedded simulators in production or once a provider is configured', () => {
    expect(loadConfig({ NODE_ENV: 'production', CXGRAPH_AUTH: 'none' }).embeddedSimulators).toBe(false);
    const c = loadConfig({ CALLJOURNEY_TENANT_ID: 't', CALLJOURNEY_CLIENT_ID: 'c', CALLJOURNEY_CLIENT_SECRET: 's' });
    expect(c.embeddedSimulators).toBe(false);
    expect(providerConfig<Record<string, unknown>>(c, 'CALLJOURNEY')).toMatchObject({
      baseUrl: 'https://platform.calljourney.com',
      tokenUrl: 'https://login.microsoftonline.com/t/oauth2/v2.0/token',
      scope: 'api://c/.default',
      recordingConcurrency: 16,
    });
  });

  it('derives regional URLs', () => {
    const cj = loadConfig({ CALLJOURNEY_TENANT_ID: 't', CALLJOURNEY_CLIENT_ID: 'c', CALLJOURNEY_CLIENT_SECRET: 's', CALLJOURNEY_REGION: 'ca' });
    expect(providerConfig<Record<string, unknown>>(cj, 'CALLJOURNEY')!.baseUrl).toBe('https://platform-ca.calljourney.com');
    const nvm = loadConfig({ NVM_CLIENT_ID: 'c', NVM_CLIENT_SECRET: 's', NVM_REGION: 'apac' });
    expect(providerConfig<Record<string, unknown>>(nvm, 'NEWVOICEMEDIA')).toMatchObject({
      authBaseUrl: 'https://apac.newvoicemedia.com',
      apiBaseUrl: 'https://apac.api.newvoicemedia.com',
    });
  });

  it('reports every problem at once, naming each variable, and never echoes a secret', () => {
    const secret = 'super-secret-value-123';
    const e = problems({
      PORT: 'eighty',
      CALLJOURNEY_CLIENT_ID: 'abc',
      CALLJOURNEY_CLIENT_SECRET: secret,
      CALLJOURNEY_BASE_URL: 'http://platform.calljourney.com',
      NVM_REGION: 'mars',
      CLOUDCX_PASSWORD: secret,
      CXGRAPH_ENCRYPTION_KEYS: secret,
      SANGOMA_CLIENT_SECRET: secret,
    });
    const vars = e.problems.map((p) => p.variable);
    expect(vars).toEqual(
      expect.arrayContaining([
        'PORT',
        'CALLJOURNEY_TENANT_ID',
        'NVM_REGION',
        'CLOUDCX_CLIENT_ID',
        'CLOUDCX_USERNAME',
        'CXGRAPH_ENCRYPTION_KEYS',
        'SANGOMA_CLIENT_ID',
      ]),
    );
    expect(e.message).toContain('expected an integer from 0 to 65535, got "eighty"');
    expect(e.message).toContain('expected one of emea, nam, apac, got "mars"');
    expect(e.message).not.toContain(secret);
  });

  it('requires https for upstream URLs except on loopback', () => {
    const base = { CALLJOURNEY_TENANT_ID: 't', CALLJOURNEY_CLIENT_ID: 'c', CALLJOURNEY_CLIENT_SECRET: 's' };
    expect(problems({ ...base, CALLJOURNEY_BASE_URL: 'http://example.com' }).problems[0]!.variable).toBe('CALLJOURNEY_BASE_URL');
    expect(problems({ ...base, CALLJOURNEY_TOKEN_URL: 'https://user:pw@login.example.com/t' }).message).not.toContain('pw@');
    for (const host of ['http://127.0.0.1:9000', 'http://localhost:9000', 'http://[::1]:9000']) {
      expect(providerConfig<Record<string, unknown>>(loadConfig({ ...base, CALLJOURNEY_BASE_URL: host }), 'CALLJOURNEY')!.baseUrl).toBe(host);
    }
  });

  it('in production, Redis without encryption keys is refused; keys must be 32 bytes', () => {
    expect(problems({ NODE_ENV: 'production', REDIS_URL: 'redis://r:6379' }).problems[0]!.variable).toBe('CXGRAPH_ENCRYPTION_KEYS');
    expect(problems({ CXGRAPH_ENCRYPTION_KEYS: Buffer.alloc(16).toString('base64') }).message).toContain('32 bytes');
    const ok = loadConfig({
      NODE_ENV: 'production',
      CXGRAPH_AUTH: 'none',
      REDIS_URL: 'redis://r:6379',
      CXGRAPH_ENCRYPTION_KEYS: `${Buffer.alloc(32, 1).toString('base64')},${Buffer.alloc(32, 2).toString('base64')}`,
    });
    expect(ok.encryptionKeys).toHaveLength(2);
  });

  it('CloudCX: API key or password grant, and a base URL either way', () => {
    expect(
      providerConfig<Record<string, unknown>>(loadConfig({ CLOUDCX_BASE_URL: 'https://cx.example.com:9001/', CLOUDCX_API_KEY: 'k' }), 'CLOUDCX'),
    ).toMatchObject({
      baseUrl: 'https://cx.example.com:9001',
      tokenUrl: 'https://cx.example.com:9001/oauth/token',
      auth: { kind: 'apiKey' },
    });
    expect(problems({ CLOUDCX_API_KEY: 'k' }).problems[0]!.variable).toBe('CLOUDCX_BASE_URL');
    expect(problems({ CLOUDCX_BASE_URL: 'https://cx.example.com' }).problems[0]!.variable).toBe('CLOUDCX_API_KEY');
  });

  it('PBX redirect URI must be the callback URL', () => {
    const e = problems({ PBX_CLIENT_ID: 'a', PBX_CLIENT_SECRET: 'b', PBX_REDIRECT_URI: 'https://cxgraph.example.com/wrong' });
    expect(e.problems[0]).toMatchObject({ variable: 'PBX_REDIRECT_URI' });
    expect(
      providerConfig<Record<string, unknown>>(
        loadConfig({ PBX_CLIENT_ID: 'a', PBX_CLIENT_SECRET: 'b', PBX_REDIRECT_URI: 'https://cxgraph.example.com/oauth/pbx/callback' }),
        'PBX',
      )!.baseUrl,
    ).toBe('https://apiproxy.telphin.ru');
  });
});
