/**
 * The circuit breaker and the concurrency cap, per provider, in a running cxgraph: a provider that keeps failing
 * is no longer called (fail fast, PROVIDER_UNAVAILABLE with retryAfter, `cxgraph_circuit_breaker_open` 1) until a
 * probe after the cool-down finds it answering again; a burst never has more requests in flight to one provider
 * than CXGRAPH_UPSTREAM_CONCURRENCY, and what does not fit in the queue is refused without being sent. The connection
 * status follows what the platform answers, recorded by the upstream path itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import type { FetchLike } from '../support/token-manager.js';
import type { ProviderName } from '../../src/domain/provider-name.js';
import type { SimServer } from '../../src/simulators/index.js';
import { startServer, type GraphQLResult, type TestServer } from '../support/harness.js';
import { cjEnv, cloudCxEnv, nvmEnv, pbxEnv, RECORDING, RECORDING_KEY, sangomaEnv, PBX_REDIRECT, allSimulators } from './sim-env.js';
import { everyProvider } from './every-provider.js';
import { connectPbx } from './support.js';

const BREAKER = { CXGRAPH_BREAKER_FAILURES: '2', CXGRAPH_BREAKER_COOLDOWN_MS: '800' };
const RECORDINGS = 'query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { filename exists } }';

interface Subject {
  provider: ProviderName;
  server: SimServer;
  route: string;
  idempotent: boolean;
  env(): Record<string, string>;
  prepare?(t: TestServer): Promise<void>;
  query(t: TestServer): Promise<GraphQLResult>;
}

const gauge = async (t: TestServer, provider: ProviderName) =>
  new RegExp(`^cxgraph_circuit_breaker_open\\{provider="${provider}"\\} (\\d)`, 'm').exec(await (await fetch(`${t.url}/metrics`)).text())?.[1];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('upstream guards in a running cxgraph', () => {
  const { cj, sangoma, cloudcx, nvm, pbx } = useSimulators(allSimulators());
  let subjects: Subject[];
  /** Providers of PROVIDERS without a subject (or subjects without a provider): a failing test, never a skip. */
  let problems: string[];

  beforeAll(() => {
    const written: Subject[] = [
      {
        provider: 'CALLJOURNEY',
        server: cj.server,
        route: 'conversationexists',
        idempotent: true,
        env: () => cjEnv(cj),
        query: (t) => t.gql(RECORDING, { key: RECORDING_KEY }),
      },
      {
        provider: 'SANGOMA',
        server: sangoma.server,
        route: 'agents-call',
        idempotent: false,
        env: () => sangomaEnv(sangoma),
        query: (t) => t.gql('mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted } }'),
      },
      {
        provider: 'CLOUDCX',
        server: cloudcx.server,
        route: 'userpage',
        idempotent: true,
        env: () => cloudCxEnv(cloudcx),
        query: (t) => t.gql('{ users(provider: CLOUDCX) { totalCount } }'),
      },
      {
        provider: 'NEWVOICEMEDIA',
        server: nvm.server,
        route: 'users',
        idempotent: true,
        env: () => nvmEnv(nvm),
        query: (t) => t.gql('{ users(provider: NEWVOICEMEDIA) { totalCount } }'),
      },
      {
        provider: 'PBX',
        server: pbx.server,
        route: 'extensions',
        idempotent: true,
        env: () => pbxEnv(pbx, PBX_REDIRECT),
        prepare: async (t) => void expect(await connectPbx((q) => t.gql(q), t.url)).toBe(200),
        query: (t) => t.gql('{ agents(provider: PBX) { id } }'),
      },
    ];
    ({ subjects, problems } = everyProvider(written, 'test/reliability/upstream-guards.test.ts'));
  });

  async function breakerCycle(s: Subject): Promise<void> {
    const t = await startServer({ ...s.env(), ...BREAKER });
    try {
      await s.prepare?.(t);
      expect((await s.query(t)).errors, s.provider).toBeUndefined();
      expect(await gauge(t, s.provider), s.provider).toBe('0');
      s.server.inject({ kind: 'status', route: s.route, status: 503, times: 1_000 });

      // Two failed requests (each retried when it is safe to) open the circuit ...
      for (let i = 0; i < 2; i++)
        expect((await s.query(t)).errors![0]!.extensions, s.provider).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503 });
      const sent = s.server.count(s.route);
      // ... and the next fails fast: nothing reaches the platform, and nothing was placed.
      const fast = (await s.query(t)).errors![0]!;
      expect(fast.extensions, s.provider).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: s.provider, circuitOpen: true, retryAfter: 1 });
      expect(fast.extensions!.callMayHaveBeenPlaced, s.provider).toBeUndefined();
      expect(s.server.count(s.route), s.provider).toBe(sent);
      expect(await gauge(t, s.provider), s.provider).toBe('1');

      // After the cool-down, the platform answers again: the probe goes through and closes the circuit.
      s.server.clearFaults();
      await sleep(900);
      expect((await s.query(t)).errors, s.provider).toBeUndefined();
      expect(s.server.count(s.route), s.provider).toBe(sent + 1);
      expect(await gauge(t, s.provider), s.provider).toBe('0');
      expect((await s.query(t)).errors, s.provider).toBeUndefined();
    } finally {
      s.server.clearFaults();
      await t.close();
    }
  }

  it('drives every provider PROVIDERS lists', () => {
    expect(problems).toEqual([]);
  });

  it('every provider: N failures open the breaker, it fails fast without a request, a probe after the cool-down closes it', async () => {
    const outcomes = await Promise.allSettled(subjects.map((s) => breakerCycle(s)));
    const failed = outcomes.flatMap((o, i) =>
      o.status === 'rejected' ? [`${subjects[i]!.provider}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`] : [],
    );
    expect(failed).toEqual([]);
  });

  it('a probe that fails opens the breaker again for another cool-down', async () => {
    const t = await startServer({ ...cjEnv(cj), ...BREAKER });
    try {
      cj.server.inject({ kind: 'reset', route: 'conversationexists', times: 1_000 });
      for (let i = 0; i < 2; i++)
        expect((await t.gql(RECORDING, { key: RECORDING_KEY })).errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
      expect((await t.gql(RECORDING, { key: RECORDING_KEY })).errors![0]!.extensions).toMatchObject({ circuitOpen: true });
      await sleep(900);
      const sent = cj.server.count('conversationexists');
      const probe = await t.gql(RECORDING, { key: RECORDING_KEY });
      expect(probe.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
      expect(probe.errors![0]!.extensions!.circuitOpen).toBeUndefined();
      expect(cj.server.count('conversationexists')).toBeGreaterThan(sent);
      const after = cj.server.count('conversationexists');
      expect((await t.gql(RECORDING, { key: RECORDING_KEY })).errors![0]!.extensions).toMatchObject({ circuitOpen: true });
      expect(cj.server.count('conversationexists')).toBe(after);
      expect(await gauge(t, 'CALLJOURNEY')).toBe('1');
      const p = await t.gql<{ providers: { provider: string; status: string }[] }>('{ providers { provider status } }');
      expect(p.data!.providers.find((x) => x.provider === 'CALLJOURNEY')!.status).toBe('UNAVAILABLE');
    } finally {
      cj.server.clearFaults();
      await t.close();
    }
  });

  it('a provider marked UNAVAILABLE is CONNECTED again once a lookup is answered, even with a 404 ("no such user")', async () => {
    const t = await startServer(nvmEnv(nvm));
    const status = async () =>
      (await t.gql<{ providers: { provider: string; status: string }[] }>('{ providers { provider status } }')).data!.providers.find(
        (x) => x.provider === 'NEWVOICEMEDIA',
      )!.status;
    try {
      expect((await t.gql('{ users(provider: NEWVOICEMEDIA) { totalCount } }')).errors).toBeUndefined();
      nvm.server.inject({ kind: 'status', route: 'users', status: 503, times: 3 });
      expect((await t.gql('{ users(provider: NEWVOICEMEDIA) { totalCount } }')).errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
      expect(await status()).toBe('UNAVAILABLE');
      // The platform is back; the only call made is a lookup it answers 404, which the client reads as null.
      const before = nvm.server.count('user');
      const r = await t.gql<{ _entities: unknown[] }>('query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id } } }', {
        reps: [{ __typename: 'User', provider: 'NEWVOICEMEDIA', id: 'no-such-user' }],
      });
      expect(r.errors).toBeUndefined();
      expect(r.data!._entities).toEqual([null]);
      expect(nvm.server.count('user')).toBe(before + 1);
      expect(await status()).toBe('CONNECTED');
    } finally {
      nvm.server.clearFaults();
      await t.close();
    }
  });

  describe('concurrency cap per provider', () => {
    const keys = Array.from({ length: 10 }, (_, i) => ({ ...RECORDING_KEY, filename: `burst-${i}.wav` }));
    /** Counts the CallJourney API requests in flight at once, as the platform would see them. */
    function countingFetch() {
      const seen = { active: 0, max: 0 };
      const f: FetchLike = async (url, init) => {
        const counted = url.includes('conversationexists');
        if (counted) seen.max = Math.max(seen.max, ++seen.active);
        try {
          return await fetch(url, init);
        } finally {
          if (counted) seen.active--;
        }
      };
      return { f, seen };
    }

    beforeAll(() => cj.server.setLatency('conversationexists', 150));
    afterAll(() => cj.server.setLatency('conversationexists', 0));

    it('a burst of 10 checks has at most CXGRAPH_UPSTREAM_CONCURRENCY in flight and all answer', async () => {
      const { f, seen } = countingFetch();
      const t = await startServer({ ...cjEnv(cj), CXGRAPH_UPSTREAM_CONCURRENCY: '2', CXGRAPH_UPSTREAM_QUEUE: '50' }, { fetch: f });
      try {
        const before = cj.server.count('conversationexists');
        const r = await t.gql<{ recordings: { exists: boolean }[] }>(RECORDINGS, { keys });
        expect(r.errors).toBeUndefined();
        expect(r.data!.recordings).toHaveLength(10);
        expect(cj.server.count('conversationexists') - before).toBe(10);
        expect(seen.max).toBe(2);
      } finally {
        await t.close();
      }
    });

    it('beyond CXGRAPH_UPSTREAM_QUEUE waiting requests, the rest fail at once with PROVIDER_UNAVAILABLE, unsent, and do not trip the breaker', async () => {
      const { f, seen } = countingFetch();
      const t = await startServer(
        { ...cjEnv(cj), CXGRAPH_UPSTREAM_CONCURRENCY: '2', CXGRAPH_UPSTREAM_QUEUE: '3', CXGRAPH_BREAKER_FAILURES: '1' },
        { fetch: f },
      );
      try {
        await t.gql(RECORDING, { key: RECORDING_KEY }); // the token, so that all ten checks start together
        const before = cj.server.count('conversationexists');
        const r = await t.gql<{ recordings: ({ exists: boolean } | null)[] }>(RECORDINGS, { keys });
        const answered = r.data!.recordings.filter((x) => x !== null);
        expect(answered).toHaveLength(5); // 2 in flight + 3 queued
        expect(r.errors).toHaveLength(5);
        for (const e of r.errors!) expect(e.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'CALLJOURNEY', overloaded: true });
        expect(cj.server.count('conversationexists') - before).toBe(5);
        expect(seen.max).toBe(2);
        // Refusing our own overflow says nothing about the platform: the breaker stays closed.
        expect(await gauge(t, 'CALLJOURNEY')).toBe('0');
        expect((await t.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
      } finally {
        await t.close();
      }
    });
  });
});
