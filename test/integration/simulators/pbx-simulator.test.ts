/**
 * The Telphin PBX simulator over real HTTP: it must check what the real PBX checks (client, registered redirect URI,
 * single-use short-lived codes, app types per grant) and answer with the documented shapes, or a client that passes
 * against it could fail against the real thing.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPbxSimulator, DEFAULT_PBX_PUBLIC_APP, SAMPLE_PBX_CALLS } from '../../../src/simulators/index.js';

const APP = DEFAULT_PBX_PUBLIC_APP;
const REDIRECT = APP.redirectUris[0]!;

describe('PBX simulator', () => {
  const sim = createPbxSimulator();
  let base: string;
  const realClock = sim.issuer.now;

  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });
  afterEach(() => {
    sim.issuer.now = realClock;
    sim.server.clearFaults();
    sim.tokenLifetimeSec = 3600;
    sim.codeLifetimeSec = 120;
  });

  const authorizeUrl = (over: Record<string, string | null> = {}) => {
    const q = new URLSearchParams();
    const fields: Record<string, string | null> = {
      response_type: 'code',
      client_id: APP.clientId,
      redirect_uri: REDIRECT,
      scope: 'all',
      state: 'st-1',
      ...over,
    };
    for (const [k, v] of Object.entries(fields)) if (v !== null) q.set(k, v);
    return `${base}/oauth/authorize?${q}`;
  };

  async function decide(decision: 'allow' | 'deny', over: Record<string, string> = {}): Promise<Response> {
    const form = new URLSearchParams({
      response_type: 'code',
      client_id: APP.clientId,
      redirect_uri: REDIRECT,
      scope: 'all',
      state: 'st-1',
      login: 'client1',
      decision,
      ...over,
    });
    return fetch(`${base}/oauth/authorize`, { method: 'POST', body: form, redirect: 'manual' });
  }

  async function code(login = 'client1'): Promise<string> {
    const res = await decide('allow', { login });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  }

  function token(fields: Record<string, string>): Promise<Response> {
    return fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  }

  const exchange = (c: string, over: Record<string, string> = {}) =>
    token({ grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, client_id: APP.clientId, client_secret: APP.clientSecret, ...over });

  async function userToken(): Promise<{ access_token: string; refresh_token: string; expires_in: number; token_type: string }> {
    const res = await exchange(await code());
    expect(res.status).toBe(200);
    return (await res.json()) as { access_token: string; refresh_token: string; expires_in: number; token_type: string };
  }

  async function trustedApp(accessToken: string, body: unknown = { name: 'cxgraph-test', type: 'trusted' }): Promise<Response> {
    return fetch(`${base}/api/ver1.0/application/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  const api = (path: string, accessToken: string) => fetch(`${base}/api/ver1.0${path}`, { headers: { authorization: `Bearer ${accessToken}` } });

  describe('consent page', () => {
    it('shows the app, the scope, a prefilled login and Allow / Deny buttons', async () => {
      const res = await fetch(authorizeUrl());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain(APP.name);
      expect(html).toMatch(/scope: <strong>all<\/strong>/);
      expect(html).toMatch(/name="login" value="client1"/);
      expect(html).toMatch(/<button[^>]*value="allow"[^>]*>Allow<\/button>/);
      expect(html).toMatch(/<button[^>]*value="deny"[^>]*>Deny<\/button>/);
      expect(html).toContain('name="state" value="st-1"');
    });

    it('shows an error page, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
      const cases: Record<string, string | null>[] = [
        { client_id: 'nope' },
        { client_id: null },
        { redirect_uri: 'https://evil.example/cb' },
        { redirect_uri: `${REDIRECT}/x` },
      ];
      for (const over of cases) {
        const res = await fetch(authorizeUrl(over), { redirect: 'manual' });
        expect(res.status).toBe(400);
        expect(res.headers.get('location')).toBeNull();
      }
      const res = await decide('allow', { redirect_uri: 'https://evil.example/cb' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    });

    it('redirects protocol errors once the redirect URI is trusted (bad scope, response type)', async () => {
      const scope = await fetch(authorizeUrl({ scope: 'read' }), { redirect: 'manual' });
      expect(scope.status).toBe(302);
      expect(Object.fromEntries(new URL(scope.headers.get('location')!).searchParams)).toMatchObject({ error: 'invalid_scope', state: 'st-1' });
      const rt = await fetch(authorizeUrl({ response_type: 'token' }), { redirect: 'manual' });
      expect(new URL(rt.headers.get('location')!).searchParams.get('error')).toBe('unsupported_response_type');
    });

    it('Allow redirects with a code and the state; Deny with error=access_denied', async () => {
      const allow = await decide('allow');
      const loc = new URL(allow.headers.get('location')!);
      expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
      expect(loc.searchParams.get('code')).toMatch(/^[A-Za-z0-9]{30}$/);
      expect(loc.searchParams.get('state')).toBe('st-1');
      const deny = await decide('deny');
      expect(Object.fromEntries(new URL(deny.headers.get('location')!).searchParams)).toMatchObject({ error: 'access_denied', state: 'st-1' });
    });

    it('an unknown login gets the page again with an error, no code', async () => {
      const res = await decide('allow', { login: 'ghost' });
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('Unknown PBX login');
    });
  });

  describe('token endpoint', () => {
    it('exchanges a code for a Bearer JWT with exp and a refresh token', async () => {
      const t = await userToken();
      expect(t.token_type).toBe('Bearer');
      expect(t.expires_in).toBe(3600);
      expect(decodeProtectedHeader(t.access_token).alg).toBe('RS256');
      const claims = decodeJwt(t.access_token);
      expect(claims.sub).toBe('20');
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(t.refresh_token).toBeTruthy();
    });

    it('codes are single-use; a replay is invalid_grant and revokes what the code gave', async () => {
      const c = await code();
      const first = (await (await exchange(c)).json()) as { access_token: string };
      expect((await api('/user/', first.access_token)).status).toBe(200);
      const again = await exchange(c);
      expect(again.status).toBe(400);
      expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
      expect((await api('/user/', first.access_token)).status).toBe(401);
    });

    it('codes are short-lived', async () => {
      sim.codeLifetimeSec = 1;
      // The platform's clock, moved by the test: a code is good for its lifetime, and not a millisecond more.
      let now = 1_700_000_000_000;
      sim.issuer.now = () => now;
      const [inTime, late] = [await code(), await code()];
      now += 999;
      expect((await exchange(inTime)).status).toBe(200);
      now += 1;
      expect(await (await exchange(late)).json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('checks the redirect URI and the client of the code', async () => {
      expect(await (await exchange(await code(), { redirect_uri: APP.redirectUris[1]! })).json()).toMatchObject({ error: 'invalid_grant' });
      const wrongSecret = await exchange(await code(), { client_secret: 'wrong' });
      expect(wrongSecret.status).toBe(401);
      expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
      expect(await (await exchange('unknown-code')).json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('refreshes with a valid refresh token, and answers 401 invalid_grant to a bad one', async () => {
      const t = await userToken();
      const ok = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: APP.clientId, client_secret: APP.clientSecret });
      expect(ok.status).toBe(200);
      const reused = await token({ grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: APP.clientId, client_secret: APP.clientSecret });
      expect(reused.status).toBe(401);
      expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('gives public apps no client_credentials and trusted apps no code exchange', async () => {
      const pub = await token({ grant_type: 'client_credentials', client_id: APP.clientId, client_secret: APP.clientSecret });
      expect(await pub.json()).toMatchObject({ error: 'unauthorized_client' });
      const app = (await (await trustedApp((await userToken()).access_token)).json()) as { id: string; secret: string };
      const tr = await token({ grant_type: 'authorization_code', code: await code(), redirect_uri: REDIRECT, client_id: app.id, client_secret: app.secret });
      expect(await tr.json()).toMatchObject({ error: 'unauthorized_client' });
    });
  });

  describe('trusted applications', () => {
    it('are created once with a secret, get client-credentials tokens without refresh token, for the consenting user', async () => {
      const res = await trustedApp((await userToken()).access_token);
      expect(res.status).toBe(201);
      const app = (await res.json()) as Record<string, unknown>;
      expect(app).toMatchObject({ type: 'trusted', name: 'cxgraph-test' });
      expect(typeof app.id).toBe('string');
      expect(typeof app.secret).toBe('string');
      const t = await token({ grant_type: 'client_credentials', client_id: app.id as string, client_secret: app.secret as string });
      expect(t.status).toBe(200);
      const body = (await t.json()) as Record<string, unknown>;
      expect(body.refresh_token).toBeUndefined();
      const user = await (await api('/user/', body.access_token as string)).json();
      expect(user).toMatchObject({ id: 20, login: 'client1', client_id: 12, admin: false, access: 'full', extra_params: null });
    });

    it('need a name and the trusted type', async () => {
      const at = (await userToken()).access_token;
      expect((await trustedApp(at, { type: 'trusted' })).status).toBe(400);
      expect((await trustedApp(at, { name: 'x', type: 'public' })).status).toBe(400);
      expect((await trustedApp(at, { name: 'x', trusted: true })).status).toBe(201);
    });

    it('once revoked: token requests are invalid_client and their tokens stop working', async () => {
      const app = (await (await trustedApp((await userToken()).access_token)).json()) as { id: string; secret: string };
      const t = (await (await token({ grant_type: 'client_credentials', client_id: app.id, client_secret: app.secret })).json()) as { access_token: string };
      expect(sim.revokeTrustedApp(app.id)).toBe(1);
      expect((await api('/user/', t.access_token)).status).toBe(401);
      const res = await token({ grant_type: 'client_credentials', client_id: app.id, client_secret: app.secret });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    });

    it('can be revoked through the control API', async () => {
      const app = (await (await trustedApp((await userToken()).access_token)).json()) as { id: string; secret: string };
      const ctl = await fetch(`${base}/__sim/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ revokeTrustedApp: app.id }),
      });
      expect(ctl.status).toBe(200);
      expect(await (await token({ grant_type: 'client_credentials', client_id: app.id, client_secret: app.secret })).json()).toMatchObject({
        error: 'invalid_client',
      });
    });
  });

  describe('API', () => {
    it('answers 401 without or with a revoked token', async () => {
      const none = await fetch(`${base}/api/ver1.0/user/`);
      expect(none.status).toBe(401);
      expect(await none.json()).toEqual({ message: 'Authorization required' });
      const at = (await userToken()).access_token;
      sim.revokeTokens();
      expect((await api('/user/', at)).status).toBe(401);
    });

    it('lists extensions by type with paging, for @me or the own client only', async () => {
      const at = (await userToken()).access_token;
      const phones = (await (await api('/client/@me/extension/?type=phone', at)).json()) as { id: number; type: string }[];
      expect(phones.map((e) => e.id)).toEqual([1201, 1202, 1203]);
      expect(Object.keys(phones[0]!).sort()).toEqual(['id', 'label', 'name', 'status', 'type']);
      expect(((await (await api('/client/12/extension/?page=2&per_page=2', at)).json()) as unknown[]).length).toBe(2);
      expect((await api('/client/13/extension/', at)).status).toBe(403);
      expect((await api('/client/999/extension/', at)).status).toBe(404);
      expect((await api('/client/@me/extension/?per_page=501', at)).status).toBe(400);
    });

    it('serves call history between GMT dates, ordered and paged, and refuses other date formats', async () => {
      const at = (await userToken()).access_token;
      const res = await api('/client/12/call_history/?start_datetime=2024-05-01%2012:00:00&end_datetime=2024-05-01%2013:00:00&per_page=10&page=1', at);
      const body = (await res.json()) as {
        page: number;
        per_page: number;
        order: string;
        call_history: { call_uuid: string; start_time_gmt: string; cdr: unknown[] }[];
      };
      expect(body).toMatchObject({ page: 1, per_page: 10, order: 'desc' });
      expect(body.call_history.map((c) => c.start_time_gmt)).toEqual(['2024-05-01 12:30:01', '2024-05-01 12:00:01']);
      expect(body.call_history[0]!.cdr.length).toBe(1);
      const bad = await api('/client/12/call_history/?start_datetime=2024-05-01T12:00:00Z', at);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toContain('start_datetime');
    });

    it('gives a record storage URL that serves the file without any Authorization, and 404 Record not found', async () => {
      const at = (await userToken()).access_token;
      const uuid = SAMPLE_PBX_CALLS.find((c) => c.client_id === 12 && c.cdr[0]!.record_uuid)!.cdr[0]!.record_uuid!;
      const su = (await (await api(`/client/@me/record/${uuid}/storage_url/`, at)).json()) as { record_url: string };
      const file = await fetch(su.record_url);
      expect(file.status).toBe(200);
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(sim.recordBytes(uuid));
      expect((await fetch(su.record_url, { headers: { authorization: `Bearer ${at}` } })).status).toBe(400);
      expect((await fetch(su.record_url.replace(/signature=[^&]+/, 'signature=forged'))).status).toBe(403);
      const missing = await api('/client/@me/record/00000000-0000-4000-8000-000000000000/storage_url/', at);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ message: 'Record not found' });
    });

    it('answers 429 "concurrent request not allowed" on demand, and counts requests per route', async () => {
      const at = (await userToken()).access_token;
      sim.server.resetCounts();
      sim.rateLimitNext('user', 1, 2);
      const limited = await api('/user/', at);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('2');
      expect(((await limited.json()) as { message: string }).message).toContain('concurrent request not allowed');
      expect((await api('/user/', at)).status).toBe(200);
      expect(sim.server.count('user')).toBe(2);
    });
  });
});
