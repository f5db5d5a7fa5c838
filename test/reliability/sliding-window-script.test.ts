/**
 * The fleet's sliding window is a Lua script (src/upstream/limits/rate-limit.ts): every admission must stay one member
 * of the window's sorted set until it leaves the window. Members are named from the admission time and the count; a
 * name that lost the time's last digits let two admissions 60 µs apart share one member when an older one left the
 * window between them, so the second was admitted but not counted — one request over the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@keyv/redis';
import { slidingWindowScript } from '../../src/upstream/limits/rate-limit.js';
import { HAS_REDIS, REDIS_URL, uniqueNamespace } from '../support/redis.js';

const WINDOW_MS = 1250;

describe.skipIf(!HAS_REDIS)('the sliding-window script', () => {
  const client = createClient({ url: REDIS_URL });
  const key = `${uniqueNamespace()}:window`;
  const script = slidingWindowScript(WINDOW_MS);
  // ARGV: want, time (ms, the injected clock's form; fractions are microseconds), limit. Reply: {consumed, ms}.
  const take = async (atMs: string, limit: number) => (await client.eval(script, { keys: [key], arguments: ['1', atMs, String(limit)] })) as [number, number];

  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    await client.del(key);
    await client.close();
  });

  it('counts two admissions microseconds apart as two, also when an older one leaves the window between them', async () => {
    const u = 1_796_528_872_123.4; // ms; u and u + 0.04 agree in their first 14 digits of microseconds
    expect((await take((u - WINDOW_MS + 0.02).toFixed(2), 2))[0]).toBe(1);
    expect((await take(u.toFixed(2), 2))[0]).toBe(2); // the older one is still in the window
    expect((await take((u + 0.04).toFixed(2), 2))[0]).toBe(2); // the older one has left it: this one makes two
    expect(await client.zCard(key)).toBe(2);
    // A third within the window is over the limit of 2.
    const [consumed] = await take((u + 0.05).toFixed(2), 2);
    expect(consumed).toBeGreaterThan(2);
  });
});
