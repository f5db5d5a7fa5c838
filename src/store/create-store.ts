/** Picks the store the configuration asks for: a Redis Cluster, one Redis, or process memory. */
import type { Logger } from '../observability/logger.js';
import type { KvStore } from './kv-store.js';
import { MemoryKvStore } from './memory-store.js';
import { NAMESPACE } from './namespace.js';
import { RedisKvStore } from './redis-store.js';
import { SecretBox } from './secret-box.js';

export interface StoreOptions {
  /** One Redis (`redis://` or `rediss://`). */
  redisUrl?: string;
  /** Seed nodes of a Redis Cluster (`redis://host:port` each); the rest of the cluster is discovered from them. */
  redisClusterNodes?: readonly string[];
  /** The sealing key first, then keys that only open (read-only); none: values are stored as plain JSON. */
  encryptionKeys: readonly Buffer[];
  logger: Logger;
  /** Per-operation time limit, so an unresponsive Redis cannot stall requests. */
  opTimeoutMs?: number;
  /** How often a degraded store checks whether Redis answers again. */
  probeIntervalMs?: number;
  /** Key prefix (default `cxgraph`, CXGRAPH_REDIS_PREFIX); tests use their own so they never see each other's keys. */
  namespace?: string;
}

export function createStore(opts: StoreOptions): KvStore {
  const box = new SecretBox(opts.encryptionKeys);
  const ns = opts.namespace ?? NAMESPACE;
  const tuning = { opTimeoutMs: opts.opTimeoutMs ?? 500, probeIntervalMs: opts.probeIntervalMs ?? 500 };
  if (opts.redisClusterNodes?.length) return new RedisKvStore({ cluster: opts.redisClusterNodes }, box, opts.logger, tuning, ns);
  if (opts.redisUrl) return new RedisKvStore({ url: opts.redisUrl }, box, opts.logger, tuning, ns);
  return new MemoryKvStore(box, ns, undefined, opts.logger);
}
