/**
 * The fault matrix: every provider × every upstream fault, each against a cxgraph of its own, asserting the error
 * code the client gets and how many requests reached the platform (token endpoint and API). Reads — and
 * CallJourney's read-only search POST — are retried on 5xx and connection errors; Sangoma's startAgentCall places
 * a phone call and is never sent twice (`sim.calls`): only a 401, which the platform answers before acting, is
 * followed by one re-send. Nothing crashes: every failure is one of the closed set of codes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useSimulators } from '../support/simulators.js';
import type { SimServer } from '../../src/simulators/index.js';
import type { ProviderName } from '../../src/domain/provider-name.js';
import { startServer, type GraphQLResult, type TestServer } from '../support/harness.js';
import { cjEnv, cloudCxEnv, nvmEnv, pbxEnv, RECORDING, RECORDING_KEY, sangomaEnv, PBX_REDIRECT, allSimulators } from './sim-env.js';
import { everyProvider } from './every-provider.js';
import { connectPbx } from './support.js';

const AGENT_CALL = `mutation { startAgentCall(agentName: "alice", destination: "+15550100199", tenantDomain: "acme.cx.example.com") { accepted callId } }`;
const INVALID_GRANT = { error: 'invalid_grant', error_description: 'The grant is no longer valid' };

/** One provider as the matrix drives it. */
interface Subject {
  provider: ProviderName;
  server: SimServer;
  /** The API route the query reaches. */
  route: string;
  /** Safe to send again (every read); false for Sangoma's call placement. */
  idempotent: boolean;
  env(): Record<string, string>;
  /** After cxgraph started (PBX: a user connects an account). */
  prepare?(t: TestServer): Promise<void>;
  query(t: TestServer): Promise<GraphQLResult>;
  revokeTokens(): void;
  setTokenLifetime(sec: number | undefined): void;
  /** Sangoma: phone calls the platform placed. */
  placed?(): number;
}

interface Counts {
  token: number;
  api: number;
  placed: number;
}

interface Fault {
  name: string;
  env?: Record<string, string>;
  /** Token lifetime set on the simulator before the warm-up. */
  tokenLifetimeSec?: number;
  /** Arranged after a successful warm-up query (a token is cached), before the query under test. */
  arrange(s: Subject): Promise<void> | void;
  check(s: Subject, r: GraphQLResult, sent: Counts, t: TestServer): Promise<void> | void;
}

/** The first error's extensions, or a failure naming the provider when the query unexpectedly succeeded. */
function failure(s: Subject, r: GraphQLResult): Record<string, unknown> {
  expect(r.errors, `${s.provider}: expected an error`).toBeDefined();
  expect(r.errors, s.provider).toHaveLength(1);
  return r.errors![0]!.extensions ?? {};
}

function answered(s: Subject, r: GraphQLResult): void {
  expect(r.errors, `${s.provider}: ${JSON.stringify(r.errors)}`).toBeUndefined();
  expect(r.data, s.provider).toBeTruthy();
}

const providerStatus = async (t: TestServer, provider: ProviderName) =>
  (await t.gql<{ providers: { provider: string; status: string }[] }>('{ providers { provider status } }')).data!.providers.find(
    (p) => p.provider === provider,
  )!.status;

const FAULTS: Fault[] = [
  {
    name: 'revoked token: one new token, one re-send, the query answers (Sangoma: the call placed once)',
    arrange: (s) => s.revokeTokens(),
    check(s, r, sent) {
      answered(s, r);
      expect(sent, s.provider).toEqual({ token: 1, api: 2, placed: s.placed ? 1 : 0 });
    },
  },
  {
    name: 'expired token: renewed before the call, no 401 round trip',
    tokenLifetimeSec: 2,
    // The simulators' JWT `exp` has second granularity: a 2 s token is surely expired 2.1 s after it was issued.
    arrange: () => new Promise((r) => setTimeout(r, 2_100)),
    check(s, r, sent) {
      answered(s, r);
      expect(sent, s.provider).toEqual({ token: 1, api: 1, placed: s.placed ? 1 : 0 });
    },
  },
  {
    name: '429 with a short Retry-After: waited out and retried once (not Sangoma: PROVIDER_RATE_LIMITED, sent once)',
    arrange: (s) => s.server.inject({ kind: 'status', route: s.route, status: 429, retryAfterSec: 1, body: { message: 'Too Many Requests' } }),
    check(s, r, sent) {
      if (s.idempotent) {
        answered(s, r);
        expect(sent, s.provider).toEqual({ token: 0, api: 2, placed: 0 });
      } else {
        expect(failure(s, r), s.provider).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 1, upstreamStatus: 429 });
        expect(sent, s.provider).toEqual({ token: 0, api: 1, placed: 0 });
      }
    },
  },
  {
    name: '429 with a Retry-After beyond the cap: PROVIDER_RATE_LIMITED with retryAfter, without waiting or retrying',
    arrange: (s) => s.server.inject({ kind: 'status', route: s.route, status: 429, retryAfterSec: 120, body: { message: 'Too Many Requests' } }),
    check(s, r, sent) {
      expect(failure(s, r), s.provider).toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfter: 120, upstreamStatus: 429, provider: s.provider });
      expect(sent, s.provider).toEqual({ token: 0, api: 1, placed: 0 });
    },
  },
  {
    name: 'persistent 503: retried twice, then PROVIDER_UNAVAILABLE (Sangoma: sent once, may have been placed)',
    arrange: (s) => s.server.inject({ kind: 'status', route: s.route, status: 503, times: 10 }),
    check(s, r, sent) {
      const e = failure(s, r);
      expect(e, s.provider).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503, provider: s.provider });
      expect(sent.api, s.provider).toBe(s.idempotent ? 3 : 1);
      if (!s.idempotent) expect(e.callMayHaveBeenPlaced, s.provider).toBe(true);
    },
  },
  {
    name: 'one 502: the retry answers (Sangoma: PROVIDER_UNAVAILABLE, not re-sent)',
    arrange: (s) => s.server.inject({ kind: 'status', route: s.route, status: 502, times: 1 }),
    check(s, r, sent) {
      if (s.idempotent) {
        answered(s, r);
        expect(sent.api, s.provider).toBe(2);
      } else {
        expect(failure(s, r), s.provider).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 502, callMayHaveBeenPlaced: true });
        expect(sent.api, s.provider).toBe(1);
      }
    },
  },
  {
    name: 'connection reset: retried twice, then PROVIDER_UNAVAILABLE (Sangoma: sent once)',
    arrange: (s) => s.server.inject({ kind: 'reset', route: s.route, times: 10 }),
    check(s, r, sent) {
      const e = failure(s, r);
      expect(e, s.provider).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: s.provider });
      expect(sent.api, s.provider).toBe(s.idempotent ? 3 : 1);
      if (!s.idempotent) expect(e.callMayHaveBeenPlaced, s.provider).toBe(true);
    },
  },
  {
    name: 'no answer within CXGRAPH_UPSTREAM_TIMEOUT_MS: retried twice, then PROVIDER_UNAVAILABLE "timed out" (Sangoma: sent once)',
    env: { CXGRAPH_UPSTREAM_TIMEOUT_MS: '500' },
    arrange: (s) => s.server.inject({ kind: 'hang', route: s.route, times: 10 }),
    check(s, r, sent) {
      const e = failure(s, r);
      expect(e, s.provider).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: s.provider });
      expect(r.errors![0]!.message, s.provider).toContain('timed out');
      expect(sent.api, s.provider).toBe(s.idempotent ? 3 : 1);
      if (!s.idempotent) expect(e.callMayHaveBeenPlaced, s.provider).toBe(true);
    },
  },
  {
    name: 'invalid_grant on renewal: PROVIDER_NEEDS_REAUTHORIZATION, reported, and no request loop afterwards',
    arrange(s) {
      s.revokeTokens();
      // Twice: CloudCX renews with its refresh token first, then falls back to the password grant.
      s.server.inject({ kind: 'status', route: 'token', status: 400, body: INVALID_GRANT, times: 2 });
    },
    async check(s, r, sent, t) {
      expect(failure(s, r), s.provider).toMatchObject({ code: 'PROVIDER_NEEDS_REAUTHORIZATION', provider: s.provider });
      expect(sent, s.provider).toEqual({ token: s.provider === 'CLOUDCX' ? 2 : 1, api: 1, placed: 0 });
      expect(await providerStatus(t, s.provider), s.provider).toBe('NEEDS_REAUTHORIZATION');
      if (s.provider === 'PBX')
        expect((await t.gql('{ pbxAccounts { status } }')).data, s.provider).toEqual({ pbxAccounts: [{ status: 'NEEDS_REAUTHORIZATION' }] });
      // Asked again, it fails fast: the platform sees nothing more.
      const token = s.server.count('token');
      const api = s.server.count(s.route);
      for (let i = 0; i < 3; i++) expect(failure(s, await s.query(t)), s.provider).toMatchObject({ code: 'PROVIDER_NEEDS_REAUTHORIZATION' });
      expect({ token: s.server.count('token'), api: s.server.count(s.route) }, s.provider).toEqual({ token, api });
    },
  },
  {
    name: 'malformed JSON from the API: PROVIDER_ERROR, not retried (Sangoma: sent once, may have been placed)',
    arrange: (s) => s.server.inject({ kind: 'malformed', route: s.route }),
    check(s, r, sent) {
      const e = failure(s, r);
      expect(e, s.provider).toMatchObject({ code: 'PROVIDER_ERROR', provider: s.provider });
      expect(sent.api, s.provider).toBe(1);
      if (!s.idempotent) expect(e.callMayHaveBeenPlaced, s.provider).toBe(true);
    },
  },
  {
    name: 'malformed JSON from the token endpoint: PROVIDER_ERROR, and the API is not called',
    arrange(s) {
      s.revokeTokens();
      s.server.inject({ kind: 'malformed', route: 'token', times: 2 });
    },
    check(s, r, sent) {
      expect(failure(s, r), s.provider).toMatchObject({ code: 'PROVIDER_ERROR', provider: s.provider });
      // The 401 of the revoked token, then no call with a token that could not be read.
      expect(sent.api, s.provider).toBe(1);
      expect(sent.placed, s.provider).toBe(0);
    },
  },
];

describe('fault matrix: every provider × every upstream fault', () => {
  const { cj, sangoma, cloudcx, nvm, pbx } = useSimulators(allSimulators());
  let subjects: Subject[];
  /** Providers of PROVIDERS without a subject (or subjects without a provider): a failing test, never a skip. */
  let problems: string[];

  beforeAll(() => {
    const defaults = {
      cj: cj.tokenLifetimeSec,
      sangoma: sangoma.tokenLifetimeSec,
      cloudcx: cloudcx.tokenLifetimeSec,
      nvm: nvm.tokenLifetimeSec,
      pbx: pbx.tokenLifetimeSec,
    };
    const written: Subject[] = [
      {
        provider: 'CALLJOURNEY',
        server: cj.server,
        route: 'conversationexists',
        idempotent: true,
        env: () => cjEnv(cj),
        query: (t) => t.gql(RECORDING, { key: RECORDING_KEY }),
        revokeTokens: () => cj.revokeTokens(),
        setTokenLifetime: (sec) => (cj.tokenLifetimeSec = sec ?? defaults.cj),
      },
      {
        provider: 'SANGOMA',
        server: sangoma.server,
        route: 'agents-call',
        idempotent: false,
        env: () => sangomaEnv(sangoma),
        query: (t) => t.gql(AGENT_CALL),
        revokeTokens: () => sangoma.revokeTokens(),
        setTokenLifetime: (sec) => (sangoma.tokenLifetimeSec = sec ?? defaults.sangoma),
        placed: () => sangoma.calls.length,
      },
      {
        provider: 'CLOUDCX',
        server: cloudcx.server,
        route: 'userpage',
        idempotent: true,
        env: () => cloudCxEnv(cloudcx),
        query: (t) => t.gql('{ users(provider: CLOUDCX) { totalCount } }'),
        revokeTokens: () => cloudcx.revokeTokens(),
        setTokenLifetime: (sec) => (cloudcx.tokenLifetimeSec = sec ?? defaults.cloudcx),
      },
      {
        provider: 'NEWVOICEMEDIA',
        server: nvm.server,
        route: 'users',
        idempotent: true,
        env: () => nvmEnv(nvm),
        query: (t) => t.gql('{ users(provider: NEWVOICEMEDIA) { totalCount } }'),
        revokeTokens: () => nvm.revokeTokens(),
        setTokenLifetime: (sec) => (nvm.tokenLifetimeSec = sec ?? defaults.nvm),
      },
      {
        provider: 'PBX',
        server: pbx.server,
        route: 'extensions',
        idempotent: true,
        env: () => pbxEnv(pbx, PBX_REDIRECT),
        async prepare(t) {
          expect(await connectPbx((q) => t.gql(q), t.url)).toBe(200);
        },
        query: (t) => t.gql('{ agents(provider: PBX) { id } }'),
        revokeTokens: () => pbx.revokeTokens(),
        setTokenLifetime: (sec) => (pbx.tokenLifetimeSec = sec ?? defaults.pbx),
      },
    ];
    ({ subjects, problems } = everyProvider(written, 'test/reliability/fault-matrix.test.ts'));
  });

  /** One provider through one fault, on a cxgraph of its own; the simulator is left as it was found. */
  async function run(fault: Fault, s: Subject): Promise<void> {
    const counts = (): Counts => ({ token: s.server.count('token'), api: s.server.count(s.route), placed: s.placed?.() ?? 0 });
    s.setTokenLifetime(fault.tokenLifetimeSec);
    const t = await startServer({ ...s.env(), ...fault.env });
    try {
      await s.prepare?.(t);
      answered(s, await s.query(t)); // warm: a token is cached
      await fault.arrange(s);
      const before = counts();
      const r = await s.query(t);
      const after = counts();
      await fault.check(s, r, { token: after.token - before.token, api: after.api - before.api, placed: after.placed - before.placed }, t);
      // Whatever happened, the process is alive and every error was one of ours.
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
      expect(t.logs.text, s.provider).not.toContain('unexpected resolver error');
    } finally {
      await t.close();
      s.server.clearFaults();
      s.setTokenLifetime(undefined);
    }
  }

  it('drives every provider PROVIDERS lists', () => {
    expect(problems).toEqual([]);
  });

  for (const fault of FAULTS) {
    // The providers of one fault run side by side: each has its own simulator and its own cxgraph.
    it(fault.name, async () => {
      const outcomes = await Promise.allSettled(subjects.map((s) => run(fault, s)));
      const failed = outcomes.flatMap((o, i) =>
        o.status === 'rejected' ? [`${subjects[i]!.provider}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`] : [],
      );
      expect(failed).toEqual([]);
    });
  }
});
