/**
 * Where PBX consent attempts and connected accounts live: the shared KvStore (memory or Redis; every value sealed
 * with AES-GCM when CXGRAPH_ENCRYPTION_KEYS is set), so a connection survives restarts and is shared by replicas.
 *
 * - A consent `state` is kept under the hash of its value (the raw state never becomes a store key) with a
 *   10-minute TTL, and is single-use: claiming it takes the store lock, reads and deletes it.
 * - A connection is kept without TTL under its account id, plus one index of the ids. Keys are namespaced by the
 *   PBX host, so a deployment pointed at another PBX (or a test at another simulator) never mixes accounts.
 * - In-process copies answer while the store cannot (a Redis outage drops writes): the store wins when it answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KvStore } from '../../store/kv-store.js';
import type { PbxConnectionRecord } from './types.js';

export const STATE_TTL_MS = 10 * 60_000;
/** What a state from createState looks like (32 random bytes, base64url); anything else is refused unread. */
export const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface ConnectionStoreOptions {
  stateTtlMs?: number;
  /** How long a writer waits for another replica's lock on the same account or index before writing anyway. */
  lockWaitMs?: number;
}

export class PbxConnectionStore {
  private readonly ns: string;
  private readonly stateTtlMs: number;
  private readonly lockWaitMs: number;
  private readonly memory = new Map<string, PbxConnectionRecord>();

  constructor(
    private readonly store: KvStore,
    pbxBaseUrl: string,
    opts: ConnectionStoreOptions = {},
  ) {
    this.ns = `pbx:${sha256(pbxBaseUrl).slice(0, 12)}`;
    this.stateTtlMs = opts.stateTtlMs ?? STATE_TTL_MS;
    this.lockWaitMs = opts.lockWaitMs ?? 2_000;
  }

  // --- consent states ---------------------------------------------------------------------------------------

  /** A new random state, remembered for stateTtlMs. */
  async createState(): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    await this.store.set(this.stateKey(state), { createdAt: Date.now() }, this.stateTtlMs);
    return state;
  }

  /**
   * True exactly once for a state createState made less than stateTtlMs ago; false for a malformed, unknown,
   * expired or already claimed one. The lock makes two concurrent callbacks with one state yield one winner.
   */
  async claimState(state: string): Promise<boolean> {
    if (!STATE_PATTERN.test(state)) return false;
    const key = this.stateKey(state);
    const release = await this.store.tryLock(key, 30_000);
    if (!release) return false;
    try {
      const found = await this.store.get<{ createdAt: number }>(key);
      if (!found || typeof found.createdAt !== 'number' || Date.now() - found.createdAt > this.stateTtlMs) return false;
      await this.store.delete(key);
      return true;
    } finally {
      await release();
    }
  }

  // --- connections --------------------------------------------------------------------------------------------

  async get(id: string): Promise<PbxConnectionRecord | undefined> {
    const stored = await this.store.get<PbxConnectionRecord>(this.accountKey(id));
    if (stored && typeof stored.id === 'string') {
      this.memory.set(id, stored);
      return stored;
    }
    return this.memory.get(id);
  }

  /** Every connected account, ordered by id (numeric ids numerically). */
  async list(): Promise<PbxConnectionRecord[]> {
    const ids = new Set([...((await this.store.get<string[]>(this.indexKey())) ?? []), ...this.memory.keys()]);
    const records = await Promise.all([...ids].map((id) => this.get(id)));
    return records.filter((r): r is PbxConnectionRecord => r !== undefined).sort((a, b) => compareIds(a.id, b.id));
  }

  /** Stores a connection (replacing the account's previous one, which is returned) and indexes it. */
  async save(record: PbxConnectionRecord): Promise<PbxConnectionRecord | undefined> {
    const previous = await this.withLock(this.accountKey(record.id), async () => {
      const before = await this.get(record.id);
      await this.store.set(this.accountKey(record.id), record);
      this.memory.set(record.id, record);
      return before;
    });
    await this.withLock(this.indexKey(), async () => {
      const ids = (await this.store.get<string[]>(this.indexKey())) ?? [];
      if (!ids.includes(record.id)) await this.store.set(this.indexKey(), [...ids, record.id]);
    });
    return previous;
  }

  /**
   * Marks an account NEEDS_REAUTHORIZATION, but only while it still uses the trusted app that was refused: a
   * reconnection that replaced it meanwhile wins. Returns the record as it now is.
   */
  async markNeedsReauthorization(id: string, trustedClientId: string, reason: string): Promise<PbxConnectionRecord | undefined> {
    return this.withLock(this.accountKey(id), async () => {
      const current = await this.get(id);
      if (!current || current.trustedApp.clientId !== trustedClientId || current.status === 'NEEDS_REAUTHORIZATION') return current;
      const marked: PbxConnectionRecord = { ...current, status: 'NEEDS_REAUTHORIZATION', statusReason: reason };
      await this.store.set(this.accountKey(id), marked);
      this.memory.set(id, marked);
      return marked;
    });
  }

  private async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.lockWaitMs;
    let release = await this.store.tryLock(key, 10_000);
    while (!release && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      release = await this.store.tryLock(key, 10_000);
    }
    try {
      return await fn();
    } finally {
      await release?.();
    }
  }

  private stateKey(state: string): string {
    return `${this.ns}:state:${sha256(state)}`;
  }
  private accountKey(id: string): string {
    return `${this.ns}:account:${id}`;
  }
  private indexKey(): string {
    return `${this.ns}:accounts`;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isSafeInteger(na) && Number.isSafeInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
