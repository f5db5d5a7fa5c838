/**
 * A replica that dies holding a token lock (Hardening 2, item 8): the lock stays in Redis for its whole lease, and a
 * replica that needs the token must not wait that lease out (25 s with the default 10 s upstream limit). The wait is
 * bounded by the request's own time left (CXGRAPH_REQUEST_DEADLINE_MS); a client-credentials token, which may be
 * asked for twice without harm, is then fetched without the lock, so the request answers within its deadline.
 */
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulators.js';
import { createCallJourneySimulator } from '../../src/simulators/index.js';
import { startServer } from '../support/harness.js';
import { HAS_REDIS, rawEntries, REDIS_URL, uniqueNamespace } from '../support/redis.js';
import { RECORDING, RECORDING_KEY } from './sim-env.js';

const DEADLINE_MS = 1_500;
const SLACK_MS = 1_000;

/** Token requests the simulator has answered (its /__sim/stats counts per route). */
async function tokenRequests(url: string): Promise<number> {
  const stats = (await (await fetch(`${url}/__sim/stats`)).json()) as { counts: Record<string, number> };
  return Object.entries(stats.counts).reduce((n, [route, c]) => (/token/.test(route) ? n + c : n), 0);
}

describe.skipIf(!HAS_REDIS)('a token lock held by a replica that died', { timeout: 60_000 }, () => {
  const ns = uniqueNamespace();
  const cj = useSimulator(createCallJourneySimulator());
  let raw: ReturnType<typeof createClient>;
  const env = () => ({ REDIS_URL, CXGRAPH_REDIS_PREFIX: ns, CXGRAPH_REQUEST_DEADLINE_MS: String(DEADLINE_MS), ...cj.env() });

  beforeAll(async () => {
    raw = createClient({ url: REDIS_URL });
    await raw.connect();
  });
  afterAll(async () => {
    for (const { key } of await rawEntries([REDIS_URL], ns)) await raw.del(key);
    await raw.close();
  });

  it('a request with a short deadline answers within it instead of waiting out the lease', async () => {
    // A first replica gets the token, so the store key of the grant is known; then it is gone, and the lock of a
    // replica that died while fetching the next token is left behind.
    const first = await startServer(env());
    expect((await first.gql(RECORDING, { key: RECORDING_KEY })).errors).toBeUndefined();
    await first.close();
    const stored = (await rawEntries([REDIS_URL], ns)).map((e) => /^(.*)::(token:calljourney:[0-9a-f]{32})$/.exec(e.key)).find(Boolean);
    expect(stored, 'the CallJourney token in the store').toBeTruthy();
    const [tokenKey, namespace, key] = stored!;
    await raw.del(tokenKey!);
    expect(await raw.set(`${namespace}:lock:${key}`, 'a-replica-that-died', { PX: 60_000 })).toBe('OK');
    const tokensBefore = await tokenRequests(cj.url);

    const second = await startServer(env());
    try {
      const started = performance.now();
      const r = await second.gql<{ recording: { exists: boolean } | null }>(RECORDING, { key: RECORDING_KEY });
      const ms = performance.now() - started;
      console.info(`[token-lock-deadline] answered in ${Math.round(ms)} ms with the lock of a dead replica held`);
      expect(r.errors).toBeUndefined();
      expect(r.data?.recording?.exists).toBe(true);
      expect(ms).toBeLessThan(DEADLINE_MS + SLACK_MS);
      expect(await tokenRequests(cj.url)).toBe(tokensBefore + 1);
      expect(second.logs.lines.some((l) => l.includes('fetching without it'))).toBe(true);
    } finally {
      await second.close();
    }
  });
});
