/**
 * What the five simulators share through their shell: `env()` points cxgraph's provider at the simulator (and
 * passes loadConfig's validation), the token lifetime and revoke controls, and `POST /__sim/config` refusing a
 * request as a whole when any of its keys is bad. Also the PBX consent page's own driver, `consent()`.
 */
import { describe, expect, it } from 'vitest';
import { useSimulators } from '../../support/simulators.js';
import { loadConfig } from '../../../src/app/config.js';
import {
  consent,
  ConsentPageError,
  createCallJourneySimulator,
  createCloudCxSimulator,
  createNvmSimulator,
  createPbxSimulator,
  createSangomaSimulator,
  DEFAULT_CLOUDCX_API_KEY,
  DEFAULT_PBX_PUBLIC_APP,
  type Simulator,
} from '../../../src/simulators/index.js';

describe('simulator shell', () => {
  const cj = createCallJourneySimulator();
  const sangoma = createSangomaSimulator();
  const cloudcx = createCloudCxSimulator();
  const nvm = createNvmSimulator();
  const pbx = createPbxSimulator();
  const all: Simulator[] = useSimulators([cj, sangoma, cloudcx, nvm, pbx]);

  describe('env()', () => {
    it("names each provider's variables, pointing at the simulator", () => {
      expect(cj.env()).toEqual({
        CALLJOURNEY_TENANT_ID: cj.tenantId,
        CALLJOURNEY_CLIENT_ID: 'cj-client',
        CALLJOURNEY_CLIENT_SECRET: 'cj-secret-local',
        CALLJOURNEY_BASE_URL: cj.url,
        CALLJOURNEY_TOKEN_URL: `${cj.url}/${cj.tenantId}/oauth2/v2.0/token`,
      });
      expect(sangoma.env()).toEqual({
        SANGOMA_CLIENT_ID: 'sangoma-client',
        SANGOMA_CLIENT_SECRET: 'sangoma-secret-local',
        SANGOMA_BASE_URL: `${sangoma.url}/cx`,
        SANGOMA_TOKEN_URL: `${sangoma.url}/oauth/token`,
      });
      expect(cloudcx.env()).toEqual({
        CLOUDCX_BASE_URL: cloudcx.url,
        CLOUDCX_CLIENT_ID: cloudcx.clients[0]!.clientId,
        CLOUDCX_CLIENT_SECRET: cloudcx.clients[0]!.clientSecret,
        CLOUDCX_USERNAME: 'simon.admin',
        CLOUDCX_PASSWORD: cloudcx.accounts[0]!.password,
      });
      expect(cloudcx.env({ auth: 'apiKey' })).toEqual({ CLOUDCX_BASE_URL: cloudcx.url, CLOUDCX_API_KEY: DEFAULT_CLOUDCX_API_KEY });
      expect(nvm.env()).toEqual({ NVM_CLIENT_ID: 'nvm-client', NVM_CLIENT_SECRET: 'nvm-secret-local', NVM_AUTH_BASE_URL: nvm.url, NVM_API_BASE_URL: nvm.url });
      expect(pbx.env()).toEqual({
        PBX_BASE_URL: pbx.url,
        PBX_CLIENT_ID: DEFAULT_PBX_PUBLIC_APP.clientId,
        PBX_CLIENT_SECRET: DEFAULT_PBX_PUBLIC_APP.clientSecret,
        PBX_REDIRECT_URI: DEFAULT_PBX_PUBLIC_APP.redirectUris[0],
      });
    });

    it('registers the PBX redirect URI it is given with the app', () => {
      const redirectUri = 'http://127.0.0.1:4321/oauth/pbx/callback';
      expect(pbx.env({ redirectUri }).PBX_REDIRECT_URI).toBe(redirectUri);
      expect(pbx.publicApps[0]!.redirectUris).toContain(redirectUri);
    });

    it('passes the configuration validation of a real deployment', () => {
      const env = { ...cj.env(), ...sangoma.env(), ...cloudcx.env(), ...nvm.env(), ...pbx.env() };
      expect(() => loadConfig({ NODE_ENV: 'test', ...env })).not.toThrow();
      expect(() => loadConfig({ NODE_ENV: 'test', ...cloudcx.env({ auth: 'apiKey' }) })).not.toThrow();
    });

    it('throws before start()', () => {
      expect(() => createNvmSimulator().env()).toThrow(/not started/);
    });
  });

  it('every simulator offers the token lifetime and revoke controls over HTTP', async () => {
    for (const sim of all) {
      const before = sim.tokenLifetimeSec;
      const set = await fetch(`${sim.url}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 42 }) });
      expect(await set.json()).toMatchObject({ tokenLifetimeSec: 42, latencyMs: 0 });
      expect(sim.tokenLifetimeSec).toBe(42);
      sim.tokenLifetimeSec = before;
      const revoke = await fetch(`${sim.url}/__sim/revoke`, { method: 'POST' });
      expect(await revoke.json()).toEqual({ revoked: true });
      expect(() => {
        sim.tokenLifetimeSec = 0;
      }).toThrow(RangeError);
    }
  });

  it('POST /__sim/config applies nothing when any key of the request is bad, whichever part of the simulator claims it', async () => {
    const bad = [
      { sim: pbx, body: { codeLifetimeSec: 5, tokenLifetimeSec: 0 } },
      { sim: pbx, body: { tokenLifetimeSec: 10, revokeTrustedApp: 3 } },
      { sim: nvm, body: { interactionsPageSize: 5, usersEnvelope: 'items' } },
      { sim: cloudcx, body: { refreshTokenLifetimeSec: 60, errorEnvelope: { code: '0000' } } },
      { sim: cj, body: { latencyMs: 50, tokenLifetimeSec: -1 } },
    ];
    for (const { sim, body } of bad) {
      const before = await (await fetch(`${sim.url}/__sim/config`, { method: 'POST', body: '{}' })).json();
      const res = await fetch(`${sim.url}/__sim/config`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      await res.text();
      expect(await (await fetch(`${sim.url}/__sim/config`, { method: 'POST', body: '{}' })).json()).toEqual(before);
    }
  });

  describe('consent() drives the PBX consent page', () => {
    const REDIRECT = DEFAULT_PBX_PUBLIC_APP.redirectUris[0]!;
    const authorize = (over: Record<string, string> = {}) =>
      `${pbx.url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: DEFAULT_PBX_PUBLIC_APP.clientId, redirect_uri: REDIRECT, scope: 'all', state: 's-1', ...over })}`;

    it('Allow lands on the redirect URI with a code the token endpoint exchanges for the chosen user', async () => {
      const landing = await consent(authorize(), { login: 'client2', decision: 'allow' });
      expect(`${landing.origin}${landing.pathname}`).toBe(REDIRECT);
      expect(landing.searchParams.get('state')).toBe('s-1');
      const token = await fetch(`${pbx.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: landing.searchParams.get('code')!,
          redirect_uri: REDIRECT,
          client_id: DEFAULT_PBX_PUBLIC_APP.clientId,
          client_secret: DEFAULT_PBX_PUBLIC_APP.clientSecret,
        }),
      });
      const { access_token } = (await token.json()) as { access_token: string };
      const me = await fetch(`${pbx.url}/api/ver1.0/user/`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(await me.json()).toMatchObject({ id: 30, login: 'client2' });
    });

    it("takes the page's login and Allow by default", async () => {
      const landing = await consent(authorize());
      expect(landing.searchParams.get('code')).toMatch(/^[A-Za-z0-9]{30}$/);
    });

    it('Deny lands with error=access_denied; a refused request lands with its error', async () => {
      expect(Object.fromEntries((await consent(authorize(), { decision: 'deny' })).searchParams)).toMatchObject({ error: 'access_denied', state: 's-1' });
      expect((await consent(authorize({ scope: 'read' }))).searchParams.get('error')).toBe('invalid_scope');
    });

    it('throws ConsentPageError where the PBX keeps the browser on its page', async () => {
      await expect(consent(authorize(), { login: 'nobody' })).rejects.toMatchObject({ name: 'ConsentPageError', status: 401, problem: 'Unknown PBX login' });
      const unregistered = consent(authorize({ redirect_uri: 'https://evil.example/cb' }));
      await expect(unregistered).rejects.toBeInstanceOf(ConsentPageError);
      await expect(unregistered).rejects.toMatchObject({ status: 400 });
    });
  });
});
