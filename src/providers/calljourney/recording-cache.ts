/**
 * The shared recording cache: what CallJourney answered about a file, kept in the shared store (Redis, so every
 * replica reads what any replica asked) for CXGRAPH_RECORDING_CACHE_TTL_SECONDS when the file exists and
 * CXGRAPH_RECORDING_MISS_CACHE_TTL_SECONDS when it does not (default 0: a file may be uploaded right after its call).
 * Only answers are kept: a failed check is never cached. Read once per loader batch with the store's getMany (one
 * round trip), before the rest goes to the platform. Values are sealed like everything the store holds. A key missing
 * from the cache that this replica is already asking CallJourney about (another request, a moment ago) waits for that
 * answer instead of asking again: a popular file that is not cached yet costs one call per replica, not one per request.
 *
 * Every key carries the CallJourney account it was answered for — tenant id, client id and base URL, hashed with the
 * file's fields, never a secret — so deployments of two CallJourney configurations that share one Redis and one
 * CXGRAPH_REDIS_PREFIX never answer each other's checks: a file that exists in one tenant is asked of the other.
 *
 * `cxgraph_recording_cache_total{result}` counts the keys looked up: `hit` (answered from the cache), `miss` (asked
 * of CallJourney) or `joined` (answered by a check already in flight).
 */
import { createHash } from 'node:crypto';
import type { Counter } from 'prom-client';
import type { RecordingKeyModel } from '../../domain/models.js';
import type { Metrics } from '../../observability/metrics.js';
import type { KvStore } from '../../store/kv-store.js';
import type { RecordingCacheConfig } from './config.js';

/** What is kept per file: CallJourney's answer, as the mapper reads it. */
export interface CachedRecording {
  exists: boolean;
  callId: string;
}

/** What identifies the CallJourney account a cache answers for (from its configuration; no secret). */
export interface RecordingAccount {
  tenantId: string;
  clientId: string;
  baseUrl: string;
}

export class RecordingCache {
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly counter: Counter<'result'> | undefined;
  /** Checks in flight in this replica, by store key. */
  private readonly inflight = new Map<string, Promise<CachedRecording>>();

  constructor(
    private readonly store: KvStore,
    config: RecordingCacheConfig,
    private readonly account: RecordingAccount,
    metrics?: Metrics,
  ) {
    this.ttlMs = config.ttlSeconds * 1000;
    this.missTtlMs = config.missTtlSeconds * 1000;
    this.counter = metrics?.recordingCache;
  }

  /** False when CXGRAPH_RECORDING_CACHE_TTL_SECONDS is 0 and nothing is cached: the loader then skips the store. */
  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** The cached answers of `keys`, in key order (undefined: not cached), in one round trip to the store. */
  async lookup(keys: readonly RecordingKeyModel[]): Promise<(CachedRecording | undefined)[]> {
    const storeKeys = keys.map((k) => storeKey(this.account, k));
    const found = this.store.getMany
      ? await this.store.getMany<CachedRecording>(storeKeys)
      : await Promise.all(storeKeys.map((k) => this.store.get<CachedRecording>(k)));
    const answers = found.map((v) => (isCached(v) ? v : undefined));
    const hits = answers.reduce((n, v) => (v ? n + 1 : n), 0);
    if (hits) this.counter?.inc({ result: 'hit' }, hits);
    return answers;
  }

  /**
   * CallJourney's answer for a key the cache did not have: `ask`ed, kept as long as its kind allows (a miss only when
   * its TTL is set) before it is answered, so the next query on any replica finds it — or, when this replica is
   * already asking about the key, that answer. A failure is never kept; whoever joined the check gets it too.
   */
  check(key: RecordingKeyModel, ask: () => Promise<CachedRecording>): Promise<CachedRecording> {
    const id = storeKey(this.account, key);
    const running = this.inflight.get(id);
    if (running) {
      this.counter?.inc({ result: 'joined' });
      return running;
    }
    this.counter?.inc({ result: 'miss' });
    const p = (async () => {
      const answer = await ask();
      const ttlMs = answer.exists ? this.ttlMs : this.missTtlMs;
      if (ttlMs > 0) await this.store.set(id, { exists: answer.exists, callId: answer.callId ?? '' }, ttlMs);
      return answer;
    })().finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }
}

/**
 * The store key of a file in an account: a hash of the account (tenant id and base URL as CallJourney compares them:
 * the tenant without case, the URL normalised) and the file's four fields (file names are long and may hold anything;
 * the hash is short, fixed and says nothing about either). 128 bits of SHA-256.
 */
export function storeKey(account: RecordingAccount, k: RecordingKeyModel): string {
  const id = JSON.stringify([account.tenantId.toLowerCase(), account.clientId, normalUrl(account.baseUrl), k.company, k.organisation, k.folder, k.filename]);
  return `recording:${createHash('sha256').update(id).digest('base64url').slice(0, 22)}`;
}

function normalUrl(url: string): string {
  try {
    return new URL(url).href.replace(/\/+$/, '');
  } catch {
    return url;
  }
}

function isCached(v: unknown): v is CachedRecording {
  return typeof v === 'object' && v !== null && typeof (v as CachedRecording).exists === 'boolean' && typeof (v as CachedRecording).callId === 'string';
}
