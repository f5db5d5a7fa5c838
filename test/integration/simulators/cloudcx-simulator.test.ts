/**
 * The CloudCX simulator over real HTTP: the password and refresh grants as a Spring OAuth 2 server answers
 * them, the documented JWT claims, refresh-token rotation and revocation, API keys, and the user page with
 * its 1-based request / 0-based reply paging, keyword search and error envelopes.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../../support/simulators.js';
import {
  CLOUDCX_ISSUER,
  DEFAULT_CLOUDCX_ACCOUNT,
  DEFAULT_CLOUDCX_API_KEY,
  DEFAULT_CLOUDCX_CLIENT,
  SAMPLE_CLOUDCX_USERS,
  createCloudCxSimulator,
} from '../../../src/simulators/index.js';

const OTHER_CLIENT = { clientId: '260390634491792831800002', clientSecret: 'other-secret' };

interface TokenBody {
  access_token: string;
  token_type: string;
  refresh_token: string;
  expires_in: number;
}
interface PageBody {
  code: string;
  message: string | null;
  data: {
    totalPages: number;
    totalElements: number;
    size: number;
    number: number;
    numberOfElements: number;
    content: { id: string; loginCode: string }[];
  } | null;
}

describe('CloudCX simulator', () => {
  const sim = useSimulator(createCloudCxSimulator({ clients: [DEFAULT_CLOUDCX_CLIENT, OTHER_CLIENT] }), { resetAfterEach: true });

  afterEach(() => {
    sim.tokenLifetimeSec = 3599;
    sim.refreshTokenLifetimeSec = 30 * 86_400;
  });

  function token(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }
  const client = { client_id: DEFAULT_CLOUDCX_CLIENT.clientId, client_secret: DEFAULT_CLOUDCX_CLIENT.clientSecret };
  const passwordFields = { ...client, grant_type: 'password', username: DEFAULT_CLOUDCX_ACCOUNT.username, password: DEFAULT_CLOUDCX_ACCOUNT.password };

  async function passwordToken(): Promise<TokenBody> {
    const res = await token(passwordFields);
    expect(res.status).toBe(200);
    return (await res.json()) as TokenBody;
  }

  function page(query: string, bearer: string | null): Promise<Response> {
    return fetch(`${sim.baseUrl}/openapi/v2/user/page${query}`, { headers: bearer === null ? {} : { Authorization: `Bearer ${bearer}` } });
  }
  async function pageBody(query: string, bearer: string): Promise<PageBody> {
    const res = await page(query, bearer);
    expect(res.status).toBe(200);
    return (await res.json()) as PageBody;
  }

  describe('token endpoint', () => {
    it('answers the password grant with a documented RS256 JWT, expires_in 3599 and an opaque refresh token', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await token(passwordFields);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('no-store');
      const body = (await res.json()) as TokenBody;
      expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', refresh_token: expect.any(String), expires_in: 3599 });
      expect(body.refresh_token.split('.')).toHaveLength(1);
      const header = decodeProtectedHeader(body.access_token);
      expect(header.alg).toBe('RS256');
      expect(header.kid).toEqual(expect.any(String));
      const claims = decodeJwt(body.access_token);
      const user = SAMPLE_CLOUDCX_USERS.find((u) => u.loginCode === DEFAULT_CLOUDCX_ACCOUNT.username)!;
      expect(claims).toMatchObject({ sub: DEFAULT_CLOUDCX_CLIENT.clientId, aud: DEFAULT_CLOUDCX_CLIENT.clientId, 'user-id': user.id, iss: CLOUDCX_ISSUER });
      expect(claims.iat).toBeGreaterThanOrEqual(before);
      expect(claims.nbf).toBe(claims.iat);
      // As in CloudCX's sample: expires_in 3599, exp − iat 3600.
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(sim.grantCount('password')).toBe(1);
      expect(sim.server.count('token')).toBe(1);
    });

    it('accepts client_secret_basic as well as the form', async () => {
      const basic = Buffer.from(`${DEFAULT_CLOUDCX_CLIENT.clientId}:${DEFAULT_CLOUDCX_CLIENT.clientSecret}`).toString('base64');
      const res = await token(
        { grant_type: 'password', username: DEFAULT_CLOUDCX_ACCOUNT.username, password: DEFAULT_CLOUDCX_ACCOUNT.password },
        { Authorization: `Basic ${basic}` },
      );
      expect(res.status).toBe(200);
    });

    it.each([
      ['no client at all', { grant_type: 'password', username: 'simon.admin', password: 'x' }, 401, 'unauthorized'],
      ['a wrong client secret', { ...passwordFields, client_secret: 'nope' }, 401, 'invalid_client'],
      ['an unknown client', { ...passwordFields, client_id: 'nobody' }, 401, 'invalid_client'],
      ['a wrong password', { ...passwordFields, password: 'nope' }, 400, 'invalid_grant'],
      ['an unknown user', { ...passwordFields, username: 'nobody' }, 400, 'invalid_grant'],
      ['no username', { ...client, grant_type: 'password', password: 'x' }, 400, 'invalid_grant'],
      ['no grant_type', { ...client }, 400, 'invalid_request'],
      ['another grant type', { ...client, grant_type: 'client_credentials' }, 400, 'unsupported_grant_type'],
      ['a refresh request without a token', { ...client, grant_type: 'refresh_token' }, 400, 'invalid_request'],
    ])('refuses %s', async (_what, fields, status, error) => {
      const res = await token(fields as Record<string, string>);
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toBe(error);
      expect(body.error_description).toEqual(expect.any(String));
    });

    it('rotates the refresh token on every use; the old one is then invalid_grant', async () => {
      const first = await passwordToken();
      const res = await token({ ...client, grant_type: 'refresh_token', refresh_token: first.refresh_token });
      expect(res.status).toBe(200);
      const second = (await res.json()) as TokenBody;
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      expect(decodeJwt(second.access_token)['user-id']).toBe(decodeJwt(first.access_token)['user-id']);
      expect(sim.isLiveRefreshToken(first.refresh_token)).toBe(false);
      expect(sim.isLiveRefreshToken(second.refresh_token)).toBe(true);

      const reused = await token({ ...client, grant_type: 'refresh_token', refresh_token: first.refresh_token });
      expect(reused.status).toBe(400);
      expect(((await reused.json()) as { error: string }).error).toBe('invalid_grant');
      expect(sim.grantCount('password')).toBe(1);
      expect(sim.grantCount('refresh_token')).toBe(2);
      expect(sim.server.count('token')).toBe(3);
    });

    it("refuses another client's refresh token without consuming it", async () => {
      const t = await passwordToken();
      const res = await token({
        client_id: OTHER_CLIENT.clientId,
        client_secret: OTHER_CLIENT.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: t.refresh_token,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
      expect(sim.isLiveRefreshToken(t.refresh_token)).toBe(true);
    });

    it('revokes refresh tokens on request, in code and through the control API', async () => {
      const a = await passwordToken();
      sim.revokeRefreshTokens();
      const refused = await token({ ...client, grant_type: 'refresh_token', refresh_token: a.refresh_token });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');

      const b = await passwordToken();
      const control = await fetch(`${sim.baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ revokeRefreshTokens: true }) });
      expect(control.status).toBe(200);
      expect(((await control.json()) as { liveRefreshTokens: number }).liveRefreshTokens).toBe(0);
      expect(sim.isLiveRefreshToken(b.refresh_token)).toBe(false);
    });

    it('refuses an expired refresh token with invalid_grant', async () => {
      sim.refreshTokenLifetimeSec = 1;
      const t = await passwordToken();
      await new Promise((r) => setTimeout(r, 1_100));
      const res = await token({ ...client, grant_type: 'refresh_token', refresh_token: t.refresh_token });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_grant');
    });

    it('takes the access-token lifetime from the control API', async () => {
      const res = await fetch(`${sim.baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 2 }) });
      expect(res.status).toBe(200);
      const t = await passwordToken();
      expect(t.expires_in).toBe(2);
      const claims = decodeJwt(t.access_token);
      expect(claims.exp! - claims.iat!).toBe(3);
      const bad = await fetch(`${sim.baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 0 }) });
      expect(bad.status).toBe(400);
    });
  });

  describe('user page', () => {
    it('needs a bearer: none is 401 unauthorized, a foreign one 401 invalid_token', async () => {
      const none = await page('?pageIndex=1&pageSize=25', null);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: string }).error).toBe('unauthorized');
      const wrong = await page('?pageIndex=1&pageSize=25', 'not-a-key');
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get('www-authenticate')).toContain('invalid_token');
      expect(((await wrong.json()) as { error: string }).error).toBe('invalid_token');
    });

    it('accepts an access token until it is revoked, and an API key', async () => {
      const t = await passwordToken();
      expect((await page('?pageIndex=1&pageSize=5', t.access_token)).status).toBe(200);
      expect((await page('?pageIndex=1&pageSize=5', DEFAULT_CLOUDCX_API_KEY)).status).toBe(200);
      expect((await fetch(`${sim.baseUrl}/__sim/revoke`, { method: 'POST' })).status).toBe(200);
      expect((await page('?pageIndex=1&pageSize=5', t.access_token)).status).toBe(401);
      expect((await page('?pageIndex=1&pageSize=5', DEFAULT_CLOUDCX_API_KEY)).status).toBe(200);
      expect(sim.server.count('userpage')).toBe(4);
    });

    it('pages with a 1-based pageIndex and answers a 0-based number', async () => {
      const body = await pageBody('?pageIndex=2&pageSize=10', DEFAULT_CLOUDCX_API_KEY);
      expect(body.code).toBe('0000');
      expect(body.message).toBeNull();
      expect(body.data).toMatchObject({ totalElements: SAMPLE_CLOUDCX_USERS.length, totalPages: 3, size: 10, number: 1, numberOfElements: 10 });
      expect(body.data!.content.map((u) => u.loginCode)).toEqual(SAMPLE_CLOUDCX_USERS.slice(10, 20).map((u) => u.loginCode));
      expect(body.data!.content[0]).toEqual(SAMPLE_CLOUDCX_USERS[10]);
    });

    it('searches loginCode, names and email case-insensitively', async () => {
      const body = await pageBody('?pageIndex=1&pageSize=25&keywords=SI', DEFAULT_CLOUDCX_API_KEY);
      const logins = body.data!.content.map((u) => u.loginCode);
      expect(logins).toEqual(expect.arrayContaining(['freesiaTest', 'simon.admin', 'silvia.rossi', 'jessica.lin', 'sienna.moore', 'lucas.silva']));
      expect(logins).not.toContain('tom.nguyen');
      expect(body.data!.totalElements).toBe(logins.length);
      const byName = await pageBody(`?pageIndex=1&pageSize=25&keywords=${encodeURIComponent('amelia hughes')}`, DEFAULT_CLOUDCX_API_KEY);
      expect(byName.data!.content.map((u) => u.loginCode)).toEqual(['amelia.hughes']);
    });

    it('answers a page past the end empty, with the true totals', async () => {
      const body = await pageBody('?pageIndex=9&pageSize=10', DEFAULT_CLOUDCX_API_KEY);
      expect(body.data).toMatchObject({ totalElements: SAMPLE_CLOUDCX_USERS.length, number: 8, numberOfElements: 0, content: [] });
    });

    it('answers bad paging parameters with HTTP 200 and error code 1001', async () => {
      for (const q of ['?pageIndex=0&pageSize=10', '?pageIndex=1&pageSize=0', '?pageIndex=x&pageSize=10', '?pageIndex=1&pageSize=1001']) {
        const body = await pageBody(q, DEFAULT_CLOUDCX_API_KEY);
        expect(body.code).toBe('1001');
        expect(body.data).toBeNull();
      }
    });

    it('answers an error envelope on request, for the asked number of answers', async () => {
      sim.failNext({ code: '2003', message: 'Tenant suspended', times: 2 });
      for (let i = 0; i < 2; i++)
        expect(await pageBody('?pageIndex=1&pageSize=5', DEFAULT_CLOUDCX_API_KEY)).toEqual({ code: '2003', message: 'Tenant suspended', data: null });
      expect((await pageBody('?pageIndex=1&pageSize=5', DEFAULT_CLOUDCX_API_KEY)).code).toBe('0000');
      const control = await fetch(`${sim.baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ errorEnvelope: {} }) });
      expect(control.status).toBe(200);
      expect((await pageBody('?pageIndex=1&pageSize=5', DEFAULT_CLOUDCX_API_KEY)).code).toBe('1001');
      const refused = await fetch(`${sim.baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ errorEnvelope: { code: '0000' } }) });
      expect(refused.status).toBe(400);
    });
  });
});
