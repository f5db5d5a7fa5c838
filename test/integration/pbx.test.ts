/**
 * Telphin PBX end to end: cxgraph over real HTTP against the PBX simulator — the consent flow (state checks,
 * trusted application), connected accounts and their states, agents, calls, record downloads — asserting what
 * the PBX saw through its request counters.
 */
import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { cacheKey } from '../../src/auth/token-manager.js';
import { loadConfig, providerConfig } from '../../src/app/config.js';
import { PbxClient } from '../../src/providers/pbx/client.js';
import type { PbxConfig } from '../../src/providers/pbx/config.js';
import { PbxConnectionStore } from '../../src/providers/pbx/connection-store.js';
import type { PbxConnectionRecord } from '../../src/providers/pbx/types.js';
import { createServer } from '../../src/server/server.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { SecretBox } from '../../src/store/secret-box.js';
import {
  consent as consentPage,
  createCallJourneySimulator,
  createPbxSimulator,
  SAMPLE_PBX_CALLS,
  SAMPLE_PBX_EXTENSIONS,
  SAMPLE_RECORDINGS,
} from '../../src/simulators/index.js';
import { graphql, type TestServer } from '../support/harness.js';
import { LogCapture } from '../support/log-capture.js';
import { startWithPbx } from '../support/pbx.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;
const ACCOUNTS = '{ pbxAccounts { id login admin access clientId dealerId extensionGroupId extensionId timezone status } }';
const PROVIDER = '{ providers { provider status lastError } }';
const AGENTS = '{ agents(provider: PBX) { provider id name user { id } } }';
const CALLS = `query ($from: DateTime!, $to: DateTime!, $first: Int, $after: String) {
  calls(provider: PBX, from: $from, to: $to, first: $first, after: $after) {
    nodes { provider id startTime direction from to durationSeconds agents { id name } media { key kind downloadUrl } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * A user goes through the PBX consent page with plain HTTP: begin → the simulator's consent driver (its page,
 * Allow or Deny; it throws when the page or the decision does not redirect). Returns where the PBX sends the
 * browser back (cxgraph's callback, not yet followed).
 */
async function consent(t: TestServer, login = 'client1', decision: 'allow' | 'deny' = 'allow'): Promise<{ callback: URL; state: string }> {
  const begin = await t.gql<{ beginPbxConnection: { authorizationUrl: string; state: string } }>('mutation { beginPbxConnection { authorizationUrl state } }');
  expect(begin.errors).toBeUndefined();
  const { authorizationUrl, state } = begin.data!.beginPbxConnection;
  return { callback: await consentPage(authorizationUrl, { login, decision }), state };
}

async function connect(t: TestServer, login = 'client1'): Promise<{ status: number; text: string }> {
  const { callback } = await consent(t, login);
  const res = await fetch(callback, { redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}

/** A connected account's record as the server stored it, read through the same store. */
function pbxRecord(t: TestServer, id: string): Promise<PbxConnectionRecord | undefined> {
  const config = providerConfig<PbxConfig>(t.server.services.config, 'PBX')!;
  return new PbxConnectionStore(t.server.services.store, config.baseUrl).get(id);
}

/** The grant (token identity) of an account's trusted app, as the server builds it. */
function pbxTrustedGrant(t: TestServer, record: PbxConnectionRecord) {
  const config = providerConfig<PbxConfig>(t.server.services.config, 'PBX')!;
  return new PbxClient(config, undefined as never).trustedGrant(record);
}

const pbxStatus = async (t: TestServer) =>
  (await t.gql<{ providers: { provider: string; status: string; lastError: string | null }[] }>(PROVIDER)).data!.providers.find((p) => p.provider === 'PBX')!;

describe('PBX', () => {
  const sim = useSimulator(createPbxSimulator());
  let t: TestServer | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    sim.server.clearFaults();
    sim.server.resetCounts();
  });

  describe('consent flow', () => {
    it('beginPbxConnection gives the PBX authorize URL with a fresh random state', async () => {
      t = await startWithPbx(sim);
      const r = await t.gql<{ beginPbxConnection: { authorizationUrl: string; state: string } }>('mutation { beginPbxConnection { authorizationUrl state } }');
      const { authorizationUrl, state } = r.data!.beginPbxConnection;
      const u = new URL(authorizationUrl);
      expect(`${u.origin}${u.pathname}`).toBe(`${sim.baseUrl}/oauth/authorize`);
      expect(Object.fromEntries(u.searchParams)).toEqual({
        response_type: 'code',
        client_id: sim.publicApps[0]!.clientId,
        redirect_uri: `${t.url}/oauth/pbx/callback`,
        scope: 'all',
        state,
      });
      expect(state).toMatch(/^[\w-]{43}$/);
      const again = await t.gql<{ beginPbxConnection: { state: string } }>('mutation { beginPbxConnection { state } }');
      expect(again.data!.beginPbxConnection.state).not.toBe(state);
    });

    it('refuses a forged, a missing and a reused state before any token request', async () => {
      t = await startWithPbx(sim);
      const { callback } = await consent(t);
      const code = callback.searchParams.get('code')!;

      const forged = new URL(callback);
      forged.searchParams.set('state', randomBytes(32).toString('base64url'));
      const f = await fetch(forged);
      expect(f.status).toBe(400);
      const fText = await f.text();
      expect(fText).toContain('unknown, has expired (after 10 minutes) or was already used');
      const missing = new URL(callback);
      missing.searchParams.delete('state');
      const m = await fetch(missing);
      expect(m.status).toBe(400);
      expect(await m.text()).toContain('no state parameter');
      expect(sim.server.count('token')).toBe(0);

      // The genuine callback still works: the forged attempts did not burn its state.
      const ok = await fetch(callback);
      expect(ok.status).toBe(200);
      const tokensAfterConnect = sim.server.count('token');
      expect(tokensAfterConnect).toBe(2); // the code exchange, then the trusted app's client credentials

      const replay = await fetch(callback);
      expect(replay.status).toBe(400);
      expect(sim.server.count('token')).toBe(tokensAfterConnect);
      // None of it reaches the logs.
      expect(t.logs.text).not.toContain(code);
      expect(t.logs.text).not.toContain(callback.searchParams.get('state')!);
      expect(t.logs.text).not.toMatch(JWT);
    });

    it('connects the user: a page names the account, which is then CONNECTED with its PBX fields', async () => {
      t = await startWithPbx(sim);
      const appsBefore = sim.trustedApps().length;
      const page = await connect(t);
      expect(page.status).toBe(200);
      expect(page.text).toContain('PBX account client1 is connected');
      expect(page.text).toContain('user id 20');
      const r = await t.gql(ACCOUNTS);
      expect(r.data).toEqual({
        pbxAccounts: [
          {
            id: '20',
            login: 'client1',
            admin: false,
            access: 'full',
            clientId: '12',
            dealerId: null,
            extensionGroupId: null,
            extensionId: null,
            timezone: 'Europe/Moscow',
            status: 'CONNECTED',
          },
        ],
      });
      const apps = sim.trustedApps().slice(appsBefore);
      expect(apps).toHaveLength(1);
      expect(apps[0]).toMatchObject({ userId: 20, revoked: false });
      expect(apps[0]!.name).toMatch(/^cxgraph-client1-\d{8}$/);
      expect(await pbxStatus(t)).toMatchObject({ status: 'CONNECTED' });
      expect(sim.server.count('application_create')).toBe(1);
    });

    it('shows a Deny clearly and connects nothing', async () => {
      t = await startWithPbx(sim);
      const { callback } = await consent(t, 'client1', 'deny');
      expect(callback.searchParams.get('error')).toBe('access_denied');
      const res = await fetch(callback);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('did not allow cxgraph to access the account');
      expect(sim.server.count('token')).toBe(0);
      expect((await t.gql(ACCOUNTS)).data).toEqual({ pbxAccounts: [] });
    });

    it('a code the PBX refuses is a clear page; it concerns one attempt, not the PBX connection', async () => {
      t = await startWithPbx(sim);
      const { callback } = await consent(t);
      callback.searchParams.set('code', 'NotACodeTheSimulatorIssued0000');
      const res = await fetch(callback);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('did not accept the authorization code (invalid_grant)');
      expect(sim.server.count('token')).toBe(1);
      // Not NEEDS_REAUTHORIZATION: nothing connected was refused; nothing is connected yet either.
      expect((await pbxStatus(t)).status).toBe('NOT_CONNECTED');
    });

    it('wrong app credentials are named on the page and reported by providers', async () => {
      t = await startWithPbx(sim, { PBX_CLIENT_SECRET: 'not-the-secret-Qx81' });
      const { callback } = await consent(t);
      const res = await fetch(callback);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).toContain('PBX_CLIENT_SECRET');
      expect(text).not.toContain('not-the-secret-Qx81');
      expect(await pbxStatus(t)).toMatchObject({ status: 'NEEDS_REAUTHORIZATION' });
    });

    it('redirects to PBX_RETURN_URL with the account id when configured', async () => {
      t = await startWithPbx(sim, { PBX_RETURN_URL: 'https://app.example.com/settings/pbx?tab=1' });
      const { callback } = await consent(t);
      const res = await fetch(callback, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('https://app.example.com/settings/pbx?tab=1&pbxAccount=20');
      // A state that is not ours is never redirected.
      const forged = new URL(callback);
      forged.searchParams.set('state', randomBytes(32).toString('base64url'));
      expect((await fetch(forged, { redirect: 'manual' })).status).toBe(400);
    });

    it('pbxAccount by id, null when unknown, and the PbxAccount entity by reference', async () => {
      t = await startWithPbx(sim);
      await connect(t);
      const one = await t.gql('{ a: pbxAccount(id: "20") { id login status } b: pbxAccount(id: "999") { id } }');
      expect(one.data).toEqual({ a: { id: '20', login: 'client1', status: 'CONNECTED' }, b: null });
      const bad = await t.gql('{ pbxAccount(id: "../20") { id } }');
      expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      const ent = await t.gql('query ($r: [_Any!]!) { _entities(representations: $r) { ... on PbxAccount { id login } } }', {
        r: [
          { __typename: 'PbxAccount', id: '20' },
          { __typename: 'PbxAccount', id: '404' },
        ],
      });
      expect(ent.data).toEqual({ _entities: [{ id: '20', login: 'client1' }, null] });
    });
  });

  describe('secrets at rest', () => {
    it('keeps the trusted app secret and tokens sealed in the store, and the connection survives a restart', async () => {
      /** Records every string written to the store. */
      class RecordingBox extends SecretBox {
        readonly sealed: string[] = [];
        override seal(value: unknown, storeKey: string): string {
          const s = super.seal(value, storeKey);
          this.sealed.push(s);
          return s;
        }
      }
      const key = randomBytes(32);
      const box = new RecordingBox([key]);
      const store = new MemoryKvStore(box);
      const keysEnv = { CXGRAPH_ENCRYPTION_KEYS: key.toString('base64') };
      t = await startWithPbx(sim, keysEnv, { store });
      await connect(t);
      await t.gql(AGENTS);
      const record = (await pbxRecord(t, '20'))!;
      const token = t.server.services.tokens.peek(pbxTrustedGrant(t, record))!;
      expect(token.accessToken).toMatch(JWT);
      const raw = box.sealed.join('\n');
      expect(raw).not.toContain(record.trustedApp.clientSecret);
      expect(raw).not.toContain(token.accessToken);
      expect(raw).not.toMatch(JWT);
      expect(raw).not.toContain('client1');
      expect(t.logs.text).not.toContain(record.trustedApp.clientSecret);
      expect(t.logs.text).not.toMatch(JWT);

      await t.close();
      t = await startWithPbx(sim, keysEnv, { store });
      expect((await t.gql(ACCOUNTS)).data).toMatchObject({ pbxAccounts: [{ id: '20', status: 'CONNECTED' }] });
      expect((await t.gql(AGENTS)).errors).toBeUndefined();
    });

    it.skipIf(!HAS_REDIS)('in Redis too: no plaintext secret, token or login; a new replica sees the account', async () => {
      const redis = createClient({ url: REDIS_URL });
      await redis.connect();
      try {
        // A prefix of its own: other files' PBX accounts 20 live in the same Redis meanwhile.
        const prefix = uniqueNamespace();
        const env = { REDIS_URL, CXGRAPH_REDIS_PREFIX: prefix, CXGRAPH_ENCRYPTION_KEYS: randomBytes(32).toString('base64') };
        t = await startWithPbx(sim, env);
        await connect(t);
        await t.gql(AGENTS);
        const record = (await pbxRecord(t, '20'))!;
        const grant = pbxTrustedGrant(t, record);
        const token = t.server.services.tokens.peek(grant)!;
        const keys = (await redis.keys(`${prefix}*`)).filter((k) => k.includes('pbx'));
        const mine = keys.filter((k) => k.includes(cacheKey(grant.identity)) || k.includes(`:account:20`));
        expect(mine.length).toBeGreaterThanOrEqual(2);
        for (const k of keys) {
          const v = (await redis.type(k)) === 'string' ? ((await redis.get(k)) ?? '') : '';
          expect(v).not.toContain(record.trustedApp.clientSecret);
          expect(v).not.toContain(token.accessToken);
          expect(k).not.toContain(record.trustedApp.clientSecret);
        }
        for (const k of mine) {
          const v = (await redis.get(k)) ?? '';
          expect(v).toContain('$sealed');
          expect(v).not.toContain('client1');
        }
        const second = await startWithPbx(sim, env);
        try {
          expect((await second.gql(ACCOUNTS)).data).toMatchObject({ pbxAccounts: [{ id: '20', login: 'client1', status: 'CONNECTED' }] });
        } finally {
          await second.close();
        }
      } finally {
        await redis.close();
      }
    });
  });

  describe('trusted application lifecycle', () => {
    it('a revoked token costs one new token and the query still answers', async () => {
      t = await startWithPbx(sim);
      await connect(t);
      expect((await t.gql(AGENTS)).errors).toBeUndefined();
      const before = sim.server.count('token');
      sim.revokeTokens();
      const r = await t.gql(AGENTS);
      expect(r.errors).toBeUndefined();
      expect(sim.server.count('token')).toBe(before + 1);
    });

    it('a revoked trusted app marks the account NEEDS_REAUTHORIZATION once, with no request loop; reconnecting clears it', async () => {
      t = await startWithPbx(sim);
      await connect(t);
      expect((await t.gql(AGENTS)).errors).toBeUndefined();
      sim.revokeTrustedApp();
      sim.server.resetCounts();

      const r = await t.gql(AGENTS);
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NEEDS_REAUTHORIZATION', provider: 'PBX', accountId: '20' });
      expect(r.errors![0]!.message).toContain('beginPbxConnection');
      expect(sim.server.counts()).toEqual({ extensions: 1, token: 1 }); // the 401, then the refused token request

      for (let i = 0; i < 3; i++) {
        const again = await t.gql(AGENTS);
        expect(again.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NEEDS_REAUTHORIZATION' });
        const calls = await t.gql(CALLS, { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' });
        expect(calls.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NEEDS_REAUTHORIZATION' });
      }
      expect(sim.server.counts()).toEqual({ extensions: 1, token: 1 });
      expect((await t.gql('{ pbxAccount(id: "20") { status } }')).data).toEqual({ pbxAccount: { status: 'NEEDS_REAUTHORIZATION' } });
      const p = await pbxStatus(t);
      expect(p.status).toBe('NEEDS_REAUTHORIZATION');
      expect(p.lastError).toContain('20 (client1)');

      const page = await connect(t);
      expect(page.status).toBe(200);
      expect(page.text).toContain('replacing its previous connection');
      expect((await t.gql(ACCOUNTS)).data).toMatchObject({ pbxAccounts: [{ id: '20', status: 'CONNECTED' }] });
      expect((await t.gql(AGENTS)).errors).toBeUndefined();
      expect((await pbxStatus(t)).status).toBe('CONNECTED');
    });

    it('a healthy account keeps answering while another needs authorising again', async () => {
      t = await startWithPbx(sim);
      await connect(t, 'client1');
      await connect(t, 'client2');
      const latest = sim
        .trustedApps()
        .filter((a) => a.userId === 20)
        .at(-1)!;
      expect(sim.revokeTrustedApp(latest.clientId)).toBe(1);
      const r = await t.gql<{ agents: { id: string }[] }>(AGENTS);
      expect(r.errors).toBeUndefined();
      expect(r.data!.agents.map((a) => a.id)).toEqual(['1301']);
      expect((await t.gql(ACCOUNTS)).data).toMatchObject({
        pbxAccounts: [
          { id: '20', status: 'NEEDS_REAUTHORIZATION' },
          { id: '30', status: 'CONNECTED' },
        ],
      });
      expect((await pbxStatus(t)).status).toBe('NEEDS_REAUTHORIZATION');
    });
  });

  describe('agents and calls', () => {
    it('agents are the phone extensions of every connected account, one per extension', async () => {
      t = await startWithPbx(sim);
      await connect(t, 'client1');
      await connect(t, 'client1-supervisor'); // same PBX client: same extensions
      await connect(t, 'client2');
      const r = await t.gql(AGENTS);
      expect(r.errors).toBeUndefined();
      expect(r.data).toEqual({
        agents: [
          { provider: 'PBX', id: '1201', name: 'Anna Petrova', user: null },
          { provider: 'PBX', id: '1202', name: 'Boris Ivanov', user: null },
          { provider: 'PBX', id: '1203', name: '12*103', user: null },
          { provider: 'PBX', id: '1301', name: 'Reception', user: null },
        ],
      });
      const ent = await t.gql('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agent { id name } } }', {
        r: [{ __typename: 'Agent', provider: 'PBX', id: '1202' }],
      });
      expect(ent.data).toEqual({ _entities: [{ id: '1202', name: 'Boris Ivanov' }] });
    });

    it('no account connected yet: no agents and no calls, without any PBX request', async () => {
      t = await startWithPbx(sim);
      expect((await t.gql(AGENTS)).data).toEqual({ agents: [] });
      expect((await t.gql(CALLS, { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' })).data).toEqual({
        calls: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } },
      });
      expect(sim.server.counts()).toEqual({});
    });

    it('maps a call: GMT times, direction, parties, duration, extension, and records as cxgraph media URLs', async () => {
      t = await startWithPbx(sim);
      await connect(t);
      // 15:00+03:00 is 12:00 GMT: the two calls started at 12:00:01 and 12:30:01 GMT.
      const r = await t.gql<{ calls: { nodes: Record<string, unknown>[] } }>(CALLS, {
        from: '2024-05-01T15:00:00+03:00',
        to: '2024-05-01T13:00:00Z',
        first: 10,
      });
      expect(r.errors).toBeUndefined();
      const expected = SAMPLE_PBX_CALLS.filter(
        (c) => c.client_id === 12 && c.start_time_gmt >= '2024-05-01 12:00:00' && c.start_time_gmt < '2024-05-01 13:00:00',
      ).reverse();
      expect(expected).toHaveLength(2);
      const labelOf = (id: number) => {
        const e = SAMPLE_PBX_EXTENSIONS.find((x) => x.id === id)!;
        return e.label || e.name;
      };
      expect(r.data!.calls.nodes).toEqual(
        expected.map((c) => ({
          provider: 'PBX',
          id: c.call_uuid,
          startTime: `${c.start_time_gmt.replace(' ', 'T')}.000Z`,
          direction: { in: 'INBOUND', out: 'OUTBOUND', internal: 'INTERNAL' }[c.flow],
          from: c.from_username,
          to: c.to_username,
          durationSeconds: c.duration,
          // The extension's label (else its name), from one extension listing for the whole request.
          agents: [{ id: String(c.extension_id), name: labelOf(c.extension_id) }],
          media: c.cdr
            .filter((l) => l.record_uuid)
            .map((l) => ({
              key: l.record_uuid,
              kind: 'callRecording',
              downloadUrl: expect.stringMatching(new RegExp(`^${t!.url}/media/pbx/20/${l.record_uuid}\\?exp=\\d+&sig=[\\w-]{43}$`)),
            })),
        })),
      );
    });

    it('pages through every connected client with opaque cursors, each call once', async () => {
      t = await startWithPbx(sim);
      await connect(t, 'client1');
      await connect(t, 'client2');
      const vars = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z', first: 5 };
      const seen: string[] = [];
      let after: string | undefined;
      for (let i = 0; i < 10; i++) {
        const r = await t.gql<{ calls: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }>(CALLS, { ...vars, after });
        expect(r.errors).toBeUndefined();
        seen.push(...r.data!.calls.nodes.map((n) => n.id));
        if (!r.data!.calls.pageInfo.hasNextPage) break;
        after = r.data!.calls.pageInfo.endCursor!;
      }
      expect(seen).toHaveLength(SAMPLE_PBX_CALLS.length);
      expect(new Set(seen).size).toBe(SAMPLE_PBX_CALLS.length);
      // 5 + 5 + 2 of client 12, then 3 of client 13; after each page but the last, one 1-item look that the next page
      // holds a call (hasNextPage promises one): 4 pages + 3 looks.
      expect(sim.server.count('call_history')).toBe(7);

      const mismatch = await t.gql(CALLS, {
        ...vars,
        first: 6,
        after: (await t.gql<{ calls: { pageInfo: { endCursor: string } } }>(CALLS, vars)).data!.calls.pageInfo.endCursor,
      });
      expect(mismatch.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      const garbage = await t.gql(CALLS, { ...vars, after: 'xyz' });
      expect(garbage.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    });

    it('streams a record through cxgraph without exposing the token; unknown records and accounts are 404', async () => {
      t = await startWithPbx(sim);
      await connect(t);
      const r = await t.gql<{ calls: { nodes: { media: { key: string; downloadUrl: string }[] }[] } }>(CALLS, {
        from: '2024-05-01T00:00:00Z',
        to: '2024-05-02T00:00:00Z',
        first: 3,
      });
      const media = r.data!.calls.nodes.flatMap((n) => n.media)[0]!;
      const res = await fetch(media.downloadUrl);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(sim.recordBytes(media.key));
      expect(sim.server.count('storage')).toBe(1); // the simulator's storage refuses any Authorization header

      const missing = await fetch(t.server.mediaLinks.url('/media/pbx/20/00000000-0000-4000-8000-000000000000'));
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'PROVIDER_ERROR' });
      expect((await fetch(t.server.mediaLinks.url(`/media/pbx/999/${media.key}`))).status).toBe(404);
      expect(t.logs.text).not.toMatch(JWT);
    });

    it('429 "concurrent request not allowed" is PROVIDER_RATE_LIMITED; a short Retry-After is waited for', async () => {
      t = await startWithPbx(sim);
      await connect(t);
      sim.rateLimitNext('extensions');
      const r = await t.gql(AGENTS);
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', provider: 'PBX', upstreamStatus: 429 });
      expect(r.errors![0]!.message).toContain('concurrent request not allowed');
      expect((await pbxStatus(t)).status).toBe('UNAVAILABLE');

      sim.rateLimitNext('extensions', 1, 0);
      expect((await t.gql(AGENTS)).errors).toBeUndefined();
      expect((await pbxStatus(t)).status).toBe('CONNECTED');
    });
  });

  describe('with CallJourney', () => {
    const cj = useSimulator(createCallJourneySimulator());

    it('calls { recording } over a page makes one deduplicated batch of CallJourney checks', async () => {
      t = await startWithPbx(sim, {
        CALLJOURNEY_TENANT_ID: cj.tenantId,
        CALLJOURNEY_CLIENT_ID: cj.clients[0]!.clientId,
        CALLJOURNEY_CLIENT_SECRET: cj.clients[0]!.clientSecret,
        CALLJOURNEY_BASE_URL: cj.baseUrl,
        CALLJOURNEY_TOKEN_URL: cj.tokenUrl,
      });
      await connect(t);
      const known = SAMPLE_RECORDINGS[0]!;
      const q = `query ($f: DateTime!, $t: DateTime!) { calls(provider: PBX, from: $f, to: $t, first: 8) { nodes {
        id
        own: recording(key: { company: "acme", organisation: "support", folder: "2024/05/01" }) { filename exists }
        shared: recording(key: { company: "${known.company}", organisation: "${known.organisation}", folder: "${known.folder}", filename: "${known.filename}" }) { exists callId }
      } } }`;
      const r = await t.gql<{ calls: { nodes: { id: string; own: { filename: string; exists: boolean }; shared: { exists: boolean; callId: string } }[] } }>(
        q,
        { f: '2024-05-01T00:00:00Z', t: '2024-05-02T00:00:00Z' },
      );
      expect(r.errors).toBeUndefined();
      const nodes = r.data!.calls.nodes;
      expect(nodes).toHaveLength(8);
      for (const n of nodes) {
        expect(n.own).toEqual({ filename: `${n.id}.wav`, exists: false });
        expect(n.shared).toEqual({ exists: true, callId: known.callId });
      }
      // 8 distinct own files + 1 shared file, checked in one batch over one token.
      expect(cj.server.count('conversationexists')).toBe(9);
      expect(cj.server.count('token')).toBe(1);
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/cxgraph_dataloader_batch_size_count\{loader="recordingExists"\} 1\n/);
      expect(metrics).toMatch(/cxgraph_dataloader_batch_size_sum\{loader="recordingExists"\} 9\n/);
    });
  });

  it('without PBX configuration: fields answer PROVIDER_NOT_CONFIGURED and there is no callback route', async () => {
    const logs = new LogCapture();
    const server = await createServer(loadConfig({ NODE_ENV: 'test' }), { logger: logs.logger });
    const url = await server.listen(0, '127.0.0.1');
    try {
      for (const q of [ACCOUNTS, AGENTS, 'mutation { beginPbxConnection { state } }']) {
        const r = await graphql(url, q);
        expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'PBX' });
        expect(r.errors![0]!.message).toContain('PBX_CLIENT_ID');
      }
      expect((await fetch(`${url}/oauth/pbx/callback?code=x&state=y`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
