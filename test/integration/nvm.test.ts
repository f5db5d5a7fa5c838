/**
 * NewVoiceMedia end to end: cxgraph over real HTTP against the NewVoiceMedia simulator (both hosts on one
 * server), with the CallJourney simulator for `Call.recording`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { DEFAULT_NVM_CLIENT, NVM_USERS_ONLY_CLIENT, createCallJourneySimulator, createNvmSimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;
const WEEK = { from: '2024-05-01T00:00:00Z', to: '2024-05-08T00:00:00Z' };

interface CallNode {
  id: string;
  startTime: string;
  direction: string;
  from: string;
  to: string;
  agents: { id: string; user: { id: string; name: string } | null }[];
  media: { key: string; kind: string; contentType: string; contentLength: number; filename: string | null; downloadUrl: string }[];
}
interface CallsPage {
  calls: { nodes: CallNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

const CALLS = `query ($from: DateTime!, $to: DateTime!, $first: Int, $after: String) {
  calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: $first, after: $after) {
    nodes { id startTime direction from to agents { id } media { key kind contentType contentLength filename downloadUrl } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const USERS = `query ($search: String, $page: Int, $pageSize: Int) {
  users(provider: NEWVOICEMEDIA, search: $search, page: $page, pageSize: $pageSize) {
    nodes { provider id login name email roles active firstName } totalCount page pageSize totalPages
  }
}`;
const BOTH = `{ users(provider: NEWVOICEMEDIA, pageSize: 5) { totalCount } agentAvailability(skillNames: ["French", "English"]) { skillNames ready away extendedAway loggedOut } }`;

describe('NewVoiceMedia', () => {
  const nvm = useSimulator(createNvmSimulator());
  const cj = useSimulator(createCallJourneySimulator());
  let t: TestServer | undefined;

  const envFor = (client: { clientId: string; clientSecret: string } = DEFAULT_NVM_CLIENT, extra: Record<string, string> = {}) => ({
    NVM_CLIENT_ID: client.clientId,
    NVM_CLIENT_SECRET: client.clientSecret,
    NVM_AUTH_BASE_URL: nvm.authBaseUrl,
    NVM_API_BASE_URL: nvm.apiBaseUrl,
    CALLJOURNEY_TENANT_ID: cj.tenantId,
    CALLJOURNEY_CLIENT_ID: cj.clients[0]!.clientId,
    CALLJOURNEY_CLIENT_SECRET: cj.clients[0]!.clientSecret,
    CALLJOURNEY_BASE_URL: cj.baseUrl,
    CALLJOURNEY_TOKEN_URL: cj.tokenUrl,
    ...extra,
  });
  const start = async (client?: { clientId: string; clientSecret: string }, extra?: Record<string, string>) => {
    t = await startServer(envFor(client, extra));
    return t;
  };

  /** What the simulator's own data says, to compare answers with. */
  const expectedAvailability = (skills: string[]) => {
    const c = { ready: 0, away: 0, extendedAway: 0, loggedOut: 0 };
    const key = { Ready: 'ready', Away: 'away', 'Extended Away': 'extendedAway', 'Logged Out': 'loggedOut' } as const;
    for (const u of nvm.users) {
      if (u.active && u.userAccountConfiguration.actAsAgent && u.skills.some((s) => skills.includes(s))) c[key[u.state]]++;
    }
    return c;
  };

  afterEach(async () => {
    await t?.close();
    t = undefined;
    for (const s of [nvm.server, cj.server]) {
      s.clearFaults();
      s.resetCounts();
    }
    nvm.usersEnvelope = 'meta';
    nvm.interactionsPageSize = 10;
  });

  describe('tokens: one per scope', () => {
    it('users and availability in one query take two tokens of different scopes; repeating takes none', async () => {
      await start();
      const before = nvm.tokenRequestsByScope();
      const r = await t!.gql<{ users: { totalCount: number }; agentAvailability: Record<string, unknown> }>(BOTH);
      expect(r.errors).toBeUndefined();
      expect(r.data!.users.totalCount).toBe(40);
      expect(r.data!.agentAvailability).toEqual({ skillNames: ['French', 'English'], ...expectedAvailability(['French', 'English']) });
      expect(nvm.server.count('token')).toBe(2);
      const after = nvm.tokenRequestsByScope();
      expect((after['users:read'] ?? 0) - (before['users:read'] ?? 0)).toBe(1);
      expect((after['agents-availability:read'] ?? 0) - (before['agents-availability:read'] ?? 0)).toBe(1);

      for (let i = 0; i < 3; i++) expect((await t!.gql(BOTH)).errors).toBeUndefined();
      expect(nvm.server.count('token')).toBe(2);
      expect(nvm.server.count('users')).toBe(4);
      expect(nvm.server.count('agents-availability')).toBe(4);
    });

    it('revoked tokens cost exactly one new token per scope and the query still answers', async () => {
      await start();
      await t!.gql(BOTH);
      expect(nvm.server.count('token')).toBe(2);
      nvm.revokeTokens();
      const results = await Promise.all(Array.from({ length: 5 }, () => t!.gql(BOTH)));
      for (const r of results) expect(r.errors).toBeUndefined();
      expect(nvm.server.count('token')).toBe(4);
    });

    it('credentials lacking a scope fail only what needs that scope, naming the scope', async () => {
      await start(NVM_USERS_ONLY_CLIENT);
      const users = await t!.gql<{ users: { totalCount: number } }>(USERS, { pageSize: 5 });
      expect(users.errors).toBeUndefined();
      expect(users.data!.users.totalCount).toBe(40);
      const r = await t!.gql('{ agentAvailability(skillNames: ["French"]) { ready } }');
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0]!.path).toEqual(['agentAvailability']);
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', provider: 'NEWVOICEMEDIA', oauthError: 'invalid_scope' });
      expect(r.errors![0]!.message).toContain('agents-availability:read');
      expect(r.raw).not.toContain(NVM_USERS_ONLY_CLIENT.clientSecret);
      expect(nvm.server.count('agents-availability')).toBe(0);
    });
  });

  describe('rate limits', () => {
    it('a 429 with a small Retry-After is waited out and retried once', async () => {
      await start();
      nvm.server.inject({ kind: 'status', route: 'users', status: 429, retryAfterSec: 1, body: { message: 'Too Many Requests' } });
      const started = Date.now();
      const r = await t!.gql(USERS, { pageSize: 5 });
      expect(r.errors).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(nvm.server.count('users')).toBe(2);
    });

    it('a 429 with a Retry-After beyond the cap gives PROVIDER_RATE_LIMITED with retryAfter, without waiting', async () => {
      await start();
      nvm.server.inject({ kind: 'status', route: 'users', status: 429, retryAfterSec: 120, body: { message: 'Too Many Requests' } });
      const r = await t!.gql(USERS, { pageSize: 5 });
      expect(r.data).toEqual({ users: null });
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', provider: 'NEWVOICEMEDIA', upstreamStatus: 429, retryAfter: 120 });
      expect(nvm.server.count('users')).toBe(1);
    });

    it('the fair-usage limit is shared by the APIs of the account and surfaces as PROVIDER_RATE_LIMITED', async () => {
      await start();
      nvm.rateLimit = { requests: 1, windowSec: 600 };
      try {
        expect((await t!.gql(USERS, { pageSize: 5 })).errors).toBeUndefined();
        const r = await t!.gql('{ agentAvailability(skillNames: ["French"]) { ready } }');
        expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', provider: 'NEWVOICEMEDIA', upstreamStatus: 429 });
        expect(r.errors![0]!.extensions!.retryAfter).toBeGreaterThan(500);
      } finally {
        nvm.rateLimit = null;
      }
    });
  });

  describe('agentAvailability', () => {
    it('an empty list or a blank name is BAD_USER_INPUT with no upstream call', async () => {
      await start();
      const empty = await t!.gql('{ agentAvailability(skillNames: []) { ready } }');
      expect(empty.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'skillNames' });
      const blank = await t!.gql('{ agentAvailability(skillNames: ["French", "  "]) { ready } }');
      expect(blank.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'skillNames[1]' });
      expect(nvm.server.counts()).toEqual({});
    });

    it('a skill nobody has counts zero everywhere', async () => {
      await start();
      const r = await t!.gql('{ agentAvailability(skillNames: [" Klingon "]) { skillNames ready away extendedAway loggedOut } }');
      expect(r.data).toEqual({ agentAvailability: { skillNames: ['Klingon'], ready: 0, away: 0, extendedAway: 0, loggedOut: 0 } });
    });
  });

  describe('users', () => {
    it('maps a page of the meta envelope with the platform totals', async () => {
      await start();
      const r = await t!.gql<{ users: { nodes: Record<string, unknown>[]; totalCount: number; totalPages: number; page: number } }>(USERS, {
        page: 2,
        pageSize: 15,
      });
      expect(r.errors).toBeUndefined();
      expect(r.data!.users).toMatchObject({ totalCount: 40, totalPages: 3, page: 2, pageSize: 15 });
      const u = nvm.users[15]!;
      expect(r.data!.users.nodes).toHaveLength(15);
      expect(r.data!.users.nodes[0]).toEqual({
        provider: 'NEWVOICEMEDIA',
        id: u.userId,
        login: u.username,
        name: u.name,
        email: u.email,
        roles: [u.userAccountConfiguration.role],
        active: u.active,
        firstName: null,
      });
      // include=All: archived users are listed, marked inactive.
      const all = await t!.gql<{ users: { nodes: { active: boolean }[] } }>(USERS, { pageSize: 100 });
      expect(all.data!.users.nodes.filter((n) => !n.active).length).toBe(nvm.users.filter((x) => !x.active).length);
    });

    it('accepts the {"users":[…]} envelope too', async () => {
      await start();
      nvm.usersEnvelope = 'users';
      const r = await t!.gql<{ users: { nodes: { id: string }[]; totalCount: number; totalPages: number } }>(USERS, { page: 1, pageSize: 15 });
      expect(r.errors).toBeUndefined();
      expect(r.data!.users.nodes.map((n) => n.id)).toEqual(nvm.users.slice(0, 15).map((u) => u.userId));
      // No totals in this envelope: a full page says there is at least one more.
      expect(r.data!.users.totalPages).toBe(2);
      const last = await t!.gql<{ users: { nodes: unknown[]; totalCount: number; totalPages: number } }>(USERS, { page: 3, pageSize: 15 });
      expect(last.data!.users).toMatchObject({ totalCount: 40, totalPages: 3 });
      expect(last.data!.users.nodes).toHaveLength(10);
    });

    it('search filters the fetched page by login, name or e-mail, case-insensitively', async () => {
      await start();
      const target = nvm.users[4]!;
      const r = await t!.gql<{ users: { nodes: { id: string }[] } }>(USERS, { search: target.name.toUpperCase(), pageSize: 100 });
      expect(r.data!.users.nodes.map((n) => n.id)).toEqual(nvm.users.filter((u) => u.name === target.name).map((u) => u.userId));
      expect(nvm.server.count('users')).toBe(1);
    });
  });

  describe('agents', () => {
    it('are the users who act as agents, each resolving its user by id', async () => {
      await start();
      const r = await t!.gql<{ agents: { provider: string; id: string; name: string; user: { id: string; email: string; active: boolean } }[] }>(
        '{ agents(provider: NEWVOICEMEDIA) { provider id name user { id email active } } }',
      );
      expect(r.errors).toBeUndefined();
      const expected = nvm.users.filter((u) => u.userAccountConfiguration.actAsAgent);
      expect(r.data!.agents.map((a) => a.id)).toEqual(expected.map((u) => u.userId));
      expect(r.data!.agents[0]).toEqual({
        provider: 'NEWVOICEMEDIA',
        id: expected[0]!.userId,
        name: expected[0]!.name,
        user: { id: expected[0]!.userId, email: expected[0]!.email, active: expected[0]!.active },
      });
      // The listing that found the agents also answers Agent.user: no call per agent.
      expect(nvm.server.count('users')).toBe(1);
      expect(nvm.server.count('user')).toBe(0);
    });

    it('a User entity reference is looked up by id; an unknown id is null', async () => {
      await start();
      const u = nvm.users[5]!;
      const r = await t!.gql<{ _entities: ({ id: string; login: string; roles: string[] } | null)[] }>(
        `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id login roles } } }`,
        {
          reps: [
            { __typename: 'User', provider: 'NEWVOICEMEDIA', id: u.userId },
            { __typename: 'User', provider: 'NEWVOICEMEDIA', id: 'nobody' },
            { __typename: 'User', provider: 'NEWVOICEMEDIA', id: u.userId },
          ],
        },
      );
      expect(r.errors).toBeUndefined();
      expect(r.data!._entities).toEqual([
        { id: u.userId, login: u.username, roles: [u.userAccountConfiguration.role] },
        null,
        { id: u.userId, login: u.username, roles: [u.userAccountConfiguration.role] },
      ]);
      expect(nvm.server.count('user')).toBe(2);
    });
  });

  describe('calls', () => {
    it('pages through a week with opaque cursors, each call once, mapped from the interaction', async () => {
      await start();
      const ids: string[] = [];
      let after: string | null = null;
      let pages = 0;
      let first: CallNode | undefined;
      do {
        const r: Awaited<ReturnType<TestServer['gql']>> & { data?: CallsPage | null } = await t!.gql<CallsPage>(CALLS, { ...WEEK, first: 7, after });
        expect(r.errors).toBeUndefined();
        const page = r.data!.calls;
        expect(page.nodes.length).toBeLessThanOrEqual(7);
        first ??= page.nodes[0];
        ids.push(...page.nodes.map((n) => n.id));
        after = page.pageInfo.endCursor;
        expect(page.pageInfo.hasNextPage).toBe(after !== null);
        pages++;
      } while (after);
      expect(ids).toEqual(nvm.interactions.map((i) => i.guid));
      expect(pages).toBe(Math.ceil(nvm.interactions.length / 7));

      const i0 = nvm.interactions[0]!;
      expect(first).toMatchObject({
        id: i0.guid,
        startTime: new Date(i0.start).toISOString(),
        direction: i0.direction.toUpperCase(),
        from: i0.connectFrom,
        to: i0.connectTo,
        agents: i0.handlingAgents.map((a) => ({ id: a.id })),
      });
      const rec = i0.content[0]!;
      expect(first!.media[0]).toEqual({
        key: rec.contentKey,
        kind: rec.type,
        contentType: rec.contentType,
        contentLength: rec.contentLength,
        filename: 'call-0001.wav',
        // Signed for its path and a few minutes (test/security/media-links.test.ts).
        downloadUrl: expect.stringMatching(new RegExp(`^${t!.url}/media/nvm/${i0.guid}/${rec.contentKey}\\?exp=\\d+&sig=[\\w-]{43}$`)),
      });
    });

    it("names every call's agents from one agent listing per request, however many calls name them", async () => {
      await start();
      const q = `query ($from: DateTime!, $to: DateTime!) { calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: 40) { nodes { id agents { id name } } } }`;
      const r = await t!.gql<{ calls: { nodes: { id: string; agents: { id: string; name: string | null }[] }[] } }>(q, WEEK);
      expect(r.errors).toBeUndefined();
      const nodes = r.data!.calls.nodes;
      expect(nodes).toHaveLength(40);
      const nameOf = (id: string) => nvm.users.find((u) => u.userId === id)!.name;
      expect(nodes.flatMap((n) => n.agents).length).toBeGreaterThan(40);
      for (const n of nodes) {
        const i = nvm.interactions.find((x) => x.guid === n.id)!;
        expect(n.agents).toEqual(i.handlingAgents.map((a) => ({ id: a.id, name: nameOf(a.id) })));
      }
      // One listing of the users (a single page here) for the whole request; no lookup per agent.
      expect(nvm.server.count('users')).toBe(1);
      expect(nvm.server.count('user')).toBe(0);
      // Ids alone cost no listing at all.
      nvm.server.resetCounts();
      const ids = await t!.gql(q.replace('agents { id name }', 'agents { id }'), WEEK);
      expect(ids.errors).toBeUndefined();
      expect(nvm.server.count('users')).toBe(0);
    });

    it("a call's agents keep their ids when the agent listing fails: only each name is null, with its error", async () => {
      await start();
      nvm.server.inject({ kind: 'status', route: 'users', status: 503, times: 10 });
      const r = await t!.gql<{ calls: { nodes: { id: string; agents: { id: string; name: string | null }[] }[] } }>(
        `query ($from: DateTime!, $to: DateTime!) { calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: 3) { nodes { id agents { id name } } } }`,
        WEEK,
      );
      const agents = r.data!.calls.nodes.flatMap((n) => n.agents);
      expect(agents.length).toBeGreaterThan(0);
      expect(agents.every((a) => a.id && a.name === null)).toBe(true);
      expect(r.errors!.length).toBe(agents.length);
      for (const e of r.errors!) {
        expect(e.path!.at(-1)).toBe('name');
        expect(e.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'NEWVOICEMEDIA' });
      }
    });

    it('more than 7 days or a foreign cursor is BAD_USER_INPUT with no upstream call', async () => {
      await start();
      const long = await t!.gql(CALLS, { from: '2024-05-01T00:00:00Z', to: '2024-05-08T00:00:01Z' });
      expect(long.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
      const bogus = await t!.gql(CALLS, { ...WEEK, after: 'not-a-cursor' });
      expect(bogus.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(nvm.server.counts()).toEqual({});
      const p1 = await t!.gql<CallsPage>(CALLS, { ...WEEK, first: 3 });
      const moved = await t!.gql(CALLS, { ...WEEK, from: '2024-05-02T00:00:00Z', after: p1.data!.calls.pageInfo.endCursor });
      expect(moved.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(nvm.server.count('interactions')).toBe(1);
    });

    it('recording checks over a page of calls are one deduplicated CallJourney batch', async () => {
      await start();
      const r = await t!.gql<{ calls: { nodes: { id: string; a: { filename: string; exists: boolean }; b: { filename: string; exists: boolean } }[] } }>(
        `query ($from: DateTime!, $to: DateTime!) { calls(provider: NEWVOICEMEDIA, from: $from, to: $to, first: 20) { nodes {
          id
          a: recording(key: { company: "acme", organisation: "support", folder: "2024/05/01" }) { filename exists }
          b: recording(key: { company: "acme", organisation: "support", folder: "2024/05/01" }) { filename exists }
        } } }`,
        WEEK,
      );
      expect(r.errors).toBeUndefined();
      const nodes = r.data!.calls.nodes;
      expect(nodes).toHaveLength(20);
      const names = new Set(nodes.map((n) => n.a.filename));
      expect(cj.server.count('conversationexists')).toBe(names.size);
      expect(cj.server.count('token')).toBe(1);
      expect(nodes.every((n) => n.b.filename === n.a.filename && n.b.exists === n.a.exists)).toBe(true);
      // The calls whose recordings name CallJourney's sample files exist there; the rest fall back to <guid>.wav.
      expect(
        nodes
          .filter((n) => n.a.exists)
          .map((n) => n.a.filename)
          .sort(),
      ).toEqual(['call-0001.wav', 'call-0002.wav']);
      expect(nodes.some((n) => n.a.filename === `${n.id}.wav`)).toBe(true);
      const metrics = await (await fetch(`${t!.url}/metrics`)).text();
      expect(metrics).toMatch(/cxgraph_dataloader_batch_size_count\{loader="recordingExists"\} 1\n/);
    });

    it('an entity reference resolves a call by guid; an unknown guid is null', async () => {
      await start();
      const i = nvm.interactions[3]!;
      const r = await t!.gql<{ _entities: ({ id: string; from: string } | null)[] }>(
        `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Call { id from } } }`,
        {
          reps: [
            { __typename: 'Call', provider: 'NEWVOICEMEDIA', id: i.guid },
            { __typename: 'Call', provider: 'NEWVOICEMEDIA', id: '00000000-0000-4000-8000-000000000000' },
          ],
        },
      );
      expect(r.errors).toBeUndefined();
      expect(r.data!._entities).toEqual([{ id: i.guid, from: i.connectFrom }, null]);
    });
  });

  describe('media download', () => {
    async function firstRecording(): Promise<{ url: string; bytes: Buffer }> {
      const r = await t!.gql<CallsPage>(CALLS, { ...WEEK, first: 1 });
      const m = r.data!.calls.nodes[0]!.media[0]!;
      const guid = r.data!.calls.nodes[0]!.id;
      return { url: m.downloadUrl, bytes: nvm.contentBytes(guid, m.key)! };
    }

    it('streams the file, whole and by Range, with the platform token added server-side only', async () => {
      await start();
      const { url, bytes } = await firstRecording();
      expect(url).not.toMatch(/token|eyJ/i);
      const whole = await fetch(url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('audio/wav');
      expect(Number(whole.headers.get('content-length'))).toBe(bytes.length);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.headers.get('authorization')).toBeNull();
      expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);

      const part = await fetch(url, { headers: { range: 'bytes=100-1099' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${bytes.length}`);
      expect(part.headers.get('content-length')).toBe('1000');
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 1100))).toBe(true);

      const outside = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
      expect(outside.status).toBe(416);
      expect(outside.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
      expect(await outside.text()).not.toMatch(JWT);
      // One token for the whole run (the calls page and the downloads share interaction-content:read).
      expect(nvm.tokenRequests('interaction-content:read')).toBeGreaterThan(0);
      expect(nvm.server.count('token')).toBe(1);
      expect(t!.logs.text).not.toMatch(JWT);
    });

    it('a revoked token is renewed once for a download too', async () => {
      await start();
      const { url, bytes } = await firstRecording();
      nvm.revokeTokens();
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
      expect(nvm.server.count('token')).toBe(2);
    });

    it('checks the path before any upstream call and maps upstream failures', async () => {
      await start();
      // Links signed by the server itself: what is checked here is the route, behind a valid signature.
      const signed = (path: string) => t!.server.mediaLinks.url(path);
      for (const path of ['/media/nvm/not-a-guid/rec-0', `/media/nvm/${nvm.interactions[0]!.guid}/..`, `/media/nvm/${nvm.interactions[0]!.guid}/a/b`]) {
        const res = await fetch(signed(path));
        expect(res.status).toBe(400);
        const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
        expect(body.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
      }
      expect(nvm.server.counts()).toEqual({});
      const missing = await fetch(signed(`/media/nvm/${nvm.interactions[0]!.guid}/no-such-key`));
      expect(missing.status).toBe(404);
      nvm.server.inject({ kind: 'status', route: 'content', status: 429, retryAfterSec: 90 });
      const limited = await fetch(signed(`/media/nvm/${nvm.interactions[0]!.guid}/rec-0`));
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('90');
    });
  });

  describe('providers and secrets', () => {
    const PROVIDERS = '{ providers { provider status tokenExpiresAt lastError } }';
    type P = { providers: { provider: string; status: string; tokenExpiresAt: string | null; lastError: string | null }[] };

    it('reports NEWVOICEMEDIA as it is: connected with a token after a call, no secret anywhere', async () => {
      await start();
      const before = (await t!.gql<P>(PROVIDERS)).data!.providers.find((p) => p.provider === 'NEWVOICEMEDIA')!;
      expect(before).toEqual({ provider: 'NEWVOICEMEDIA', status: 'CONNECTED', tokenExpiresAt: null, lastError: null });
      const q = await t!.gql(BOTH);
      const after = (await t!.gql<P>(PROVIDERS)).data!.providers.find((p) => p.provider === 'NEWVOICEMEDIA')!;
      expect(after.status).toBe('CONNECTED');
      const expiresIn = Date.parse(after.tokenExpiresAt!) - Date.now();
      expect(expiresIn).toBeGreaterThan(7000_000);
      expect(expiresIn).toBeLessThanOrEqual(7200_000);
      for (const text of [q.raw, t!.logs.text]) {
        expect(text).not.toContain(DEFAULT_NVM_CLIENT.clientSecret);
        expect(text).not.toMatch(JWT);
      }
    });

    it('a rejected secret is PROVIDER_AUTH_FAILED and NEEDS_REAUTHORIZATION, never echoing the secret', async () => {
      const secret = 'wrong-nvm-secret-4Kq9';
      await start({ clientId: DEFAULT_NVM_CLIENT.clientId, clientSecret: secret });
      const r = await t!.gql(USERS, {});
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', provider: 'NEWVOICEMEDIA', oauthError: 'invalid_client' });
      const p = await t!.gql<P>(PROVIDERS);
      const s = p.data!.providers.find((x) => x.provider === 'NEWVOICEMEDIA')!;
      expect(s.status).toBe('NEEDS_REAUTHORIZATION');
      expect(s.lastError).toContain('invalid_client');
      for (const text of [r.raw, p.raw, t!.logs.text]) expect(text).not.toContain(secret);
    });

    it('without credentials NEWVOICEMEDIA fields say PROVIDER_NOT_CONFIGURED', async () => {
      t = await startServer({
        CALLJOURNEY_TENANT_ID: cj.tenantId,
        CALLJOURNEY_CLIENT_ID: 'x',
        CALLJOURNEY_CLIENT_SECRET: 'y',
        CALLJOURNEY_BASE_URL: cj.baseUrl,
        CALLJOURNEY_TOKEN_URL: cj.tokenUrl,
      });
      for (const q of [
        BOTH,
        '{ agentAvailability(skillNames: ["French"]) { ready } }',
        '{ agents(provider: NEWVOICEMEDIA) { id } }',
        `{ calls(provider: NEWVOICEMEDIA, from: "${WEEK.from}", to: "${WEEK.to}") { nodes { id } } }`,
      ]) {
        const r = await t.gql(q);
        expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'NEWVOICEMEDIA' });
        expect(r.errors![0]!.message).toContain('NVM_CLIENT_ID');
      }
      expect((await fetch(t.server.mediaLinks.url(`/media/nvm/${nvm.interactions[0]!.guid}/rec-0`))).status).toBe(404);
    });
  });
});
