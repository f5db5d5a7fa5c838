/**
 * The one way cxgraph opens a Redis: the store, the fleet-wide limits, the APQ cache and the eviction-policy check
 * all connect through here, to one RedisTarget type, with the same socket rules.
 *
 * - Commands fail at once while disconnected (no offline queue), so an outage is met by the caller's fallback instead
 *   of requests piling up behind it.
 * - Reconnects back off from 100 ms to 2 s.
 * - A cluster's nodes discovered from its seeds (CLUSTER SLOTS) connect with the first seed's credentials and TLS.
 */
import { createClient, createCluster } from '@keyv/redis';
import type { RedisTarget } from '../config/redis-target.js';

export type RedisClient = ReturnType<typeof single>;
export type RedisClusterClient = ReturnType<typeof cluster>;
export type OpenedRedis = { kind: 'redis'; client: RedisClient } | { kind: 'redis-cluster'; client: RedisClusterClient };

export interface RedisClientOptions {
  /** Time limit of a connect, ms (default 2000). */
  connectTimeoutMs?: number;
  /** false: a one-off connection that never reconnects (default: back off and reconnect). */
  reconnect?: boolean;
}

/** A client for `target`, not yet connected. The caller listens for 'error' (an unheard one ends the process). */
export function createRedisClient(target: RedisTarget, opts: RedisClientOptions = {}): OpenedRedis {
  const socket = {
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    reconnectStrategy: opts.reconnect === false ? (false as const) : (retries: number) => Math.min(100 * 2 ** retries, 2000),
  };
  return 'url' in target ? { kind: 'redis', client: single(target.url, socket) } : { kind: 'redis-cluster', client: cluster(target.cluster, socket) };
}

type Socket = { connectTimeout: number; reconnectStrategy: false | ((retries: number) => number) };

function single(url: string, socket: Socket) {
  return createClient({ url, disableOfflineQueue: true, socket });
}

function cluster(urls: readonly string[], socket: Socket) {
  const seed = new URL(urls[0]!);
  return createCluster({
    rootNodes: urls.map((url) => ({ url })),
    defaults: {
      username: seed.username ? decodeURIComponent(seed.username) : undefined,
      password: seed.password ? decodeURIComponent(seed.password) : undefined,
      disableOfflineQueue: true,
      socket: seed.protocol === 'rediss:' ? { ...socket, tls: true } : socket,
    },
  });
}
