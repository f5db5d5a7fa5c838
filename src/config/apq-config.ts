/** Automatic persisted queries (src/server/persisted-queries.ts): how long, how large, and on which Redis. */
import type { EnvReader } from './env-reader.js';

export interface ApqConfig {
  /** CXGRAPH_APQ_TTL_SECONDS: how long a registered document is kept. */
  ttlSeconds: number;
  /** CXGRAPH_APQ_MAX_BYTES: the largest document (UTF-8 bytes) APQ registers or runs from the cache. */
  maxBytes: number;
  /** CXGRAPH_CACHE_REDIS_URL: a Redis of their own for caches callers fill; unset = the store's Redis. */
  cacheRedisUrl?: string;
}

/**
 * 16 KiB: the reference web app's largest document is under 1 KiB and a frontend's rarely pass a few; a registered
 * document costs its size for CXGRAPH_APQ_TTL_SECONDS in a Redis any caller can write to this way.
 */
export const DEFAULT_APQ_MAX_BYTES = 16 * 1024;

export function apqOf(r: EnvReader): ApqConfig {
  const cacheRedisUrl = r.str('CXGRAPH_CACHE_REDIS_URL');
  if (cacheRedisUrl && !/^rediss?:\/\/[^/?#]+/.test(cacheRedisUrl))
    r.fail('CXGRAPH_CACHE_REDIS_URL', 'expected a redis:// or rediss:// URL (a Redis for caches callers fill, apart from the store)');
  return {
    ttlSeconds: r.int('CXGRAPH_APQ_TTL_SECONDS', 86_400, 60, 30 * 86_400),
    maxBytes: r.int('CXGRAPH_APQ_MAX_BYTES', DEFAULT_APQ_MAX_BYTES, 256, 1024 * 1024),
    cacheRedisUrl,
  };
}
