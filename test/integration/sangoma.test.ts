/**
 * Sangoma CX end to end: cxgraph over real HTTP against the Sangoma auth + CX simulator. These mutations
 * place real phone calls, so the checks that matter are how often a request reaches the platform
 * (`sim.server.count(route)`, `sim.calls`) and which code a failure gets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createStore } from '../../src/store/create-store.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { createSangomaSimulator, type SangomaSimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { LogCapture } from '../support/log-capture.js';

const AGENT_CALL = `mutation ($agent: String!, $to: String!, $tenant: String!) {
  startAgentCall(agentName: $agent, destination: $to, tenantDomain: $tenant) { provider accepted callId message }
}`;
const QUEUE_CALL = `mutation ($queue: String!, $to: String!, $tenant: String!) {
  startQueueCallback(queueName: $queue, destination: $to, tenantDomain: $tenant) { provider accepted callId message }
}`;
const PROVIDERS = '{ providers { provider status tokenExpiresAt lastError } }';

const TENANT = 'acme.cx.example.com';
const agentCall = (over: Record<string, string> = {}) => ({ agent: 'alice', to: '+15550100199', tenant: TENANT, ...over });
const queueCall = (over: Record<string, string> = {}) => ({ queue: 'support', to: '+15550100123', tenant: TENANT, ...over });
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

interface CallStart {
  provider: string;
  accepted: boolean;
  callId: string | null;
  message: string | null;
}
interface ProviderRow {
  provider: string;
  status: string;
  tokenExpiresAt: string | null;
  lastError: string | null;
}

function envFor(sim: SangomaSimulator, over: Record<string, string> = {}): Record<string, string> {
  return {
    SANGOMA_CLIENT_ID: sim.clients[0]!.clientId,
    SANGOMA_CLIENT_SECRET: sim.clients[0]!.clientSecret,
    SANGOMA_BASE_URL: sim.baseUrl,
    SANGOMA_TOKEN_URL: sim.tokenUrl,
    ...over,
  };
}

async function sangomaRow(t: TestServer): Promise<ProviderRow> {
  const p = await t.gql<{ providers: ProviderRow[] }>(PROVIDERS);
  return p.data!.providers.find((x) => x.provider === 'SANGOMA')!;
}

describe('Sangoma CX calls', () => {
  const sim = useSimulator(createSangomaSimulator());
  let t: TestServer | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    sim.server.clearFaults();
    sim.server.resetCounts();
    sim.clearCalls();
    sim.tokenLifetimeSec = 24_304_413;
  });

  it('places an agent call and a queue callback, answering the platform call id', async () => {
    t = await startServer(envFor(sim));
    const a = await t.gql<{ startAgentCall: CallStart }>(AGENT_CALL, agentCall());
    expect(a.errors).toBeUndefined();
    const q = await t.gql<{ startQueueCallback: CallStart }>(QUEUE_CALL, queueCall());
    expect(q.errors).toBeUndefined();
    expect(sim.calls.map((c) => [c.kind, c.name, c.destination, c.tenantDomain])).toEqual([
      ['agent', 'alice', '+15550100199', TENANT],
      ['queue', 'support', '+15550100123', TENANT],
    ]);
    expect(a.data!.startAgentCall).toEqual({ provider: 'SANGOMA', accepted: true, callId: sim.calls[0]!.callId, message: 'Call initiated' });
    expect(q.data!.startQueueCallback).toEqual({ provider: 'SANGOMA', accepted: true, callId: sim.calls[1]!.callId, message: 'Callback queued' });
  });

  it('one token (both scopes) serves both mutations, also under concurrency on a cold cache', async () => {
    t = await startServer(envFor(sim));
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => t!.gql(AGENT_CALL, agentCall())),
      ...Array.from({ length: 6 }, () => t!.gql(QUEUE_CALL, queueCall())),
    ]);
    for (const r of results) expect(r.errors).toBeUndefined();
    await t.gql(AGENT_CALL, agentCall({ agent: 'bob' }));
    await t.gql(QUEUE_CALL, queueCall({ queue: 'sales' }));
    expect(sim.server.count('token')).toBe(1);
    expect(sim.server.count('agents-call')).toBe(7);
    expect(sim.server.count('queues-call')).toBe(7);
    expect(sim.calls).toHaveLength(14);
  });

  it('sends a phone number without its visual separators, and a SIP URI as given', async () => {
    t = await startServer(envFor(sim));
    await t.gql(AGENT_CALL, agentCall({ to: ' +1 (555) 010-0199 ', tenant: 'ACME.cx.example.com.' }));
    await t.gql(QUEUE_CALL, queueCall({ to: 'sip:1001@pbx.example.com' }));
    expect(sim.calls.map((c) => c.destination)).toEqual(['+15550100199', 'sip:1001@pbx.example.com']);
    expect(sim.calls[0]!.tenantDomain).toBe(TENANT);
  });

  // A call that failed is never re-sent: the platform may have acted on it.
  it.each([
    { name: '503', fault: { kind: 'status', status: 503 } as const, code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 503, mayHavePlaced: true },
    { name: '500', fault: { kind: 'status', status: 500 } as const, code: 'PROVIDER_UNAVAILABLE', upstreamStatus: 500, mayHavePlaced: true },
    { name: 'connection reset', fault: { kind: 'reset' } as const, code: 'PROVIDER_UNAVAILABLE', upstreamStatus: undefined, mayHavePlaced: true },
    {
      name: '429 with a short Retry-After',
      fault: { kind: 'status', status: 429, retryAfterSec: 1 } as const,
      code: 'PROVIDER_RATE_LIMITED',
      upstreamStatus: 429,
      mayHavePlaced: false,
    },
    { name: 'malformed 200', fault: { kind: 'malformed' } as const, code: 'PROVIDER_ERROR', upstreamStatus: 200, mayHavePlaced: true },
  ])('a failed agent call ($name) is sent exactly once and reported as $code', async ({ fault, code, upstreamStatus, mayHavePlaced }) => {
    t = await startServer(envFor(sim));
    sim.server.inject({ ...fault, route: 'agents-call', times: 5 });
    const r = await t.gql(AGENT_CALL, agentCall());
    expect(sim.server.count('agents-call')).toBe(1);
    expect(r.data).toEqual({ startAgentCall: null });
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]!.path).toEqual(['startAgentCall']);
    expect(r.errors![0]!.extensions).toMatchObject({ code, provider: 'SANGOMA' });
    expect(r.errors![0]!.extensions!.upstreamStatus).toBe(upstreamStatus);
    expect(r.errors![0]!.extensions!.callMayHaveBeenPlaced).toBe(mayHavePlaced ? true : undefined);
    if (mayHavePlaced) expect(r.errors![0]!.message).toContain('may have been placed');
    if (code === 'PROVIDER_RATE_LIMITED') expect(r.errors![0]!.extensions!.retryAfter).toBe(1);
  });

  it('a queue callback that times out is sent once and reported PROVIDER_UNAVAILABLE', async () => {
    t = await startServer(envFor(sim, { CXGRAPH_UPSTREAM_TIMEOUT_MS: '300' }));
    await t.gql(QUEUE_CALL, queueCall()); // token first, so the timeout hits the call
    sim.server.resetCounts();
    sim.server.inject({ kind: 'hang', route: 'queues-call', times: 5 });
    const r = await t.gql(QUEUE_CALL, queueCall());
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'SANGOMA', callMayHaveBeenPlaced: true });
    expect(r.errors![0]!.message).toContain('timed out');
    expect(sim.server.count('queues-call')).toBe(1);
  });

  it('a call API that refuses the connection is PROVIDER_UNAVAILABLE without "may have been placed" (nothing was sent)', async () => {
    const closed = createSangomaSimulator();
    await closed.start();
    const deadBase = closed.baseUrl;
    await closed.stop();
    t = await startServer(envFor(sim, { SANGOMA_BASE_URL: deadBase }));
    const r = await t.gql(AGENT_CALL, agentCall());
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'SANGOMA' });
    expect(r.errors![0]!.extensions!.callMayHaveBeenPlaced).toBeUndefined();
    expect(r.errors![0]!.message).toContain('ECONNREFUSED');
    expect(sim.server.count('token')).toBe(1);
  });

  it('a platform refusal (unknown agent 404, unavailable agent 409) is PROVIDER_ERROR with its message, sent once', async () => {
    t = await startServer(envFor(sim));
    const unknown = await t.gql(AGENT_CALL, agentCall({ agent: 'zed' }));
    expect(unknown.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'SANGOMA', upstreamStatus: 404 });
    expect(unknown.errors![0]!.extensions!.callMayHaveBeenPlaced).toBeUndefined();
    expect(unknown.errors![0]!.message).toContain('Agent zed not found');
    const busy = await t.gql(AGENT_CALL, agentCall({ agent: 'carol' }));
    expect(busy.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_ERROR', upstreamStatus: 409 });
    expect(sim.server.count('agents-call')).toBe(2);
    expect(sim.calls).toHaveLength(0);
    // A refused request says nothing bad about the connection.
    expect((await sangomaRow(t)).status).toBe('CONNECTED');
  });

  it('a revoked token costs one new token, and the call is placed exactly once', async () => {
    t = await startServer(envFor(sim));
    await t.gql(AGENT_CALL, agentCall());
    sim.revokeTokens();
    sim.clearCalls();
    sim.server.resetCounts();
    const r = await t.gql<{ startAgentCall: CallStart }>(AGENT_CALL, agentCall());
    expect(r.errors).toBeUndefined();
    expect(r.data!.startAgentCall.accepted).toBe(true);
    expect(sim.server.count('token')).toBe(1);
    // the 401 (refused before acting) and the one re-send with the new token
    expect(sim.server.count('agents-call')).toBe(2);
    expect(sim.calls).toHaveLength(1);
  });

  it('a second 401 is PROVIDER_AUTH_FAILED after exactly one new token and one re-send', async () => {
    t = await startServer(envFor(sim));
    sim.server.inject({ kind: 'status', route: 'agents-call', status: 401, body: { success: false, message: 'Invalid or expired access token' }, times: 5 });
    const r = await t.gql(AGENT_CALL, agentCall());
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', provider: 'SANGOMA', upstreamStatus: 401 });
    expect(sim.server.count('token')).toBe(2);
    expect(sim.server.count('agents-call')).toBe(2);
  });

  it('a 403 (token without the scope) is PROVIDER_AUTH_FAILED with no new token and no re-send', async () => {
    t = await startServer(envFor(sim));
    sim.server.inject({
      kind: 'status',
      route: 'queues-call',
      status: 403,
      body: { success: false, message: 'The access token does not grant the scope cx.queue-calls' },
    });
    const r = await t.gql(QUEUE_CALL, queueCall());
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', upstreamStatus: 403 });
    expect(r.errors![0]!.message).toContain('cx.queue-calls');
    expect(sim.server.count('token')).toBe(1);
    expect(sim.server.count('queues-call')).toBe(1);
  });

  it('bad input gives BAD_USER_INPUT naming the argument, with no token or call request', async () => {
    t = await startServer(envFor(sim));
    const cases: [string, Record<string, string>, string][] = [
      [AGENT_CALL, agentCall({ agent: '  ' }), 'agentName'],
      [AGENT_CALL, agentCall({ to: 'call me maybe' }), 'destination'],
      [AGENT_CALL, agentCall({ to: '' }), 'destination'],
      [AGENT_CALL, agentCall({ to: 'alice@example.com' }), 'destination'],
      [AGENT_CALL, agentCall({ tenant: 'https://acme.cx.example.com/' }), 'tenantDomain'],
      [QUEUE_CALL, queueCall({ queue: '' }), 'queueName'],
      [QUEUE_CALL, queueCall({ to: '+1 555 abc' }), 'destination'],
      [QUEUE_CALL, queueCall({ tenant: 'acme corp' }), 'tenantDomain'],
    ];
    for (const [query, vars, field] of cases) {
      const r = await t.gql(query, vars);
      expect(r.errors?.[0]?.extensions, `${field} ${JSON.stringify(vars)}`).toMatchObject({ code: 'BAD_USER_INPUT', field, provider: 'SANGOMA' });
      expect(r.errors![0]!.message).toContain(field);
    }
    expect(sim.server.counts()).toEqual({});
  });

  it('a mutation whose scope is missing from SANGOMA_SCOPES is PROVIDER_AUTH_FAILED naming SANGOMA_SCOPES, without a request', async () => {
    t = await startServer(envFor(sim, { SANGOMA_SCOPES: 'cx.queue-calls' }));
    const r = await t.gql(AGENT_CALL, agentCall());
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', provider: 'SANGOMA', requiredScope: 'cx.agent-calls' });
    expect(r.errors![0]!.message).toContain('SANGOMA_SCOPES');
    expect(sim.server.counts()).toEqual({});
    const q = await t.gql(QUEUE_CALL, queueCall());
    expect(q.errors).toBeUndefined();
    expect(sim.server.count('token')).toBe(1);
    expect((await sangomaRow(t)).status).toBe('CONNECTED');
  });

  it('providers reports SANGOMA connected with its year-long token expiry', async () => {
    t = await startServer(envFor(sim));
    expect(await sangomaRow(t)).toEqual({ provider: 'SANGOMA', status: 'CONNECTED', tokenExpiresAt: null, lastError: null });
    const before = Date.now();
    await t.gql(AGENT_CALL, agentCall());
    const row = await sangomaRow(t);
    expect(row.status).toBe('CONNECTED');
    const expiresAt = Date.parse(row.tokenExpiresAt!);
    expect(expiresAt).toBeGreaterThan(before + (24_304_413 - 5) * 1000);
    expect(expiresAt).toBeLessThan(Date.now() + 24_304_413 * 1000 + 1000);
  });

  it('a rejected secret is PROVIDER_AUTH_FAILED, reported as NEEDS_REAUTHORIZATION, and the secret and tokens stay out of responses and logs', async () => {
    const secret = 'wrong-secret-Xy7Qp2';
    t = await startServer(envFor(sim, { SANGOMA_CLIENT_SECRET: secret }));
    const r = await t.gql(AGENT_CALL, agentCall());
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_AUTH_FAILED', provider: 'SANGOMA', oauthError: 'invalid_client', upstreamStatus: 401 });
    expect(r.errors![0]!.extensions!.callMayHaveBeenPlaced).toBeUndefined();
    expect(sim.server.count('agents-call')).toBe(0);
    const row = await sangomaRow(t);
    expect(row.status).toBe('NEEDS_REAUTHORIZATION');
    expect(row.lastError).toContain('invalid_client');
    expect(r.raw + JSON.stringify(row)).not.toContain(secret);
    expect(t.logs.text).not.toContain(secret);
  });

  it('no secret or token reaches the responses or the logs of a successful run', async () => {
    t = await startServer(envFor(sim));
    const r = await t.gql(AGENT_CALL, agentCall());
    const q = await t.gql(QUEUE_CALL, queueCall());
    const p = await t.gql(PROVIDERS);
    expect(t.logs.lines.length).toBeGreaterThan(0);
    for (const text of [r.raw, q.raw, p.raw, t.logs.text]) {
      expect(text).not.toMatch(JWT);
      expect(text).not.toContain(sim.clients[0]!.clientSecret);
      expect(text).not.toContain(Buffer.from(`${sim.clients[0]!.clientId}:${sim.clients[0]!.clientSecret}`).toString('base64'));
    }
  });

  it('uses a short-lived token to its end without renewing early, then renews it once expired', async () => {
    // The JWT's exp has 1-second granularity, so a 3 s token really lives 2–3 s: the wait below stays inside it.
    // (The exact no-early-renewal rule is proven with a fake clock in test/unit/sangoma-grant.test.ts.)
    sim.tokenLifetimeSec = 3;
    t = await startServer(envFor(sim));
    await t.gql(AGENT_CALL, agentCall());
    const obtained = Date.now();
    // Past the point where an early-renewing client would usually have renewed (a 1 s margin plus jitter).
    await new Promise((r) => setTimeout(r, 1_600));
    const late = await t.gql(QUEUE_CALL, queueCall());
    expect(late.errors).toBeUndefined();
    expect(sim.server.count('token')).toBe(1);
    await new Promise((r) => setTimeout(r, Math.max(0, obtained + 3_300 - Date.now())));
    const after = await t.gql(AGENT_CALL, agentCall());
    expect(after.errors).toBeUndefined();
    expect(sim.server.count('token')).toBe(2);
    // The client knew the token had expired: no 401 round trip, every call sent once.
    expect(sim.server.count('agents-call') + sim.server.count('queues-call')).toBe(3);
    expect(sim.calls).toHaveLength(3);
  }, 10_000);

  it('a second replica on the same shared store reuses the token instead of asking for a new one', async () => {
    const store = new MemoryKvStore();
    t = await startServer(envFor(sim), { store });
    await t.gql(AGENT_CALL, agentCall());
    const replica = await startServer(envFor(sim), { store });
    try {
      const r = await replica.gql(QUEUE_CALL, queueCall());
      expect(r.errors).toBeUndefined();
      expect(sim.server.count('token')).toBe(1);
    } finally {
      await replica.close();
    }
  });

  it.skipIf(!HAS_REDIS)('two replicas on Redis share one token between them', async () => {
    const namespace = uniqueNamespace();
    const storeFor = () => createStore({ redisUrl: REDIS_URL, encryptionKeys: [], logger: new LogCapture().logger, namespace });
    t = await startServer(envFor(sim), { store: storeFor() });
    const replica = await startServer(envFor(sim), { store: storeFor() });
    try {
      const results = await Promise.all([
        ...Array.from({ length: 4 }, () => t!.gql(AGENT_CALL, agentCall())),
        ...Array.from({ length: 4 }, () => replica.gql(QUEUE_CALL, queueCall())),
      ]);
      for (const r of results) expect(r.errors).toBeUndefined();
      expect(sim.server.count('token')).toBe(1);
    } finally {
      await replica.close();
    }
  });
});

describe('Sangoma CX not configured', () => {
  it('gives PROVIDER_NOT_CONFIGURED for both mutations and reports NOT_CONFIGURED', async () => {
    const t = await startServer({ CXGRAPH_SIMULATORS: 'off' });
    try {
      const a = await t.gql(AGENT_CALL, agentCall());
      expect(a.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'SANGOMA' });
      expect(a.errors![0]!.message).toContain('SANGOMA_CLIENT_ID');
      const q = await t.gql(QUEUE_CALL, queueCall());
      expect(q.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'SANGOMA' });
      expect((await sangomaRow(t)).status).toBe('NOT_CONFIGURED');
    } finally {
      await t.close();
    }
  });
});
