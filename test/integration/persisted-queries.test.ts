/**
 * Automatic persisted queries across replicas (issue 12, item 4), over real HTTP and real Redis: a hash registered
 * through one replica is executed by another; without Redis each replica knows only its own; a Redis that does not
 * answer makes a hash unknown (the client sends the document again), never an error.
 */
import { createHash } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator, SAMPLE_RECORDINGS } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { startPrivateRedis } from '../reliability/support.js';

const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const QUERY = `query Check($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const HASH = createHash('sha256').update(QUERY).digest('hex');
const EXPECTED = { recording: { filename: KEY.filename, exists: true } };

type Answer = { status?: number; data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** The APQ protocol as Apollo Client's persisted-queries link speaks it, over POST. */
async function apq(t: TestServer, withQuery: boolean, query = QUERY): Promise<Answer> {
  const hash = createHash('sha256').update(query).digest('hex');
  const body = { ...(withQuery ? { query } : {}), variables: { key: KEY }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } };
  const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as never;
}
const withStatus = async (t: TestServer, query: string): Promise<Answer> => {
  const body = { query, variables: { key: KEY }, extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } };
  const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, ...((await res.json()) as Answer) };
};

const redisClient = (url: string) => createClient({ url });

/** Runs `fn` with a node-redis client on `url`. */
async function onRedis<T>(url: string, fn: (r: ReturnType<typeof redisClient>) => Promise<T>): Promise<T> {
  const redis = redisClient(url);
  await redis.connect();
  try {
    return await fn(redis);
  } finally {
    await redis.close();
  }
}

describe('automatic persisted queries', () => {
  const sim = useSimulator(createCallJourneySimulator());
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    const t = await startServer({ ...sim.env(), ...env });
    servers.push(t);
    return t;
  };

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it.skipIf(!HAS_REDIS)('a hash registered on one replica is executed by another (shared Redis, own namespace)', async () => {
    const ns = uniqueNamespace();
    const [a, b] = [await start({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns }), await start({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns })];
    // Unknown everywhere at first: the client is told to send the document.
    expect((await apq(b, false)).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(await apq(a, true)).toEqual({ data: EXPECTED });
    // Registration is written after the document is validated, beside the answer: give it a moment to land.
    let onB = await apq(b, false);
    for (let i = 0; i < 20 && onB.errors; i++) {
      await new Promise((r) => setTimeout(r, 25));
      onB = await apq(b, false);
    }
    expect(onB).toEqual({ data: EXPECTED });
    // In Redis under the deployment's prefix, in a namespace of its own, with the TTL.
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const key = `${ns}:persisted-queries::apq:${HASH}`;
      expect(JSON.parse((await redis.get(key))!)).toMatchObject({ value: QUERY });
      const ttl = await redis.pTTL(key);
      expect(ttl).toBeGreaterThan(86_000_000);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
      await redis.del(key); // a day's TTL: not left behind in a shared Redis
    } finally {
      await redis.close();
    }
  });

  it('without Redis, each replica knows only the hashes registered through it', async () => {
    const [a, b] = [await start({}), await start({})];
    expect(await apq(a, true)).toEqual({ data: EXPECTED });
    expect(await apq(a, false)).toEqual({ data: EXPECTED });
    expect((await apq(b, false)).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a Redis that does not answer: a hash is unknown (not an error), and registering still answers', async () => {
    const t = await start({ REDIS_URL: 'redis://127.0.0.1:1', CXGRAPH_REDIS_PREFIX: uniqueNamespace() });
    const started = performance.now();
    expect((await apq(t, false)).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await apq(t, true)).toEqual({ data: EXPECTED });
    // Kept by this replica meanwhile.
    expect(await apq(t, false)).toEqual({ data: EXPECTED });
  });

  it.skipIf(!HAS_REDIS)('a value written under a hash straight into Redis runs only if it is the document of that hash', async () => {
    const ns = uniqueNamespace();
    const t = await start({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns });
    const key = `${ns}:persisted-queries::apq:${HASH}`;
    // Whoever can write to the Redis swaps the frontend's query for a mutation, in keyv's own layout.
    const swapped = 'mutation { beginPbxConnection { authorizationUrl state } }';
    await onRedis(REDIS_URL, (r) => r.set(key, JSON.stringify({ value: swapped, expires: Date.now() + 60_000 }), { PX: 60_000 }));
    for (let i = 0; i < 3; i++) {
      const r = await apq(t, false);
      expect(r.data).toBeUndefined();
      expect(r.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
    const warnings = t.logs.json().filter((l) => /does not match its hash/.test(String(l.msg)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, hash: HASH });
    // The client sends the document again, as APQ expects: registered afresh, it runs.
    expect(await apq(t, true)).toEqual({ data: EXPECTED });
    expect(JSON.parse((await onRedis(REDIS_URL, (r) => r.get(key)))!)).toMatchObject({ value: QUERY });
    await onRedis(REDIS_URL, (r) => r.del(key));
  });

  it.skipIf(!HAS_REDIS)('registers only documents that parse, validate and fit CXGRAPH_APQ_MAX_BYTES; nothing is written otherwise', async () => {
    const ns = uniqueNamespace();
    const t = await start({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns });
    const padded = `${QUERY}\n# ${'x'.repeat(16 * 1024)}`;
    const big = await withStatus(t, padded);
    expect(big.status).toBe(400);
    expect(big.data).toBeUndefined();
    expect(big.errors![0]!.message).toMatch(/CXGRAPH_APQ_MAX_BYTES/);
    expect(big.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'CXGRAPH_APQ_MAX_BYTES', max: 16384 });
    const invalid = await withStatus(t, '{ nope }');
    expect(invalid.status).toBe(400);
    const unparsable = await withStatus(t, '{ recording(');
    expect(unparsable.status).toBe(400);
    await new Promise((r) => setTimeout(r, 100));
    expect(await onRedis(REDIS_URL, (r) => r.keys(`${ns}:persisted-queries*`))).toEqual([]);
    // At the limit it registers: the limit is on bytes of the document (UTF-8), set by the variable.
    const atLimit = `${QUERY}\n# ${'é'.repeat(200)}`;
    const small = await start({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_APQ_MAX_BYTES: String(Buffer.byteLength(atLimit)) });
    expect((await withStatus(small, `${atLimit}é`)).status).toBe(400);
    expect((await withStatus(small, atLimit)).status).toBe(200);
    const stored = `${ns}:persisted-queries::apq:${createHash('sha256').update(atLimit).digest('hex')}`;
    await onRedis(REDIS_URL, async (r) => {
      for (let i = 0; i < 20 && (await r.keys(`${ns}:persisted-queries*`)).length === 0; i++) await new Promise((res) => setTimeout(res, 25));
      expect(await r.keys(`${ns}:persisted-queries*`)).toEqual([stored]);
      await r.del(stored);
    });
  });

  it.skipIf(!HAS_REDIS)('CXGRAPH_CACHE_REDIS_URL keeps documents on a Redis of their own, never on the store’s', async () => {
    const ns = uniqueNamespace();
    const cache = await startPrivateRedis();
    try {
      const [a, b] = [
        await start({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_CACHE_REDIS_URL: cache.url }),
        await start({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_CACHE_REDIS_URL: cache.url }),
      ];
      expect(await apq(a, true)).toEqual({ data: EXPECTED });
      let onB = await apq(b, false);
      for (let i = 0; i < 20 && onB.errors; i++) {
        await new Promise((r) => setTimeout(r, 25));
        onB = await apq(b, false);
      }
      expect(onB).toEqual({ data: EXPECTED });
      expect(await onRedis(cache.url, (r) => r.keys('*'))).toEqual([`${ns}:persisted-queries::apq:${HASH}`]);
      expect(await onRedis(REDIS_URL, (r) => r.keys(`${ns}:persisted-queries*`))).toEqual([]);
    } finally {
      await Promise.all(servers.splice(0).map((s) => s.close()));
      await cache.stop();
    }
  });
});
