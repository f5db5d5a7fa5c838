/**
 * Real Redis for tests at REDIS_URL (default redis://127.0.0.1:6379). Where none answers, Redis tests are
 * skipped — except with CI=true, where a missing Redis is a failure (CI must exercise the Redis paths).
 */
import { redisAnswers as ping } from '../../scripts/redis-ping.js';
import { createClient } from '@keyv/redis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const redisAnswers = (url = REDIS_URL): Promise<boolean> => ping(url);

const available = await redisAnswers();
if (!available && process.env.CI === 'true') {
  throw new Error(`CI=true but no Redis answers at ${REDIS_URL}: start redis-server (see .ci/run)`);
}
if (!available) console.warn(`[tests] no Redis at ${REDIS_URL}: Redis tests are skipped`);

/** True when Redis tests can run; use with describe.skipIf(!HAS_REDIS). */
export const HAS_REDIS = available;

/** A key prefix unique to one test, so parallel test files never see each other's keys. */
export function uniqueNamespace(): string {
  return `t${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Every key starting with `prefix` and its value, read straight from each of `nodeUrls` (one Redis, or every
 * node of a cluster: each node is scanned for the keys it holds itself).
 */
export async function rawEntries(nodeUrls: readonly string[], prefix: string): Promise<{ key: string; value: string | null }[]> {
  const found: { key: string; value: string | null }[] = [];
  for (const url of nodeUrls) {
    const client = createClient({ url });
    await client.connect();
    try {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        for (const key of keys) found.push({ key, value: await client.get(key) });
      }
    } finally {
      await client.close();
    }
  }
  return found;
}
