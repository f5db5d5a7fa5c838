/**
 * The Sangoma simulator checks what the real auth server and CX API check (Basic client authentication,
 * scopes separated by one space, per-scope access) and answers the documented shapes; its choices where the
 * docs are silent are listed in its doc comment.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSangomaSimulator, SANGOMA_TOKEN_LIFETIME_SEC } from '../../../src/simulators/index.js';

const CLIENT_ID = 'sangoma-client';
const SECRET = 'sangoma-secret-local';
const TENANT = 'acme.cx.example.com';
const BOTH = 'cx.agent-calls cx.queue-calls';

interface TokenSuccess {
  access_token: string;
  scope: string;
  token_type: string;
  expires_in: number;
}
interface OAuthError {
  error: string;
  error_description: string;
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('Sangoma simulator', () => {
  const sim = createSangomaSimulator({
    clients: [
      { clientId: CLIENT_ID, clientSecret: SECRET },
      { clientId: 'queues-only', clientSecret: 'q-secret', scopes: ['cx.queue-calls'] },
    ],
  });
  let url: string;
  const realClock = sim.issuer.now;

  beforeAll(async () => {
    url = await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });
  afterEach(() => {
    sim.issuer.now = realClock;
    sim.tokenLifetimeSec = SANGOMA_TOKEN_LIFETIME_SEC;
    sim.server.clearFaults();
    sim.server.resetCounts();
    sim.clearCalls();
  });

  function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = { authorization: basic(CLIENT_ID, SECRET) }): Promise<Response> {
    return fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  async function token(scope = BOTH, headers?: Record<string, string>): Promise<string> {
    const res = await tokenRequest({ grant_type: 'client_credentials', scope }, headers);
    expect(res.status).toBe(200);
    return ((await res.json()) as TokenSuccess).access_token;
  }

  function callApi(path: string, body: unknown, bearer: string | null, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${sim.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }
  const agentBody = { agent_name: 'alice', destination: '+15550100199', tenant_domain: TENANT };
  const queueBody = { queue_name: 'support', destination: '+15550100199', tenant_domain: TENANT };

  async function expectOAuthError(res: Response, status: number, error: string): Promise<OAuthError> {
    expect(res.status).toBe(status);
    const body = (await res.json()) as OAuthError;
    expect(body.error).toBe(error);
    expect(typeof body.error_description).toBe('string');
    return body;
  }

  it('mirrors the real hosts: token at /oauth/token, API under /cx', () => {
    expect(sim.tokenUrl).toBe(`${url}/oauth/token`);
    expect(sim.baseUrl).toBe(`${url}/cx`);
  });

  describe('token endpoint', () => {
    it('answers the documented shape with a real RS256 JWT carrying the granted scopes and exp', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await tokenRequest({ grant_type: 'client_credentials', scope: BOTH });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('no-store');
      const body = (await res.json()) as TokenSuccess;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(body).toMatchObject({ scope: BOTH, token_type: 'bearer', expires_in: 24_304_413 });
      expect(decodeProtectedHeader(body.access_token).alg).toBe('RS256');
      const claims = decodeJwt(body.access_token);
      expect(claims.scope).toBe(BOTH);
      expect(claims.client_id).toBe(CLIENT_ID);
      const after = Math.ceil(Date.now() / 1000);
      expect(claims.exp! - before).toBeGreaterThanOrEqual(24_304_413 - 1);
      expect(claims.exp! - after).toBeLessThanOrEqual(24_304_413 + 1);
      expect(sim.server.count('token')).toBe(1);
    });

    it('refuses client credentials in the body (client_secret_post) with 401 invalid_client and a Basic challenge', async () => {
      const res = await tokenRequest({ grant_type: 'client_credentials', scope: BOTH, client_id: CLIENT_ID, client_secret: SECRET }, {});
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Sangoma"');
      const body = await expectOAuthError(res, 401, 'invalid_client');
      expect(body.error_description).toContain('HTTP Basic');
      expect(JSON.stringify(body)).not.toContain(SECRET);
    });

    it('refuses a request without client authentication, and one with two methods', async () => {
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials', scope: BOTH }, {}), 401, 'invalid_client');
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials', scope: BOTH, client_secret: SECRET }), 400, 'invalid_request');
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials', scope: BOTH }, { authorization: 'Basic %%%' }), 401, 'invalid_client');
    });

    it('refuses a wrong secret and an unknown client alike, without echoing the secret', async () => {
      const wrong = await tokenRequest({ grant_type: 'client_credentials', scope: BOTH }, { authorization: basic(CLIENT_ID, 'nope-Zx81') });
      const body = await expectOAuthError(wrong, 401, 'invalid_client');
      expect(JSON.stringify(body)).not.toContain('nope-Zx81');
      await expectOAuthError(
        await tokenRequest({ grant_type: 'client_credentials', scope: BOTH }, { authorization: basic('who', SECRET) }),
        401,
        'invalid_client',
      );
    });

    it('reads Basic credentials as Sangoma documents them: base64(client_id:client_secret), the values as they are', async () => {
      const special = createSangomaSimulator({ clients: [{ clientId: 'id with space', clientSecret: 's&cret+/=:x' }] });
      await special.start();
      try {
        const ask = (authorization: string) =>
          fetch(special.tokenUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
            body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'cx.agent-calls' }).toString(),
          });
        const raw = await ask(`Basic ${Buffer.from('id with space:s&cret+/=:x').toString('base64')}`);
        expect(raw.status).toBe(200);
        await raw.text();
        // Form-encoded first (RFC 6749 §2.3.1) is another secret to this platform: refused.
        const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
        const form = await ask(`Basic ${Buffer.from(`${enc('id with space')}:${enc('s&cret+/=:x')}`).toString('base64')}`);
        expect(form.status).toBe(401);
        await form.text();
      } finally {
        await special.stop();
      }
    });

    it('requires grant_type=client_credentials', async () => {
      await expectOAuthError(await tokenRequest({ scope: BOTH }), 400, 'invalid_request');
      await expectOAuthError(await tokenRequest({ grant_type: 'password', scope: BOTH }), 400, 'unsupported_grant_type');
    });

    it.each([
      ['missing', undefined],
      ['blank', '  '],
      ['unknown', 'cx.agent-calls cx.everything'],
      ['comma-separated', 'cx.agent-calls,cx.queue-calls'],
      ['double-spaced', 'cx.agent-calls  cx.queue-calls'],
    ])('answers invalid_scope for a %s scope', async (_name, scope) => {
      const fields: Record<string, string> = { grant_type: 'client_credentials' };
      if (scope !== undefined) fields.scope = scope;
      await expectOAuthError(await tokenRequest(fields), 400, 'invalid_scope');
    });

    it('answers invalid_scope for a scope the client may not have', async () => {
      const headers = { authorization: basic('queues-only', 'q-secret') };
      await expectOAuthError(await tokenRequest({ grant_type: 'client_credentials', scope: BOTH }, headers), 400, 'invalid_scope');
      expect(decodeJwt(await token('cx.queue-calls', headers)).scope).toBe('cx.queue-calls');
    });
  });

  describe('call API', () => {
    it('places an agent call and a queue callback with a token holding both scopes, recording each', async () => {
      const t = await token();
      const a = await callApi('/api/v1/agents/call/', agentBody, t);
      expect(a.status).toBe(200);
      const ab = (await a.json()) as { success: boolean; message: string; call_id: string };
      expect(ab).toEqual({ success: true, message: 'Call initiated', call_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      const q = await callApi('/api/v1/queues/call/', queueBody, t);
      expect(q.status).toBe(200);
      const qb = (await q.json()) as { call_id: string };
      expect(sim.calls.map((c) => [c.kind, c.name, c.callId])).toEqual([
        ['agent', 'alice', ab.call_id],
        ['queue', 'support', qb.call_id],
      ]);
      expect(sim.server.counts()).toEqual({ token: 1, 'agents-call': 1, 'queues-call': 1 });
    });

    it('grants only the scopes asked for: a cx.agent-calls token gets 403 insufficient_scope on the queue endpoint', async () => {
      const t = await token('cx.agent-calls');
      expect((await callApi('/api/v1/agents/call/', agentBody, t)).status).toBe(200);
      const q = await callApi('/api/v1/queues/call/', queueBody, t);
      expect(q.status).toBe(403);
      expect(q.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="cx.queue-calls"');
      expect(await q.json()).toEqual({ success: false, message: 'The access token does not grant the scope cx.queue-calls' });
      expect(sim.calls).toHaveLength(1);
    });

    it('answers 401 to a missing, garbage, foreign or revoked token', async () => {
      const none = await callApi('/api/v1/agents/call/', agentBody, null);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      await none.text();
      const garbage = await callApi('/api/v1/agents/call/', agentBody, 'not-a-token');
      expect(garbage.status).toBe(401);
      expect(garbage.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      await garbage.text();

      const other = createSangomaSimulator();
      await other.start();
      try {
        const res = await fetch(other.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(CLIENT_ID, SECRET) },
          body: 'grant_type=client_credentials&scope=cx.agent-calls',
        });
        const foreign = ((await res.json()) as TokenSuccess).access_token;
        expect((await callApi('/api/v1/agents/call/', agentBody, foreign)).status).toBe(401);
      } finally {
        await other.stop();
      }

      const t = await token();
      const revoke = await fetch(`${url}/__sim/revoke`, { method: 'POST' });
      expect(revoke.status).toBe(200);
      expect((await callApi('/api/v1/agents/call/', agentBody, t)).status).toBe(401);
      expect((await callApi('/api/v1/agents/call/', agentBody, await token())).status).toBe(200);
    });

    it('answers 401 once a short-lived token has expired', async () => {
      const res = await fetch(`${url}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 1 }) });
      expect(await res.json()).toMatchObject({ tokenLifetimeSec: 1 });
      // The platform's clock, moved by the test: issued at the start of a second, the token is good for that second.
      let now = 1_700_000_000_000;
      sim.issuer.now = () => now;
      const t = await token();
      now += 999;
      expect((await callApi('/api/v1/agents/call/', agentBody, t)).status).toBe(200);
      now += 1;
      expect((await callApi('/api/v1/agents/call/', agentBody, t)).status).toBe(401);
      const refused = await fetch(`${url}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 0 }) });
      expect(refused.status).toBe(400);
    });

    it('checks content type, JSON, required fields and the destination', async () => {
      const t = await token();
      const text = await callApi('/api/v1/agents/call/', 'agent_name=alice', t, { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      const bad = await callApi('/api/v1/agents/call/', '{"agent_name":', t);
      expect(bad.status).toBe(400);
      for (const field of ['agent_name', 'destination', 'tenant_domain']) {
        const r = await callApi('/api/v1/agents/call/', { ...agentBody, [field]: ' ' }, t);
        expect(r.status).toBe(400);
        expect(await r.json()).toEqual({ success: false, message: `${field} is required` });
      }
      const q = await callApi('/api/v1/queues/call/', { destination: '+15550100199', tenant_domain: TENANT }, t);
      expect(await q.json()).toEqual({ success: false, message: 'queue_name is required' });
      for (const destination of ['+1 555 0100', 'hello', 'alice@example.com']) {
        expect((await callApi('/api/v1/agents/call/', { ...agentBody, destination }, t)).status).toBe(400);
      }
      for (const destination of ['1001', '*97', 'sip:1001@pbx.example.com', 'tel:+1-201-555-0123']) {
        expect((await callApi('/api/v1/agents/call/', { ...agentBody, destination }, t)).status).toBe(200);
      }
    });

    it('knows tenants, agents and queues: 404 unknown, 409 unavailable agent; tenant case-insensitive', async () => {
      const t = await token();
      const cases: [string, Record<string, string>, number, string][] = [
        ['/api/v1/agents/call/', { ...agentBody, tenant_domain: 'nowhere.example.com' }, 404, 'Tenant nowhere.example.com not found'],
        ['/api/v1/agents/call/', { ...agentBody, agent_name: 'zed' }, 404, `Agent zed not found in tenant ${TENANT}`],
        ['/api/v1/agents/call/', { ...agentBody, agent_name: 'Alice' }, 404, `Agent Alice not found in tenant ${TENANT}`],
        ['/api/v1/agents/call/', { ...agentBody, agent_name: 'carol' }, 409, 'Agent carol is not available to place a call'],
        ['/api/v1/queues/call/', { ...queueBody, queue_name: 'billing' }, 404, `Queue billing not found in tenant ${TENANT}`],
      ];
      for (const [path, body, status, message] of cases) {
        const r = await callApi(path, body, t);
        expect(r.status).toBe(status);
        expect(await r.json()).toEqual({ success: false, message });
      }
      expect((await callApi('/api/v1/agents/call/', { ...agentBody, tenant_domain: 'ACME.CX.example.com' }, t)).status).toBe(200);
      expect(sim.calls).toHaveLength(1);
    });

    it('serves the documented paths with their trailing slash only', async () => {
      const t = await token();
      const r = await callApi('/api/v1/agents/call', agentBody, t);
      expect(r.status).toBe(404);
      await r.text();
      expect(sim.calls).toHaveLength(0);
    });

    it('misbehaves on request: injected faults hit the named route only', async () => {
      const t = await token();
      sim.server.inject({ kind: 'status', route: 'agents-call', status: 503 });
      expect((await callApi('/api/v1/queues/call/', queueBody, t)).status).toBe(200);
      expect((await callApi('/api/v1/agents/call/', agentBody, t)).status).toBe(503);
      expect((await callApi('/api/v1/agents/call/', agentBody, t)).status).toBe(200);
    });
  });
});
