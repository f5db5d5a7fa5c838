/**
 * The store over one Redis or a Redis Cluster (@keyv/redis clients), values in keyv's layout (`<namespace>::<key>`
 * holding `{"value": <stored string>, "expires": <epoch ms>}`), every value sealed by SecretBox and bound to that
 * Redis key. Every write is a compare-and-set on the string read just before, so no replica replaces a value it could
 * not open, and nothing written in between is lost. Redis failures never fail a request (RedisConnection.guard).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/logger.js';
import { canonicalJson } from './canonical-json.js';
import type { KvStore, ResealReport, StoreRead } from './kv-store.js';
import { NAMESPACE } from './namespace.js';
import { RedisConnection, type RedisTarget } from './redis-connection.js';
import type { SecretBox } from './secret-box.js';
import { problemOf, ValueCodec } from './value-codec.js';

/** Compare-and-delete: release the lock only if we still own it (a lease that expired may belong to another replica). */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Compare-and-set on the stored string: KEYS[1] is set to ARGV[3] (with PX ARGV[4] unless empty) only if it
 * still holds exactly ARGV[2] (ARGV[1] = '1') or does not exist (ARGV[1] = '0'). Whether the value read may be
 * replaced (it opens, and equals what compareAndSet expects) is decided before, here in Node, which can open it;
 * this script makes sure nobody wrote in between.
 */
const CAS_SCRIPT = `local cur = redis.call('get', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[4] == '' then redis.call('set', KEYS[1], ARGV[3]) else redis.call('set', KEYS[1], ARGV[3], 'PX', ARGV[4]) end
return 1`;

/** Reseal: replace KEYS[1] with ARGV[2], keeping its expiry, only if it still holds exactly ARGV[1]. */
const RESEAL_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'KEEPTTL') return 1 else return 0 end";

/** How often a write re-reads when the stored string changed under it (someone else wrote in between). */
const WRITE_ATTEMPTS = 5;

/** The fallback of a guarded command: Redis did not answer. */
const DOWN = Symbol('down');

/** What a write decides from the value it read: replace it with `next`, or leave it (resolving `result`). */
type Decision = { write: unknown } | { leave: boolean };

export class RedisKvStore implements KvStore {
  readonly kind: 'redis' | 'redis-cluster';
  private readonly conn: RedisConnection;
  private readonly codec: ValueCodec;
  /** Locks this replica holds (lock key → owner id), released on close so other replicas need not wait out the lease. */
  private readonly held = new Map<string, string>();

  constructor(
    target: RedisTarget,
    box: SecretBox,
    logger: Logger,
    tuning: { opTimeoutMs: number; probeIntervalMs: number },
    private readonly namespace = NAMESPACE,
  ) {
    this.conn = new RedisConnection(target, logger, tuning);
    this.kind = this.conn.kind;
    this.codec = new ValueCodec(box, namespace, logger);
  }

  get healthy(): boolean {
    return this.conn.healthy;
  }
  get degradedSince(): number | undefined {
    return this.conn.degradedSince;
  }
  firstVerdict(): Promise<void> {
    return this.conn.firstVerdict;
  }
  onHealthChange(listener: (healthy: boolean) => void): void {
    this.conn.onHealthChange(listener);
  }

  async read<T>(key: string): Promise<StoreRead<T>> {
    const raw = await this.conn.guard<string | null | typeof DOWN>(() => this.conn.commands.get(this.codec.fullKey(key)), DOWN);
    return raw === DOWN ? { status: 'unavailable' } : this.decode<T>(key, raw);
  }
  async get<T>(key: string): Promise<T | undefined> {
    const r = await this.read<T>(key);
    return r.status === 'found' ? r.value : undefined;
  }
  /**
   * One round trip: MGET on one Redis; on a cluster one GET per key, issued together (node-redis pipelines the
   * commands bound for each node), since MGET refuses keys of different slots. A Redis that does not answer: all undefined.
   */
  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const full = keys.map((k) => this.codec.fullKey(k));
    const raw = await this.conn.guard<(string | null)[] | typeof DOWN>(
      () => (this.kind === 'redis' ? this.conn.commands.mGet(full) : Promise.all(full.map((k) => this.conn.commands.get(k)))),
      DOWN,
    );
    if (raw === DOWN) return keys.map(() => undefined);
    return keys.map((key, i) => {
      const r = this.decode<T>(key, raw[i] ?? null);
      return r.status === 'found' ? r.value : undefined;
    });
  }
  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    await this.write(key, ttlMs, (current) => (current.status === 'unreadable' ? { leave: false } : { write: value }));
  }
  async delete(key: string): Promise<void> {
    await this.conn.guard(() => this.conn.commands.del(this.codec.fullKey(key)), 0);
  }
  /**
   * Reads the stored string, opens and compares it here (Redis cannot open it, and every seal uses a fresh IV, so
   * two sealings of one value never compare equal as strings), then swaps only if the string is still the one read.
   */
  async compareAndSet(key: string, expected: unknown, next: unknown, ttlMs?: number): Promise<boolean> {
    const want = canonicalJson(expected);
    return this.write(key, ttlMs, (current) => {
      if (current.status === 'unreadable') return { leave: false };
      return canonicalJson(current.status === 'found' ? current.value : undefined) === want ? { write: next } : { leave: false };
    });
  }
  /**
   * Every write: read the stored string, let `decide` look at what it holds, and swap with CAS_SCRIPT only if the
   * string is still the one read. When it is not, someone wrote in between: read again.
   */
  private async write(key: string, ttlMs: number | undefined, decide: (current: StoreRead<unknown>) => Decision): Promise<boolean> {
    const redisKey = this.codec.fullKey(key);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const raw = await this.conn.guard<string | null | typeof DOWN>(() => this.conn.commands.get(redisKey), DOWN);
      if (raw === DOWN) return false;
      const decision = decide(this.decode(key, raw));
      if ('leave' in decision) return decision.leave;
      const replacement = wrap(this.codec.encode(key, decision.write), ttlMs ? Date.now() + ttlMs : undefined);
      const px = ttlMs ? String(Math.max(1, Math.ceil(ttlMs))) : '';
      const args = raw === null ? ['0', '', replacement, px] : ['1', raw, replacement, px];
      const swapped = await this.conn.guard<unknown>(() => this.conn.commands.eval(CAS_SCRIPT, { keys: [redisKey], arguments: args }), DOWN);
      if (swapped === DOWN) return false;
      if (Number(swapped) === 1) return true;
    }
    return false;
  }
  /** What a raw Redis string means for `key`: keyv's envelope (expiry included) unwrapped, then opened. */
  private decode<T>(key: string, raw: string | null): StoreRead<T> {
    if (raw === null) return this.codec.decode<T>(key, undefined);
    const data = unwrap(raw);
    if (data === undefined) return this.codec.refuse(key, 'malformed');
    if (data.expires !== undefined && Date.now() > data.expires) return this.codec.decode<T>(key, undefined);
    return this.codec.decode<T>(key, data.stored);
  }

  async addMember(key: string, member: string): Promise<boolean> {
    const added = await this.conn.guard<number | typeof DOWN>(() => this.conn.commands.sAdd(this.setKey(key), member), DOWN);
    return added !== DOWN;
  }
  async members(key: string): Promise<string[] | undefined> {
    const found = await this.conn.guard<string[] | typeof DOWN>(() => this.conn.commands.sMembers(this.setKey(key)), DOWN);
    return found === DOWN ? undefined : found;
  }
  private setKey(key: string): string {
    return `${this.namespace}:set:${key}`;
  }

  async tryLock(key: string, leaseMs: number): Promise<(() => Promise<void>) | undefined> {
    // One key per lock, so on a cluster the SET and the release script both go to the node owning its slot.
    const lockKey = `${this.namespace}:lock:${key}`;
    const owner = randomUUID();
    const got = await this.conn.guard(async () => (await this.conn.commands.set(lockKey, owner, { NX: true, PX: leaseMs })) === 'OK', null);
    if (got === null) return async () => {}; // degraded: do not wait on a lock nobody can see
    if (!got) return undefined;
    this.held.set(lockKey, owner);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (this.held.get(lockKey) === owner) this.held.delete(lockKey);
      await this.release(lockKey, owner);
    };
  }
  private async release(lockKey: string, owner: string): Promise<void> {
    await this.conn.guard(() => this.conn.commands.eval(RELEASE_SCRIPT, { keys: [lockKey], arguments: [owner] }), 0);
  }

  /** Walks every value of the namespace on every node (SCAN), resealing in place what needs it. Throws when Redis does not answer. */
  async reseal(opts: { plaintext: boolean }): Promise<ResealReport> {
    const report: ResealReport = { examined: 0, resealed: 0, plaintextLeft: 0, unreadable: [] };
    const prefix = this.codec.fullKey('');
    for (const node of await this.conn.scanNodes()) {
      let cursor = '0';
      do {
        const page = await node.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
        cursor = String(page.cursor);
        for (const redisKey of page.keys) await this.resealOne(redisKey, redisKey.slice(prefix.length), opts, report);
      } while (cursor !== '0');
    }
    return report;
  }
  private async resealOne(redisKey: string, key: string, opts: { plaintext: boolean }, report: ResealReport): Promise<void> {
    const raw = await this.conn.commands.get(redisKey);
    if (raw === null) return;
    const data = unwrap(raw);
    if (data?.expires !== undefined && Date.now() > data.expires) return;
    report.examined++;
    if (data === undefined) return void report.unreadable.push({ key, reason: 'malformed' });
    const stored = data.stored;
    const legacy = this.codec.box.legacyValue(stored, redisKey, opts);
    if (legacy) {
      const replacement = wrap(this.codec.encode(key, legacy.value), data.expires);
      if (Number(await this.conn.commands.eval(RESEAL_SCRIPT, { keys: [redisKey], arguments: [raw, replacement] })) === 1) report.resealed++;
      return;
    }
    const state = this.codec.box.inspect(stored, redisKey);
    if (state === 'unsealed') report.plaintextLeft++;
    else if (state !== 'current' && state !== 'older-key') report.unreadable.push(problemOf(this.decode(key, raw)));
  }

  async ping(): Promise<boolean> {
    return this.conn.ping();
  }
  async close(): Promise<void> {
    // Locks still held (a token request cut short by shutdown) are released so other replicas need not wait out the lease.
    const held = [...this.held];
    this.held.clear();
    await Promise.all(held.map(([lockKey, owner]) => this.release(lockKey, owner)));
    await this.conn.close();
  }
}

/**
 * keyv's layout of a stored string (@keyv/serialize): `{"value": …, "expires": …}`, a string value starting
 * with ':' escaped with one more ':'. Kept so values written by earlier versions (through keyv) read the same.
 */
function wrap(stored: string, expires: number | undefined): string {
  const value = stored.startsWith(':') ? `:${stored}` : stored;
  return JSON.stringify(expires === undefined ? { value } : { value, expires });
}

function unwrap(raw: string): { stored: string; expires?: number } | undefined {
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const { value, expires } = (data ?? {}) as { value?: unknown; expires?: unknown };
  if (typeof value !== 'string') return undefined;
  return { stored: value.startsWith(':') ? value.slice(1) : value, ...(typeof expires === 'number' ? { expires } : {}) };
}
