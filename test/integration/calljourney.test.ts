/**
 * CallJourney end to end: cxgraph over real HTTP against the Azure AD + CallJourney simulator.
 * These are the foundation issue's "done when" checks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';

const RECORDINGS = `query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { company organisation folder filename exists callId } }`;
const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists callId } }`;

function envFor(sim: CallJourneySimulator, secret = sim.clients[0]!.clientSecret): Record<string, string> {
  return {
    CALLJOURNEY_TENANT_ID: sim.tenantId,
    CALLJOURNEY_CLIENT_ID: sim.clients[0]!.clientId,
    CALLJOURNEY_CLIENT_SECRET: secret,
    CALLJOURNEY_BASE_URL: sim.baseUrl,
    CALLJOURNEY_TOKEN_URL: sim.tokenUrl,
  };
}

const known = SAMPLE_RECORDINGS[0]!;
const keyOf = (r: { company: string; organisation: string; folder: string; filename: string }) => ({
  company: r.company,
  organisation: r.organisation,
  folder: r.folder,
  filename: r.filename,
});

describe('CallJourney recordings', () => {
  const sim = useSimulator(createCallJourneySimulator());
  let t: TestServer;

  afterEach(async () => {
    await t?.close();
    sim.server.clearFaults();
    sim.server.resetCounts();
    sim.tokenLifetimeSec = 3599;
    sim.issuer.now = () => Date.now();
  });

  it('answers a known and an unknown recording, with callId null for a file the platform does not hold', async () => {
    t = await startServer(envFor(sim));
    const r = await t.gql(RECORDINGS, { keys: [keyOf(known), { ...keyOf(known), filename: 'missing.wav' }] });
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({
      recordings: [
        { ...keyOf(known), exists: true, callId: known.callId },
        { ...keyOf(known), filename: 'missing.wav', exists: false, callId: null },
      ],
    });
  });

  it('40 concurrent queries on a cold cache cause exactly one token request', async () => {
    t = await startServer(envFor(sim));
    const results = await Promise.all(Array.from({ length: 40 }, () => t.gql(ONE, { key: keyOf(known) })));
    for (const r of results) expect(r.data).toEqual({ recording: { filename: known.filename, exists: true, callId: known.callId } });
    expect(sim.server.count('token')).toBe(1);
    expect(sim.server.count('conversationexists')).toBe(40);
  });

  it('60 keys of which 20 are distinct make exactly 20 upstream calls and answer 60 results in key order', async () => {
    t = await startServer(envFor(sim));
    const distinct = Array.from({ length: 20 }, (_, i) =>
      i < SAMPLE_RECORDINGS.length ? keyOf(SAMPLE_RECORDINGS[i]!) : { ...keyOf(known), filename: `other-${i}.wav` },
    );
    const keys = Array.from({ length: 60 }, (_, i) => distinct[(i * 7) % 20]!);
    const r = await t.gql<{ recordings: { filename: string; exists: boolean }[] }>(RECORDINGS, { keys });
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordings.map((x) => x.filename)).toEqual(keys.map((k) => k.filename));
    expect(r.data!.recordings.filter((x) => x.exists).length).toBe(keys.filter((k) => SAMPLE_RECORDINGS.some((s) => s.filename === k.filename)).length);
    expect(sim.server.count('conversationexists')).toBe(20);
    expect(sim.server.count('token')).toBe(1);
  });

  it('a key whose check fails is null with its own error while the others answer', async () => {
    t = await startServer(envFor(sim));
    sim.server.inject({ kind: 'status', route: 'conversationexists', status: 404, body: { message: 'Not Found' } });
    const keys = SAMPLE_RECORDINGS.map(keyOf);
    const r = await t.gql<{ recordings: ({ filename: string } | null)[] }>(RECORDINGS, { keys });
    const nulls = r.data!.recordings.map((x, i) => (x === null ? i : -1)).filter((i) => i >= 0);
    expect(nulls).toHaveLength(1);
    expect(r.errors).toHaveLength(1);
    expect(r.errors![0]!.path).toEqual(['recordings', nulls[0]]);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'CALLJOURNEY', upstreamStatus: 404 });
    expect(r.data!.recordings.filter((x) => x !== null)).toHaveLength(keys.length - 1);
  });

  it('a revoked token costs exactly one new token request and the query still answers', async () => {
    t = await startServer(envFor(sim));
    await t.gql(ONE, { key: keyOf(known) });
    expect(sim.server.count('token')).toBe(1);
    sim.revokeTokens();
    const results = await Promise.all(Array.from({ length: 10 }, () => t.gql(ONE, { key: keyOf(known) })));
    for (const r of results) expect(r.data).toEqual({ recording: { filename: known.filename, exists: true, callId: known.callId } });
    expect(sim.server.count('token')).toBe(2);
  });

  it('a ~10 s token is reused while valid and renewed before it expires, with no 401 seen', async () => {
    // 11.5 s of time, driven by a clock cxgraph's token manager and the simulator's token issuer both read.
    let now = Date.now();
    const clock = { now: () => now };
    sim.issuer.now = clock.now;
    sim.tokenLifetimeSec = 10;
    t = await startServer(envFor(sim), { clock });
    let queries = 0;
    const until = now + 11_500;
    while (now < until) {
      const r = await t.gql(ONE, { key: keyOf(known) });
      expect(r.errors).toBeUndefined();
      queries++;
      now += 250;
    }
    // One token at start, one renewal before the 10 s mark; never a token per call.
    expect(sim.server.count('token')).toBe(2);
    // A 401 would have cost a second call for that query.
    expect(sim.server.count('conversationexists')).toBe(queries);
  });

  it('a rejected secret gives PROVIDER_AUTH_FAILED, and neither the response nor the logs hold the secret or a token', async () => {
    const secret = 'wrong-secret-Zq8vN3';
    t = await startServer(envFor(sim, secret));
    const r = await t.gql(ONE, { key: keyOf(known) });
    expect(r.data).toEqual({ recording: null });
    expect(r.errors![0]!.extensions).toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      provider: 'CALLJOURNEY',
      oauthError: 'invalid_client',
      upstreamStatus: 401,
    });
    expect(r.errors![0]!.extensions!.stacktrace).toBeUndefined();
    expect(r.raw).not.toContain(secret);
    expect(t.logs.text).not.toContain(secret);
    expect(t.logs.text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    const p = await t.gql<{ providers: { provider: string; status: string; lastError: string | null }[] }>('{ providers { provider status lastError } }');
    const cj = p.data!.providers.find((x) => x.provider === 'CALLJOURNEY')!;
    expect(cj.status).toBe('NEEDS_REAUTHORIZATION');
    expect(cj.lastError).toContain('invalid_client');
    expect(p.raw).not.toContain(secret);
  });

  it('no token reaches the logs of a successful run either', async () => {
    t = await startServer(envFor(sim));
    await t.gql(RECORDINGS, { keys: SAMPLE_RECORDINGS.map(keyOf) });
    expect(t.logs.lines.length).toBeGreaterThan(0);
    expect(t.logs.text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    expect(t.logs.text).not.toContain(sim.clients[0]!.clientSecret);
  });

  it('blank or missing key fields give BAD_USER_INPUT naming the field and make no upstream call', async () => {
    t = await startServer(envFor(sim));
    const blank = await t.gql(ONE, { key: { ...keyOf(known), folder: '  ' } });
    expect(blank.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'key.folder' });
    const inList = await t.gql(RECORDINGS, { keys: [keyOf(known), { ...keyOf(known), filename: '' }] });
    expect(inList.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'keys[1].filename' });
    const missing = await t.gql(RECORDINGS, { keys: [{ company: 'acme', organisation: 'x', folder: 'y' }] });
    expect(missing.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(sim.server.count('conversationexists')).toBe(0);
    expect(sim.server.count('token')).toBe(0);
  });

  it('more keys than CXGRAPH_MAX_KEYS_PER_BATCH give BAD_USER_INPUT without an upstream call', async () => {
    t = await startServer({ ...envFor(sim), CXGRAPH_MAX_KEYS_PER_BATCH: '5' });
    const r = await t.gql(RECORDINGS, { keys: Array.from({ length: 6 }, () => keyOf(known)) });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'keys' });
    expect(r.errors![0]!.message).toContain('at most 5');
    expect(sim.server.count('conversationexists')).toBe(0);
  });

  it('bounds upstream concurrency to CXGRAPH_RECORDING_CONCURRENCY', async () => {
    t = await startServer({ ...envFor(sim), CXGRAPH_RECORDING_CONCURRENCY: '4' });
    await t.gql(ONE, { key: keyOf(known) }); // warm the token
    sim.server.setLatency('conversationexists', 100);
    const keys = Array.from({ length: 16 }, (_, i) => ({ ...keyOf(known), filename: `f${i}.wav` }));
    const started = Date.now();
    const r = await t.gql(RECORDINGS, { keys });
    const took = Date.now() - started;
    sim.server.setLatency('conversationexists', 0);
    expect(r.errors).toBeUndefined();
    // 16 keys at 4 in flight and 100 ms each take four rounds: at least 400 ms (an unbounded fan-out takes ~100 ms).
    expect(took).toBeGreaterThanOrEqual(390);
  });

  it('reports PROVIDER_UNAVAILABLE when CallJourney keeps failing, and the rest of the query still answers', async () => {
    t = await startServer(envFor(sim));
    await t.gql(ONE, { key: keyOf(known) });
    sim.server.inject({ kind: 'status', route: 'conversationexists', status: 503, times: 10 });
    const r = await t.gql<{ recordings: unknown[]; providers: unknown[] }>(
      `query ($key: RecordingKey!) { recordings(keys: [$key]) { exists } providers { provider } }`,
      { key: keyOf(known) },
    );
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'CALLJOURNEY', upstreamStatus: 503 });
    expect(r.errors![0]!.path).toEqual(['recordings', 0]);
    expect(r.data).toEqual({ recordings: [null], providers: expect.any(Array) });
    expect(r.data!.providers).toHaveLength(5);
    // idempotent search: retried (1 + 2 retries) before giving up
    expect(sim.server.count('conversationexists')).toBe(1 + 3);
  });
});

describe('CallJourney not configured', () => {
  it('gives PROVIDER_NOT_CONFIGURED and reports NOT_CONFIGURED', async () => {
    const t = await startServer({ CXGRAPH_SIMULATORS: 'off' });
    try {
      const r = await t.gql(ONE, { key: keyOf(known) });
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', provider: 'CALLJOURNEY' });
      const p = await t.gql<{ providers: { provider: string; status: string }[] }>('{ providers { provider status } }');
      expect(p.data!.providers).toEqual([
        { provider: 'CALLJOURNEY', status: 'NOT_CONFIGURED' },
        { provider: 'SANGOMA', status: 'NOT_CONFIGURED' },
        { provider: 'CLOUDCX', status: 'NOT_CONFIGURED' },
        { provider: 'NEWVOICEMEDIA', status: 'NOT_CONFIGURED' },
        { provider: 'PBX', status: 'NOT_CONFIGURED' },
      ]);
    } finally {
      await t.close();
    }
  });
});
