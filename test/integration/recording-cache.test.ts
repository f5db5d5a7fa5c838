/**
 * The shared recording cache (issue 12, item 1) over real HTTP and real Redis, two replicas on one store: a recording
 * found through one replica is answered by the other without asking CallJourney again, by every path to a Recording;
 * a miss is asked again unless its TTL is set; a failure is never kept; one round trip to the store per batch; the
 * answer's max-age follows the TTL; the metrics count hits and misses.
 */
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { HAS_REDIS_SERVER, startPrivateRedis, type PrivateRedis } from '../reliability/support.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const ONE = `query ($key: RecordingKey!) { recording(key: $key) { filename exists callId } }`;
const MANY = `query ($keys: [RecordingKey!]!) { recordings(keys: $keys) { filename exists callId } }`;
const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Recording { filename exists callId } } }`;

const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const MISSING = { ...KEY, filename: 'not-there-yet.wav' };

async function metric(t: TestServer, series: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe.skipIf(!HAS_REDIS)('shared recording cache: two replicas on one Redis', () => {
  const sim = useSimulator(createCallJourneySimulator());
  const servers: TestServer[] = [];

  /** Two replicas sharing one Redis namespace, with these settings. */
  async function replicas(env: Record<string, string> = {}, redisUrl = REDIS_URL): Promise<[TestServer, TestServer]> {
    const shared = { ...sim.env(), REDIS_URL: redisUrl, CXGRAPH_REDIS_PREFIX: uniqueNamespace(), CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '60', ...env };
    const pair = [await startServer(shared), await startServer(shared)] as [TestServer, TestServer];
    servers.push(...pair);
    return pair;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    sim.server.clearFaults();
    sim.server.resetCounts();
  });

  it('3 queries for one found recording over two replicas, by recording, recordings and _entities: 1 upstream call', async () => {
    const [a, b] = await replicas();
    const first = await a.gql(ONE, { key: KEY });
    expect(first.data).toEqual({ recording: { filename: KEY.filename, exists: true, callId: known.callId } });
    const second = await b.gql(MANY, { keys: [KEY, KEY] });
    expect(second.data).toEqual({ recordings: [first.data!.recording, first.data!.recording] });
    const third = await a.gql(ENTITIES, { reps: [{ __typename: 'Recording', ...KEY }] });
    expect(third.data).toEqual({ _entities: [first.data!.recording] });
    expect(sim.server.count('conversationexists')).toBe(1);
    // The metrics say so: one miss on A, then a hit on each.
    expect(await metric(a, 'cxgraph_recording_cache_total{result="miss"}')).toBe(1);
    expect(await metric(a, 'cxgraph_recording_cache_total{result="hit"}')).toBe(1);
    expect(await metric(b, 'cxgraph_recording_cache_total{result="hit"}')).toBe(1);
  });

  it("the answer's max-age follows CXGRAPH_RECORDING_CACHE_TTL_SECONDS, whether it came from the cache or not", async () => {
    const [a, b] = await replicas({ CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '45' });
    expect((await a.gql(ONE, { key: KEY })).headers.get('cache-control')).toBe('max-age=45, public');
    expect((await b.gql(ONE, { key: KEY })).headers.get('cache-control')).toBe('max-age=45, public');
    // A miss: the shorter of the TTL and the 30 s "not there" hint.
    expect((await a.gql(ONE, { key: MISSING })).headers.get('cache-control')).toBe('max-age=30, public');
    const [c] = await replicas({ CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '10' });
    expect((await c.gql(ONE, { key: MISSING })).headers.get('cache-control')).toBe('max-age=10, public');
  });

  it('a miss is asked again on every query (default), or kept for CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS when set', async () => {
    const [a, b] = await replicas();
    for (const t of [a, b, a])
      expect((await t.gql(ONE, { key: MISSING })).data).toEqual({ recording: { filename: MISSING.filename, exists: false, callId: null } });
    expect(sim.server.count('conversationexists')).toBe(3);

    sim.server.resetCounts();
    const [c, d] = await replicas({ CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS: '30' });
    for (const t of [c, d, c])
      expect((await t.gql(ONE, { key: MISSING })).data).toEqual({ recording: { filename: MISSING.filename, exists: false, callId: null } });
    expect(sim.server.count('conversationexists')).toBe(1);
  });

  it('a failed check is never kept: the next query asks again, on either replica', async () => {
    const [a, b] = await replicas({ CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS: '30' });
    // 503 on the first attempt and both retries: PROVIDER_UNAVAILABLE.
    sim.server.inject({ kind: 'status', status: 503, route: 'conversationexists', times: 3 });
    const failed = await a.gql(ONE, { key: KEY });
    expect(failed.data).toEqual({ recording: null });
    expect(failed.errors?.[0]?.extensions?.code).toBe('PROVIDER_UNAVAILABLE');
    expect(failed.headers.get('cache-control')).toBe('no-store');
    expect(sim.server.count('conversationexists')).toBe(3);
    // A 404-style failure of the request itself is not an answer either.
    sim.server.inject({ kind: 'malformed', route: 'conversationexists' });
    expect((await b.gql(ONE, { key: KEY })).errors?.[0]?.extensions?.code).toBe('PROVIDER_ERROR');
    expect(sim.server.count('conversationexists')).toBe(4);
    // Asked again, answered, and only now kept.
    expect((await b.gql(ONE, { key: KEY })).data).toEqual({ recording: { filename: KEY.filename, exists: true, callId: known.callId } });
    expect((await a.gql(ONE, { key: KEY })).data).toEqual({ recording: { filename: KEY.filename, exists: true, callId: known.callId } });
    expect(sim.server.count('conversationexists')).toBe(5);
  });

  it('a recordings batch of found, missing and cached keys: cached ones answered, the rest asked once each, in key order', async () => {
    const [a, b] = await replicas();
    const others = SAMPLE_RECORDINGS.slice(1, 4).map((r) => ({ company: r.company, organisation: r.organisation, folder: r.folder, filename: r.filename }));
    await a.gql(ONE, { key: KEY });
    sim.server.resetCounts();
    const keys = [others[0]!, KEY, MISSING, others[1]!, KEY, others[2]!];
    const r = await b.gql(MANY, { keys });
    expect(r.errors).toBeUndefined();
    expect((r.data as { recordings: { filename: string; exists: boolean }[] }).recordings.map((x) => [x.filename, x.exists])).toEqual(
      keys.map((k) => [k.filename, k !== MISSING]),
    );
    // KEY came from the cache; the four other distinct keys were asked.
    expect(sim.server.count('conversationexists')).toBe(4);
    sim.server.resetCounts();
    await a.gql(MANY, { keys });
    expect(sim.server.count('conversationexists')).toBe(1); // only MISSING
  });

  it('concurrent queries for a key not cached yet share one check per replica (and its failure, which is not kept)', async () => {
    const [a, b] = await replicas();
    sim.server.setLatency('conversationexists', 150);
    try {
      const answers = await Promise.all([...Array.from({ length: 5 }, () => a.gql(ONE, { key: KEY })), b.gql(ONE, { key: KEY })]);
      for (const r of answers) expect(r.data).toEqual({ recording: { filename: KEY.filename, exists: true, callId: known.callId } });
      // One check on A for its five requests, one on B (which had not seen A's answer yet).
      expect(sim.server.count('conversationexists')).toBe(2);
      expect(await metric(a, 'cxgraph_recording_cache_total{result="joined"}')).toBe(4);

      sim.server.resetCounts();
      sim.server.inject({ kind: 'status', status: 503, route: 'conversationexists', times: 3 });
      const failed = await Promise.all(Array.from({ length: 3 }, () => a.gql(ONE, { key: MISSING })));
      for (const r of failed) expect(r.errors?.[0]?.extensions?.code).toBe('PROVIDER_UNAVAILABLE');
      expect(sim.server.count('conversationexists')).toBe(3); // one check, retried twice
      expect((await a.gql(ONE, { key: MISSING })).data).toEqual({ recording: { filename: MISSING.filename, exists: false, callId: null } });
    } finally {
      sim.server.setLatency('conversationexists', 0);
    }
  });

  it('with CXGRAPH_RECORDING_CACHE_TTL_SECONDS=0 nothing is kept and the store is not read', async () => {
    const [a, b] = await replicas({ CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '0' });
    for (const t of [a, b, a]) await t.gql(ONE, { key: KEY });
    expect(sim.server.count('conversationexists')).toBe(3);
    expect(await metric(a, 'cxgraph_recording_cache_total{result="miss"}')).toBe(0);
  });

  it('two CallJourney tenants on one Redis and prefix do not answer each other: each asks its own platform', async () => {
    // A second tenant (its own app, its own platform) holding no file under KEY.
    const other = createCallJourneySimulator({
      tenantId: '0b5e1f2a-9c3d-4e6f-8a7b-1c2d3e4f5a6b',
      clients: [{ clientId: 'c0ffee00-1111-4222-8333-444455556666', clientSecret: 'other-tenant-secret-7Yq' }],
      recordings: [],
    });
    await other.start();
    try {
      const prefix = uniqueNamespace();
      const common = { REDIS_URL, CXGRAPH_REDIS_PREFIX: prefix, CXGRAPH_RECORDING_CACHE_TTL_SECONDS: '60', CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS: '60' };
      const a = await startServer({ ...sim.env(), ...common });
      const b = await startServer({ ...other.env(), ...common });
      servers.push(a, b);
      expect((await a.gql(ONE, { key: KEY })).data).toEqual({ recording: { filename: KEY.filename, exists: true, callId: known.callId } });
      // Tenant B does not hold the file: it must ask its own platform and answer "not there", not A's cached answer.
      expect((await b.gql(ONE, { key: KEY })).data).toEqual({ recording: { filename: KEY.filename, exists: false, callId: null } });
      expect(other.server.count('conversationexists')).toBe(1);
      // And B's cached "not there" does not reach A, whose answer stays its own.
      expect((await a.gql(ONE, { key: KEY })).data).toEqual({ recording: { filename: KEY.filename, exists: true, callId: known.callId } });
      expect(sim.server.count('conversationexists')).toBe(1);
    } finally {
      await other.stop();
    }
  });

  describe.skipIf(!HAS_REDIS_SERVER)('on a private Redis, where commands can be counted', () => {
    let redis: PrivateRedis;
    beforeAll(async () => {
      redis = await startPrivateRedis();
    });
    afterAll(async () => {
      await redis.stop();
    });

    it('one store round trip (MGET) per batch, however many keys: 40 keys, 20 distinct', async () => {
      const [a] = await replicas({}, redis.url);
      const keys = Array.from({ length: 40 }, (_, i) => ({ ...KEY, filename: `call-${i % 20}.wav` }));
      const stats = createClient({ url: redis.url });
      await stats.connect();
      const mgets = async () => Number(/cmdstat_mget:calls=(\d+)/.exec(await stats.info('commandstats'))?.[1] ?? 0);
      try {
        const before = await mgets();
        expect((await a.gql(MANY, { keys })).errors).toBeUndefined();
        expect(await mgets()).toBe(before + 1);
        expect((await a.gql(MANY, { keys: keys.slice(0, 3) })).errors).toBeUndefined();
        expect(await mgets()).toBe(before + 2);
      } finally {
        await stats.close();
      }
    });
  });
});
