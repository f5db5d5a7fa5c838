/**
 * Automatic persisted queries across replicas (issue 12, item 4), over real HTTP and real Redis: a hash registered
 * through one replica is executed by another; without Redis each replica knows only its own; a Redis that does not
 * answer makes a hash unknown (the client sends the document again), never an error.
 */
import { createHash } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCallJourneySimulator, SAMPLE_RECORDINGS, type CallJourneySimulator } from '../../src/simulators/index.js';
import { startServer, type TestServer } from '../support/harness.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const known = SAMPLE_RECORDINGS[0]!;
const KEY = { company: known.company, organisation: known.organisation, folder: known.folder, filename: known.filename };
const QUERY = `query Check($key: RecordingKey!) { recording(key: $key) { filename exists } }`;
const HASH = createHash('sha256').update(QUERY).digest('hex');
const EXPECTED = { recording: { filename: KEY.filename, exists: true } };

/** The APQ protocol as Apollo Client's persisted-queries link speaks it, over POST. */
async function apq(t: TestServer, withQuery: boolean): Promise<{ data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const body = { ...(withQuery ? { query: QUERY } : {}), variables: { key: KEY }, extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } };
  const res = await fetch(`${t.url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as never;
}

describe('automatic persisted queries', () => {
  let sim: CallJourneySimulator;
  const servers: TestServer[] = [];
  const start = async (env: Record<string, string>) => {
    const t = await startServer({ ...sim.env(), ...env });
    servers.push(t);
    return t;
  };

  beforeAll(async () => {
    sim = createCallJourneySimulator();
    await sim.start();
  });
  afterAll(async () => {
    await sim.stop();
  });
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
});
