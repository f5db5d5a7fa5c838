import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../../support/simulators.js';
import { DEFAULT_NVM_CLIENT, NVM_USERS_ONLY_CLIENT, createNvmSimulator } from '../../../src/simulators/index.js';

const { clientId: CLIENT_ID, clientSecret: SECRET } = DEFAULT_NVM_CLIENT;
const V = {
  availability: 'application/vnd.newvoicemedia.v1+json',
  users: 'application/vnd.newvoicemedia.v4+json',
  interactions: 'application/vnd.newvoicemedia.v3+json',
};

describe('NewVoiceMedia simulator', () => {
  const sim = useSimulator(createNvmSimulator());
  let base: string;
  const tokens = new Map<string, string>();

  beforeAll(() => {
    base = sim.apiBaseUrl;
  });
  afterEach(() => {
    sim.server.clearFaults();
    sim.rateLimit = null;
    sim.usersEnvelope = 'meta';
    sim.interactionsPageSize = 10;
  });

  function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }
  const good = (scope: string) => ({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope });

  async function token(scope: string): Promise<string> {
    let t = tokens.get(scope);
    if (!t) {
      const res = await tokenRequest(good(scope));
      expect(res.status).toBe(200);
      t = ((await res.json()) as { access_token: string }).access_token;
      tokens.set(scope, t);
    }
    return t;
  }

  async function get(path: string, scope: string | null, accept: string | null): Promise<Response> {
    const headers: Record<string, string> = {};
    if (scope) headers.authorization = `Bearer ${await token(scope)}`;
    if (accept) headers.accept = accept;
    return fetch(`${base}${path}`, { headers });
  }

  describe('token endpoint', () => {
    it('serves both hosts from one server', () => {
      expect(sim.authBaseUrl).toBe(sim.apiBaseUrl);
      expect(sim.tokenUrl).toBe(`${sim.authBaseUrl}/Auth/connect/token`);
    });

    it('issues a 2-hour JWT for exactly the one scope asked for, with the documented body', async () => {
      const res = await tokenRequest(good('users:read'));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('no-store');
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
      expect(body).toMatchObject({ expires_in: 7200, token_type: 'Bearer' });
      expect(decodeProtectedHeader(body.access_token as string)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
      const claims = decodeJwt(body.access_token as string);
      expect(claims.scope).toEqual(['users:read']);
      expect(claims.client_id).toBe(CLIENT_ID);
      expect(claims.exp).toBe(claims.iat! + 7200);
      expect(JSON.stringify(claims)).not.toContain(SECRET);
    });

    it('counts token requests per scope', async () => {
      const before = sim.tokenRequests('interaction-content:read');
      await tokenRequest(good('interaction-content:read'));
      await tokenRequest(good('interaction-content:read'));
      expect(sim.tokenRequests('interaction-content:read')).toBe(before + 2);
      expect(sim.tokenRequestsByScope()['interaction-content:read']).toBe(before + 2);
      expect(sim.server.count('token')).toBeGreaterThanOrEqual(2);
    });

    it.each([
      ['a wrong secret', { client_secret: 'nope-123' }],
      ['an unknown client', { client_id: 'someone-else' }],
      ['no secret', { client_secret: '' }],
    ])('%s → 400 {"error":"invalid_client"}', async (_, change) => {
      const res = await tokenRequest({ ...good('users:read'), ...change });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_client' });
    });

    it('grant types other than client_credentials (or none) → unsupported_grant_type', async () => {
      for (const grant_type of ['password', '']) {
        const res = await tokenRequest({ ...good('users:read'), grant_type });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ error: 'unsupported_grant_type' });
      }
    });

    it('no scope → the documented invalid_scope "You must specify a scope"', async () => {
      const res = await tokenRequest(good(''));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_scope', error_description: 'You must specify a scope' });
    });

    it('two scopes, an unknown scope, or a scope the credentials lack → invalid_scope', async () => {
      const two = await tokenRequest(good('users:read agents-availability:read'));
      expect(await two.json()).toEqual({ error: 'invalid_scope', error_description: 'You must specify only one scope' });
      const unknown = await tokenRequest(good('users:admin'));
      expect(await unknown.json()).toEqual({ error: 'invalid_scope' });
      const lacking = await tokenRequest({
        ...good('agents-availability:read'),
        client_id: NVM_USERS_ONLY_CLIENT.clientId,
        client_secret: NVM_USERS_ONLY_CLIENT.clientSecret,
      });
      expect(lacking.status).toBe(400);
      expect(await lacking.json()).toEqual({ error: 'invalid_scope' });
    });

    it('a body that is not form-encoded → invalid_request', async () => {
      const res = await fetch(sim.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(good('users:read')) });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_request' });
    });
  });

  describe('API gateway checks', () => {
    it('no token → 401 with the documented message', async () => {
      const res = await get('/useradmin/users', null, V.users);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'The access token is invalid or has expired' });
    });

    it('a token for another scope → 403 insufficient_scope', async () => {
      const res = await fetch(`${base}/useradmin/users`, { headers: { accept: V.users, authorization: `Bearer ${await token('agents-availability:read')}` } });
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    });

    it('no version in Accept → 400 "Version missing from Accept header!"; another version → 406', async () => {
      for (const accept of [null, 'application/json']) {
        const res = await get('/agents-availability?skillNames=French', 'agents-availability:read', accept);
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ message: 'Version missing from Accept header!' });
      }
      const wrong = await get('/agents-availability?skillNames=French', 'agents-availability:read', 'application/vnd.newvoicemedia.v2+json');
      expect(wrong.status).toBe(406);
    });

    it('revoked tokens → 401; new ones work', async () => {
      const scope = 'users:read';
      await token(scope);
      sim.revokeTokens();
      const old = await get('/useradmin/users', scope, V.users);
      expect(old.status).toBe(401);
      tokens.clear();
      expect((await get('/useradmin/users', scope, V.users)).status).toBe(200);
    });

    it('the shared fair-usage limit answers 429 with Retry-After across APIs', async () => {
      sim.rateLimit = { requests: 2, windowSec: 30 };
      expect((await get('/useradmin/users', 'users:read', V.users)).status).toBe(200);
      expect((await get('/agents-availability?skillNames=French', 'agents-availability:read', V.availability)).status).toBe(200);
      const limited = await get('/interaction-content/interactions/00000000-0000-4000-8000-000000000000', 'interaction-content:read', V.interactions);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // The auth host is not part of the limit.
      expect((await tokenRequest(good('users:read'))).status).toBe(200);
    });
  });

  describe('agents availability', () => {
    it('counts active agents having any of the skills, per state', async () => {
      const res = await get('/agents-availability?skillNames=French,English', 'agents-availability:read', V.availability);
      expect(res.status).toBe(200);
      const expected = { Ready: 0, Away: 0, 'Extended Away': 0, 'Logged Out': 0 };
      for (const u of sim.users) {
        if (u.active && u.userAccountConfiguration.actAsAgent && u.skills.some((s) => s === 'French' || s === 'English')) expected[u.state]++;
      }
      expect(await res.json()).toEqual(expected);
      expect(Object.values(expected).reduce((a, b) => a + b)).toBeGreaterThan(0);
    });

    it('no skill → the documented 400', async () => {
      for (const q of ['', '?skillNames=', '?skillNames=,']) {
        const res = await get(`/agents-availability${q}`, 'agents-availability:read', V.availability);
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ SkillNames: ['The SkillNames field is required.'] });
      }
    });
  });

  describe('user admin', () => {
    it('pages with the meta envelope; include=All holds archived users', async () => {
      const res = await get('/useradmin/users?include=All&page=2&limit=15', 'users:read', V.users);
      const body = (await res.json()) as { meta: Record<string, number>; items: { userId: string; active: boolean }[] };
      expect(body.meta).toEqual({ page: 2, count: 15, pageCount: 3, totalCount: 40 });
      expect(body.items.map((u) => u.userId)).toEqual(sim.users.slice(15, 30).map((u) => u.userId));
      expect(body.items[0]).not.toHaveProperty('skills');
      const active = (await (await get('/useradmin/users?include=Active&limit=5000', 'users:read', V.users)).json()) as { items: { active: boolean }[] };
      expect(active.items.every((u) => u.active)).toBe(true);
      expect(active.items.length).toBe(sim.users.filter((u) => u.active).length);
      expect(active.items.length).toBeLessThan(40);
    });

    it('holds 40 distinct users, some agents, some archived', () => {
      expect(new Set(sim.users.map((u) => u.name)).size).toBe(40);
      expect(new Set(sim.users.map((u) => u.username)).size).toBe(40);
      expect(sim.users.filter((u) => u.userAccountConfiguration.actAsAgent).length).toBe(20);
      expect(sim.users.filter((u) => !u.active).length).toBe(5);
    });

    it('answers the {"users":[…]} envelope when told to', async () => {
      sim.usersEnvelope = 'users';
      const body = (await (await get('/useradmin/users?include=All&page=1&limit=10', 'users:read', V.users)).json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['users']);
      expect((body.users as unknown[]).length).toBe(10);
    });

    it('limit above 5000 → 400; one user by id; unknown id → 404', async () => {
      expect((await get('/useradmin/users?limit=5001', 'users:read', V.users)).status).toBe(400);
      const u = sim.users[3]!;
      const one = await get(`/useradmin/users/${u.userId}`, 'users:read', V.users);
      expect(await one.json()).toMatchObject({ userId: u.userId, username: u.username, userAccountConfiguration: { actAsAgent: false } });
      expect((await get('/useradmin/users/nobody', 'users:read', V.users)).status).toBe(404);
    });
  });

  describe('interaction content', () => {
    const range = 'start=2024-05-01T00:00:00Z&end=2024-05-08T00:00:00Z';

    it('pages with continuation tokens until null, each interaction once, tokens bound to start/end', async () => {
      sim.interactionsPageSize = 20;
      const seen: string[] = [];
      let next: string | null = null;
      let pages = 0;
      do {
        const q: string = next ? `${range}&continuationToken=${encodeURIComponent(next)}` : range;
        const body = (await (await get(`/interaction-content/interactions?${q}`, 'interaction-content:read', V.interactions)).json()) as {
          meta: { nextContinuationToken: string | null };
          items: { guid: string }[];
        };
        seen.push(...body.items.map((i) => i.guid));
        next = body.meta.nextContinuationToken;
        pages++;
        if (next && pages === 1) {
          const other = await get(
            `/interaction-content/interactions?start=2024-05-02T00:00:00Z&end=2024-05-08T00:00:00Z&continuationToken=${encodeURIComponent(next)}`,
            'interaction-content:read',
            V.interactions,
          );
          expect(other.status).toBe(400);
        }
      } while (next);
      expect(pages).toBe(3);
      expect(seen).toEqual(sim.interactions.map((i) => i.guid));
    });

    it('more than 7 days, or a missing start → 400', async () => {
      expect(
        (await get('/interaction-content/interactions?start=2024-05-01T00:00:00Z&end=2024-05-08T00:00:01Z', 'interaction-content:read', V.interactions)).status,
      ).toBe(400);
      const missing = await get('/interaction-content/interactions?end=2024-05-08T00:00:00Z', 'interaction-content:read', V.interactions);
      expect(await missing.json()).toEqual({ start: ['The start field is required.'] });
    });

    it('one interaction by guid; unknown → 404', async () => {
      const i = sim.interactions[0]!;
      expect(await (await get(`/interaction-content/interactions/${i.guid}`, 'interaction-content:read', V.interactions)).json()).toEqual(i);
      expect((await get('/interaction-content/interactions/00000000-0000-4000-8000-000000000000', 'interaction-content:read', V.interactions)).status).toBe(
        404,
      );
    });

    it('serves a WAV recording whole and by Range, and 416 outside it', async () => {
      const i = sim.interactions[0]!;
      const c = i.content.find((x) => x.type === 'callRecording')!;
      const path = `/interaction-content/interactions/${i.guid}/content/${c.contentKey}`;
      const whole = await get(path, 'interaction-content:read', V.interactions);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('audio/wav');
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      const bytes = Buffer.from(await whole.arrayBuffer());
      expect(bytes.length).toBe(c.contentLength);
      expect(bytes.subarray(0, 4).toString('ascii')).toBe('RIFF');
      expect(bytes.subarray(8, 12).toString('ascii')).toBe('WAVE');
      expect(bytes.equals(sim.contentBytes(i.guid, c.contentKey)!)).toBe(true);

      const part = await fetch(`${base}${path}`, {
        headers: { accept: V.interactions, authorization: `Bearer ${await token('interaction-content:read')}`, range: 'bytes=10-19' },
      });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 10-19/${c.contentLength}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);

      const outside = await fetch(`${base}${path}`, {
        headers: { accept: V.interactions, authorization: `Bearer ${await token('interaction-content:read')}`, range: `bytes=${c.contentLength}-` },
      });
      expect(outside.status).toBe(416);
      expect(outside.headers.get('content-range')).toBe(`bytes */${c.contentLength}`);
    });
  });
});
