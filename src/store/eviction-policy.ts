/**
 * Whether the store's Redis may evict what cxgraph cannot get back. PBX connections and the PBX account index carry
 * no TTL and are the only copy of an account's trusted app; tokens carry one (their lifetime, 30 days when they hold a
 * refresh token), as do token locks, consent states, rate-limit windows and cool-downs. So, under `maxmemory`:
 * - `noeviction` never evicts (a full Redis refuses writes, which the store survives as an outage): safe;
 * - `volatile-*` evicts only keys with a TTL: connections stay, but tokens, locks and rate-limit windows may go, and
 *   with the caches callers fill (APQ documents) on the same Redis, callers choose when — safe only when those caches
 *   live on their own Redis (CXGRAPH_CACHE_REDIS_URL);
 * - `allkeys-*` may evict any key, PBX connections included: never safe.
 * Read once at start-up with `CONFIG GET maxmemory-policy` (every master of a cluster); managed Redis services often
 * refuse CONFIG, and then the policy is `unknown`, said as such rather than assumed.
 */
import type { Logger } from '../observability/logger.js';
import type { RedisTarget } from '../config/redis-target.js';
import { createRedisClient } from './redis-client.js';

export interface EvictionPolicyReport {
  /** maxmemory-policy as Redis answered it; `unknown` when CONFIG is refused; `checking` until it answered. */
  policy: string;
  /** null while unknown. */
  safe: boolean | null;
  warning?: string;
}

export function judgeEvictionPolicy(policy: string | undefined, cachesApart: boolean): EvictionPolicyReport {
  if (policy === undefined) {
    return {
      policy: 'unknown',
      safe: null,
      warning:
        'maxmemory-policy could not be read (CONFIG GET is refused, as managed Redis services often do): make sure it is noeviction (docs/security.md, Redis memory and eviction)',
    };
  }
  if (policy === 'noeviction') return { policy, safe: true };
  if (policy.startsWith('volatile-')) {
    if (cachesApart) return { policy, safe: true };
    return {
      policy,
      safe: false,
      warning: `maxmemory-policy ${policy} evicts keys with a TTL: tokens, token locks and rate-limit windows, here next to the persisted queries any caller can register. Set noeviction, or put the caches on their own Redis (CXGRAPH_CACHE_REDIS_URL)`,
    };
  }
  return {
    policy,
    safe: false,
    warning: `maxmemory-policy ${policy} may evict any key, PBX connections included (the account must then be connected again). Set noeviction on this Redis; caches may use their own (CXGRAPH_CACHE_REDIS_URL)`,
  };
}

/** `CONFIG GET maxmemory-policy` of `target` (the least safe answer of a cluster's masters); undefined when refused. */
export async function readEvictionPolicy(target: RedisTarget, timeoutMs = 2000): Promise<string | undefined> {
  const ask = async (c: { sendCommand(args: string[]): Promise<unknown> }) => {
    const reply = (await c.sendCommand(['CONFIG', 'GET', 'maxmemory-policy'])) as unknown;
    const value = Array.isArray(reply) ? reply[1] : (reply as Record<string, unknown> | null)?.['maxmemory-policy'];
    return typeof value === 'string' ? value : undefined;
  };
  let close: () => Promise<void> = async () => {};
  const work = (async () => {
    const opened = createRedisClient(target, { connectTimeoutMs: timeoutMs, reconnect: false });
    if (opened.kind === 'redis') {
      const client = opened.client;
      client.on('error', () => {});
      close = () => quietly(() => client.close());
      await client.connect();
      return [await ask(client as never)];
    }
    const cluster = opened.client;
    cluster.on('error', () => {});
    close = () => quietly(() => cluster.close());
    await cluster.connect();
    return Promise.all(cluster.masters.map(async (m) => ask((await cluster.nodeClient(m)) as never)));
  })();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answers = await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)))]);
    if (answers.length === 0 || answers.some((a) => a === undefined)) return undefined;
    // A cluster is as safe as its least safe master.
    return answers.find((a) => a !== 'noeviction' && !a!.startsWith('volatile-')) ?? answers.find((a) => a !== 'noeviction') ?? answers[0];
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    await close();
  }
}

/** Closes a connection that may never have opened: nothing to report either way. */
async function quietly(close: () => Promise<unknown>): Promise<void> {
  try {
    await close();
  } catch {
    /* not open, or already gone */
  }
}

/** Checks the store's Redis once, in the background; `current()` is what /readyz shows. */
export function watchEvictionPolicy(target: RedisTarget | undefined, cachesApart: boolean, logger: Logger): { current(): EvictionPolicyReport | undefined } {
  if (!target) return { current: () => undefined };
  let report: EvictionPolicyReport = { policy: 'checking', safe: null };
  void readEvictionPolicy(target).then((policy) => {
    report = judgeEvictionPolicy(policy, cachesApart);
    if (report.safe === false) logger.warn({ maxmemoryPolicy: report.policy }, `Redis store: ${report.warning}`);
    else if (report.safe === null) logger.info({ maxmemoryPolicy: 'unknown' }, `Redis store: ${report.warning}`);
    else logger.info({ maxmemoryPolicy: report.policy }, 'Redis store: maxmemory-policy keeps durable records');
  });
  return { current: () => report };
}
