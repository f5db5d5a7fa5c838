import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../../support/simulators.js';
import { SAMPLE_RECORDINGS, TokenIssuer, createCallJourneySimulator } from '../../../src/simulators/index.js';

const TENANT = '00000000-0000-4000-8000-000000000001';
const CLIENT_ID = 'cj-client';
const SECRET = 'cj-secret-local';
const SCOPE = `api://${CLIENT_ID}/.default`;

interface TokenSuccess {
  token_type: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
}

interface AadError {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
}

describe('CallJourney simulator', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let tokenUrl: string;
  let baseUrl: string;

  beforeAll(() => {
    tokenUrl = sim.tokenUrl;
    baseUrl = sim.baseUrl;
  });
  const realClock = sim.issuer.now;
  afterEach(() => {
    sim.issuer.now = realClock;
    sim.tokenLifetimeSec = 3599;
    sim.server.clearFaults();
  });

  function tokenRequest(fields: Record<string, string>, init: { url?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    return fetch(init.url ?? tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...init.headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  const goodFields = { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: SCOPE };

  async function getToken(): Promise<string> {
    const res = await tokenRequest(goodFields);
    expect(res.status).toBe(200);
    return ((await res.json()) as TokenSuccess).access_token;
  }

  function search(body: unknown, token: string | null, headers: Record<string, string> = {}, path = '/api/v1/search/conversationexists'): Promise<Response> {
    return fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  const known = SAMPLE_RECORDINGS[0]!;
  const knownKey = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };

  describe('URLs', () => {
    it('serves the token endpoint under the tenant and the API at the base URL', () => {
      expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(tokenUrl).toBe(`${baseUrl}/${TENANT}/oauth2/v2.0/token`);
      expect(sim.tenantId).toBe(TENANT);
      expect(sim.clients).toEqual([{ clientId: CLIENT_ID, clientSecret: SECRET }]);
    });
  });

  describe('Azure AD token endpoint', () => {
    it('issues a v2 client-credentials token with Azure AD claims', async () => {
      const before = Math.floor(Date.now() / 1000);
      const res = await tokenRequest(goodFields);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toContain('no-store');
      const body = (await res.json()) as TokenSuccess;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
      expect(body.token_type).toBe('Bearer');
      expect(body.expires_in).toBe(3599);
      expect(body.ext_expires_in).toBe(3599);

      expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      const claims = decodeJwt(body.access_token);
      expect(claims).toMatchObject({
        aud: `api://${CLIENT_ID}`,
        iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
        tid: TENANT,
        azp: CLIENT_ID,
        roles: ['Recording.Read'],
        ver: '2.0',
      });
      expect(claims.oid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(claims.sub).toBe(claims.oid);
      expect(typeof claims.jti).toBe('string');
      expect(claims.iat).toBeGreaterThanOrEqual(before);
      expect(claims.nbf).toBe(claims.iat);
      expect(claims.exp).toBe(claims.iat! + 3599);
      expect(JSON.stringify(claims)).not.toContain(SECRET);
    });

    it('accepts client_secret_basic as Azure AD does', async () => {
      const basic = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
      const res = await tokenRequest({ grant_type: 'client_credentials', scope: SCOPE }, { headers: { Authorization: `Basic ${basic}` } });
      expect(res.status).toBe(200);
      expect(decodeJwt(((await res.json()) as TokenSuccess).access_token).azp).toBe(CLIENT_ID);
    });

    it('issues distinct tokens and counts them', async () => {
      const issued = sim.issuer.issuedCount;
      const a = await getToken();
      const b = await getToken();
      expect(a).not.toBe(b);
      expect(sim.issuer.issuedCount).toBe(issued + 2);
    });

    async function expectAadError(res: Response, status: number, error: string, code: number): Promise<AadError> {
      expect(res.status).toBe(status);
      const body = (await res.json()) as AadError;
      expect(body).toMatchObject({ error, error_codes: [code] });
      expect(body.error_description.startsWith(`AADSTS${code}: `)).toBe(true);
      expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
      expect(body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(body)).not.toContain(SECRET);
      return body;
    }

    it('unknown tenant → 400 invalid_request AADSTS90002', async () => {
      const res = await tokenRequest(goodFields, { url: `${baseUrl}/11111111-1111-4111-8111-111111111111/oauth2/v2.0/token` });
      await expectAadError(res, 400, 'invalid_request', 90002);
    });

    it('a body that is not form-encoded reads as empty → 400 invalid_request AADSTS900144', async () => {
      const res = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(goodFields) });
      const body = await expectAadError(res, 400, 'invalid_request', 900144);
      expect(body.error_description).toContain("'grant_type'");
    });

    it('grant_type other than client_credentials → 400 unsupported_grant_type AADSTS70003', async () => {
      const res = await tokenRequest({ ...goodFields, grant_type: 'password' });
      await expectAadError(res, 400, 'unsupported_grant_type', 70003);
    });

    it('unknown client_id → 400 unauthorized_client AADSTS700016', async () => {
      const res = await tokenRequest({ ...goodFields, client_id: 'someone-else', scope: 'api://someone-else/.default' });
      const body = await expectAadError(res, 400, 'unauthorized_client', 700016);
      expect(body.error_description).toContain("'someone-else'");
    });

    it('missing client_id → 400 invalid_request AADSTS900144', async () => {
      const { client_id: _omit, ...fields } = goodFields;
      await expectAadError(await tokenRequest(fields), 400, 'invalid_request', 900144);
    });

    it('wrong secret → 401 invalid_client AADSTS7000215, never echoing the secret', async () => {
      const wrong = 'not-the-secret-7f3a';
      const res = await tokenRequest({ ...goodFields, client_secret: wrong });
      const body = await expectAadError(res, 401, 'invalid_client', 7000215);
      expect(body.error_description.startsWith('AADSTS7000215: Invalid client secret provided.')).toBe(true);
      expect(JSON.stringify(body)).not.toContain(wrong);
    });

    it('wrong secret sent with client_secret_basic → 401 invalid_client AADSTS7000215', async () => {
      const basic = Buffer.from(`${CLIENT_ID}:nope`).toString('base64');
      const res = await tokenRequest({ grant_type: 'client_credentials', scope: SCOPE }, { headers: { Authorization: `Basic ${basic}` } });
      await expectAadError(res, 401, 'invalid_client', 7000215);
    });

    it('missing secret → 401 invalid_client AADSTS7000218', async () => {
      const { client_secret: _omit, ...fields } = goodFields;
      await expectAadError(await tokenRequest(fields), 401, 'invalid_client', 7000218);
    });

    it('scope other than api://{client_id}/.default → 400 invalid_scope AADSTS70011', async () => {
      for (const scope of [`api://${CLIENT_ID}`, 'https://graph.microsoft.com/.default', `api://other/.default`, `${SCOPE} offline_access`]) {
        await expectAadError(await tokenRequest({ ...goodFields, scope }), 400, 'invalid_scope', 70011);
      }
    });

    it('missing scope → 400 invalid_scope AADSTS70011', async () => {
      const { scope: _omit, ...fields } = goodFields;
      await expectAadError(await tokenRequest(fields), 400, 'invalid_scope', 70011);
    });

    it('only answers POST', async () => {
      const res = await fetch(tokenUrl);
      expect(res.status).toBe(404);
      await res.text();
    });

    it('honours a configured lifetime for tokens issued afterwards', async () => {
      sim.tokenLifetimeSec = 120;
      const res = await tokenRequest(goodFields);
      const body = (await res.json()) as TokenSuccess;
      expect(body.expires_in).toBe(120);
      expect(body.ext_expires_in).toBe(120);
      const claims = decodeJwt(body.access_token);
      expect(claims.exp! - claims.iat!).toBe(120);
      expect(() => {
        sim.tokenLifetimeSec = 0;
      }).toThrow(RangeError);
    });
  });

  describe('POST /api/v1/search/conversationexists', () => {
    let token: string;
    beforeAll(async () => {
      token = await getToken();
    });

    it('answers exists:true with the callId of a known recording', async () => {
      const res = await search(knownKey, token);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ exists: true, callId: known.callId });
    });

    it('answers exists:false with an empty callId for an unknown recording', async () => {
      const res = await search({ ...knownKey, filename: 'missing.wav' }, token);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ exists: false, callId: '' });
    });

    it('finds recordings added later', async () => {
      const recording = { company: 'initech', organisation: 'it', folder: 'x', filename: 'tps.wav', callId: 'TPSreportCallId_0001' };
      sim.addRecording(recording);
      const { callId: _omit, ...key } = recording;
      expect(await (await search(key, token)).json()).toEqual({ exists: true, callId: 'TPSreportCallId_0001' });
    });

    it.each(['company', 'organisation', 'folder', 'filename'] as const)('400 "%s is required" when it is missing, empty or not a string', async (field) => {
      for (const value of [undefined, '', '   ', 42]) {
        const body: Record<string, unknown> = { ...knownKey, [field]: value };
        if (value === undefined) delete body[field];
        const res = await search(body, token);
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ message: `${field} is required` });
      }
    });

    it('400 when the body is not JSON, 415 when not sent as JSON', async () => {
      const bad = await search('{"company":', token);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ message: 'Request body must be valid JSON' });
      const form = await search(JSON.stringify(knownKey), token, { 'Content-Type': 'text/plain' });
      expect(form.status).toBe(415);
      await form.text();
    });

    it('401 without a token, with a Bearer challenge', async () => {
      const res = await search(knownKey, null);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toEqual({ message: 'Unauthorized' });
    });

    it('401 invalid_token for a tampered token, a foreign token or another scheme', async () => {
      const [header, payload, signature] = token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, roles: ['Admin'] })).toString('base64url');
      const foreign = await new TokenIssuer().issue(decodeJwt(token), 3600);
      for (const bad of [`${header}.${forgedPayload}.${signature}`, foreign, 'not-a-jwt']) {
        const res = await search(knownKey, bad);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
        expect(await res.json()).toEqual({ message: 'Unauthorized' });
      }
      const basic = await search(knownKey, null, { Authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64')}` });
      expect(basic.status).toBe(401);
      await basic.text();
    });

    it('401 for a token this issuer signed for another audience or tenant', async () => {
      const base = decodeJwt(token);
      for (const claims of [
        { ...base, aud: 'api://someone-else' },
        { ...base, tid: '11111111-1111-4111-8111-111111111111' },
        { ...base, roles: [] },
      ]) {
        const other = await sim.issuer.issue(claims, 3600);
        const res = await search(knownKey, other);
        expect(res.status).toBe(401);
        await res.text();
      }
    });

    it('checks the token before the body', async () => {
      const res = await search({}, null);
      expect(res.status).toBe(401);
      await res.text();
    });

    it('404 for the guide typo /api/v1/search/callexists and for other methods', async () => {
      const typo = await search(knownKey, token, {}, '/api/v1/search/callexists');
      expect(typo.status).toBe(404);
      expect(await typo.json()).toEqual({ message: 'Not Found' });
      const get = await fetch(`${baseUrl}/api/v1/search/conversationexists`, { headers: { Authorization: `Bearer ${token}` } });
      expect(get.status).toBe(404);
      await get.text();
    });
  });

  describe('token revocation and expiry', () => {
    it('revokeTokens() invalidates tokens issued so far, not later ones', async () => {
      const old = await getToken();
      expect((await search(knownKey, old)).status).toBe(200);
      sim.revokeTokens();
      const revoked = await search(knownKey, old);
      expect(revoked.status).toBe(401);
      expect(revoked.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      await revoked.text();
      const fresh = await getToken();
      expect((await search(knownKey, fresh)).status).toBe(200);
    });

    it('POST /__sim/revoke revokes through the control API', async () => {
      const old = await getToken();
      expect((await search(knownKey, old)).status).toBe(200);
      const res = await fetch(`${baseUrl}/__sim/revoke`, { method: 'POST' });
      expect(res.status).toBe(200);
      await res.text();
      expect((await search(knownKey, old)).status).toBe(401);
    });

    it('a token whose lifetime has passed is refused with 401', async () => {
      sim.tokenLifetimeSec = 1;
      // The platform's clock, moved by the test: issued at the start of a second, the token is good for that second.
      let now = 1_700_000_000_000;
      sim.issuer.now = () => now;
      const res = await tokenRequest(goodFields);
      const body = (await res.json()) as TokenSuccess;
      expect(body.expires_in).toBe(1);
      now += 999;
      expect((await search(knownKey, body.access_token)).status).toBe(200);
      now += 1;
      const expired = await search(knownKey, body.access_token);
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      await expired.text();
    });

    it('POST /__sim/config {"tokenLifetimeSec": 10} shortens tokens issued afterwards', async () => {
      const res = await fetch(`${baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: 10 }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ tokenLifetimeSec: 10 });
      expect(sim.tokenLifetimeSec).toBe(10);
      const body = (await (await tokenRequest(goodFields)).json()) as TokenSuccess;
      expect(body.expires_in).toBe(10);
      const claims = decodeJwt(body.access_token);
      expect(claims.exp! - claims.iat!).toBe(10);
      for (const bad of [0, -1, 1.5, '10']) {
        const refused = await fetch(`${baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ tokenLifetimeSec: bad }) });
        expect(refused.status).toBe(400);
        await refused.text();
      }
      expect(sim.tokenLifetimeSec).toBe(10);
    });
  });

  describe('counters and faults', () => {
    it('counts token and conversationexists requests by route name', async () => {
      sim.server.resetCounts();
      const token = await getToken();
      await (await search(knownKey, token)).text();
      await (await search(knownKey, token)).text();
      await (await search(knownKey, token, {}, '/api/v1/search/callexists')).text();
      expect(sim.server.counts()).toEqual({ token: 1, conversationexists: 2, '<unmatched>': 1 });
      const stats = await (await fetch(`${baseUrl}/__sim/stats`)).json();
      expect(stats).toMatchObject({ name: 'calljourney', counts: { token: 1, conversationexists: 2, '<unmatched>': 1 } });
    });

    it('injects a 429 with Retry-After into the API', async () => {
      const token = await getToken();
      sim.server.inject({ kind: 'status', route: 'conversationexists', status: 429, retryAfterSec: 3, body: { message: 'Too Many Requests' } });
      const res = await search(knownKey, token);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      await res.text();
      expect((await search(knownKey, token)).status).toBe(200);
    });

    it('injects a 503 into the token endpoint only', async () => {
      sim.server.inject({ kind: 'status', route: 'token', status: 503 });
      const token = await getToken().catch(() => null);
      expect(token).toBeNull();
      expect((await tokenRequest(goodFields)).status).toBe(200);
    });
  });

  describe('options', () => {
    it('accepts a tenant, clients, recordings and a lifetime', async () => {
      const custom = createCallJourneySimulator({
        tenantId: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE',
        clients: [
          { clientId: 'app-1', clientSecret: 's1' },
          { clientId: 'app-2', clientSecret: 's2' },
        ],
        recordings: [{ company: 'c', organisation: 'o', folder: 'f', filename: 'n.wav', callId: 'id-1' }],
        tokenLifetimeSec: 60,
      });
      expect(() => custom.tokenUrl).toThrow(/not started/);
      await custom.start();
      try {
        expect(custom.tokenUrl).toBe(`${custom.baseUrl}/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/oauth2/v2.0/token`);
        // Tenant ids compare case-insensitively, like Azure AD's GUIDs.
        const res = await tokenRequest(
          { grant_type: 'client_credentials', client_id: 'app-2', client_secret: 's2', scope: 'api://app-2/.default' },
          { url: `${custom.baseUrl}/AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE/oauth2/v2.0/token` },
        );
        expect(res.status).toBe(200);
        const body = (await res.json()) as TokenSuccess;
        expect(body.expires_in).toBe(60);
        expect(decodeJwt(body.access_token).aud).toBe('api://app-2');
        // app-1's secret does not authenticate app-2.
        const cross = await tokenRequest(
          { grant_type: 'client_credentials', client_id: 'app-2', client_secret: 's1', scope: 'api://app-2/.default' },
          { url: custom.tokenUrl },
        );
        expect(cross.status).toBe(401);
        await cross.text();
        const found = await fetch(`${custom.baseUrl}/api/v1/search/conversationexists`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${body.access_token}` },
          body: JSON.stringify({ company: 'c', organisation: 'o', folder: 'f', filename: 'n.wav' }),
        });
        expect(await found.json()).toEqual({ exists: true, callId: 'id-1' });
        // Tokens of one simulator mean nothing to another.
        const elsewhere = await search(knownKey, body.access_token);
        expect(elsewhere.status).toBe(401);
        await elsewhere.text();
      } finally {
        await custom.stop();
      }
    });
  });
});
