/**
 * Automatic persisted queries (Apollo's APQ, https://www.apollographql.com/docs/apollo-server/performance/apq) shared by
 * every replica: a document registered through one replica (hash + query) is kept in the shared Redis, so a client
 * sending only the hash to another replica gets its answer instead of PERSISTED_QUERY_NOT_FOUND and a second round
 * trip. Apollo's keyv adapter (@apollo/utils.keyvadapter) over keyv and @keyv/redis, in a namespace of its own
 * (`<CXGRAPH_REDIS_PREFIX>:persisted-queries`), each document kept CXGRAPH_APQ_TTL_SECONDS after it was registered.
 *
 * In front of Redis, each replica keeps the documents it has seen in memory (a hash names exactly one document, so a
 * copy never goes stale), so only the first request for a hash on a replica costs a Redis read. Redis never fails a
 * request: a read that fails or takes longer than READ_TIMEOUT_MS is a miss (the client then sends the document
 * again, as APQ expects), a write that fails is dropped. Without Redis, Apollo's own in-memory cache is used (per
 * replica).
 *
 * Nothing read from Redis is trusted: a document runs only if its SHA-256 is the hash it is stored under (anyone who
 * can write to that Redis could otherwise swap a frontend's query for a mutation) and it is within
 * CXGRAPH_APQ_MAX_BYTES; anything else is a miss, logged once per hash. Registration (apqRegistrationLimit) takes only
 * documents within CXGRAPH_APQ_MAX_BYTES, after Apollo has parsed and validated them. CXGRAPH_CACHE_REDIS_URL puts
 * the documents on a Redis of their own, so what callers register can never evict the store's durable records.
 */
import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, PersistedQueryOptions } from '@apollo/server';
import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import KeyvRedis from '@keyv/redis';
import { GraphQLError } from 'graphql';
import Keyv from 'keyv';
import type { Logger } from '../observability/logger.js';
import type { RedisTarget } from '../config/redis-target.js';
import { createRedisClient } from '../store/redis-client.js';

type KeyValueCache = NonNullable<PersistedQueryOptions['cache']>;

/** Longest a Redis read may take before it counts as a miss. */
const READ_TIMEOUT_MS = 250;
/** Documents kept in memory per replica, by total length (a document may be up to CXGRAPH_MAX_BODY_BYTES). */
const MEMORY_BUDGET_CHARS = 16 * 1024 * 1024;

export interface PersistedQueryCache {
  /** For ApolloServer's `persistedQueries.cache`. */
  cache: KeyValueCache;
  close(): Promise<void>;
}

/** Apollo Server's key prefix in front of the hash (`apq:<sha256>`). */
const KEY_PREFIX = 'apq:';
/** Hashes whose stored document did not match, warned about once each (bounded: an attacker may write many). */
const MISMATCHES_REMEMBERED = 1000;

/** The shared cache over `target`, or undefined without a shared Redis (Apollo's in-memory default then). */
export function createPersistedQueryCache(
  shared: { target: RedisTarget; prefix: string } | undefined,
  logger: Logger,
  maxBytes: number,
): PersistedQueryCache | undefined {
  if (!shared) return undefined;
  const { client } = createRedisClient(shared.target);
  client.on('error', () => {}); // reported by the reads and writes that meet it
  const store = new KeyvRedis(client as never, { throwOnConnectError: false });
  // The store prefixes keys with the namespace itself (`<namespace>::<key>`); keyv's own prefix would double it.
  const keyv = new Keyv<string>({ store, namespace: `${shared.prefix}:persisted-queries`, useKeyPrefix: false });
  let warned = 0;
  const warn = (err: unknown) => {
    // Once a minute at most: an outage would otherwise log once per request.
    if (Date.now() - warned < 60_000) return;
    warned = Date.now();
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'persisted queries: Redis does not answer; documents are kept per replica until it does',
    );
  };
  keyv.on('error', warn);
  store.on('error', warn);
  // keyv as the adapter (CommonJS) declares it: the same class, typed from its CommonJS build.
  const cache = new TieredCache(new KeyvAdapter(keyv as never, { disableBatchReads: true }), warn, (key, value) => trusted(key, value, maxBytes, logger));
  return {
    cache,
    async close() {
      // Connected lazily, by the first read or write: there may be nothing to close.
      if (!client.isOpen) return;
      try {
        await client.close();
      } catch {
        client.destroy();
      }
    },
  };
}

const mismatched = new Set<string>();

/** Whether a document read from Redis may run: its SHA-256 is the hash it is stored under, and it fits the limit. */
function trusted(key: string, value: string, maxBytes: number, logger: Logger): boolean {
  const hash = key.startsWith(KEY_PREFIX) ? key.slice(KEY_PREFIX.length) : '';
  if (typeof value === 'string' && createHash('sha256').update(value).digest('hex') === hash) return Buffer.byteLength(value) <= maxBytes;
  if (!mismatched.has(hash)) {
    if (mismatched.size >= MISMATCHES_REMEMBERED) mismatched.clear();
    mismatched.add(hash);
    // The hash, never the stored text: it is whatever someone wrote there.
    logger.warn(
      { hash: hash.slice(0, 64) },
      'persisted queries: the document stored in Redis does not match its hash; not run (someone else writes to this Redis, or it is corrupt)',
    );
  }
  return false;
}

/**
 * CXGRAPH_APQ_MAX_BYTES at registration: a document sent with its hash to be registered is refused (400, nothing
 * stored) when larger. Checked when Apollo has resolved the operation — so after the document parsed and validated —
 * and before Apollo writes it to the cache.
 */
export function apqRegistrationLimit(maxBytes: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          if (!rc.metrics.persistedQueryRegister) return;
          const actual = Buffer.byteLength(rc.source);
          if (actual <= maxBytes) return;
          throw new GraphQLError(
            `Persisted query document of ${actual} bytes is larger than the ${maxBytes} APQ registers (CXGRAPH_APQ_MAX_BYTES): send it without extensions.persistedQuery`,
            {
              extensions: { code: 'BAD_USER_INPUT', limit: 'CXGRAPH_APQ_MAX_BYTES', max: maxBytes, actual, http: { status: 400 } },
            },
          );
        },
      };
    },
  };
}

/** Memory first (bounded, least recently used out first), then the shared cache; errors and slow reads are misses. */
class TieredCache implements KeyValueCache {
  private readonly memory = new Map<string, string>();
  private chars = 0;

  constructor(
    private readonly shared: KeyValueCache,
    private readonly warn: (err: unknown) => void,
    /** Whether a document read from (or about to be written to) the shared cache may run. */
    private readonly trusted: (key: string, value: string) => boolean,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const here = this.memory.get(key);
    if (here !== undefined) {
      this.memory.delete(key);
      this.memory.set(key, here);
      return here;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const found = await Promise.race([
        this.shared.get(key),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS);
        }),
      ]);
      if (found === undefined || !this.trusted(key, found)) return undefined;
      this.remember(key, found);
      return found;
    } catch (err) {
      this.warn(err);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    // Apollo checked the hash and apqRegistrationLimit the size; checked again so nothing else can put one here.
    if (!this.trusted(key, value)) return;
    this.remember(key, value);
    try {
      await this.shared.set(key, value, options);
    } catch (err) {
      this.warn(err);
    }
  }

  async delete(key: string): Promise<boolean | void> {
    const here = this.memory.get(key);
    if (here !== undefined) {
      this.memory.delete(key);
      this.chars -= here.length;
    }
    return this.shared.delete(key);
  }

  private remember(key: string, value: string): void {
    if (this.memory.has(key) || value.length > MEMORY_BUDGET_CHARS / 16) return;
    this.memory.set(key, value);
    this.chars += value.length;
    for (const [k, v] of this.memory) {
      if (this.chars <= MEMORY_BUDGET_CHARS) break;
      this.memory.delete(k);
      this.chars -= v.length;
    }
  }
}
