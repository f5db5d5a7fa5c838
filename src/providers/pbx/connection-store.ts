/**
 * Where PBX consent attempts and connected accounts live: the shared KvStore (memory or Redis; every value sealed
 * with AES-GCM and bound to its key when encryption keys are set), so a connection survives restarts and is shared
 * by replicas.
 *
 * - A consent `state` is kept under the hash of its value (the raw state never becomes a store key) with a
 *   10-minute TTL, and is single-use: claiming it takes the store lock, reads and deletes it. When the store cannot
 *   take a new state (Redis outage), this replica keeps it in process, so it can still finish the flow it began; a
 *   state held only in process is claimed in one synchronous step, so it stays single-use too.
 * - A connection is kept without TTL under its account id; the ids are members of one set (account ids are not
 *   secret) that every replica adds to atomically, so no replica ever rewrites an index it could not read. Keys are
 *   namespaced by the PBX host, so a deployment pointed at another PBX never mixes accounts.
 * - Every write of a connection is a compare-and-set on what was read: a record this replica cannot open is
 *   reported (UNAVAILABLE, with the reason) and never replaced.
 * - In-process copies answer only while the store cannot: a record deleted from the store is gone here too.
 *   Connections made while the store was down are written to it once it answers again (unless another replica
 *   stored one for the same account meanwhile).
 */
import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../store/canonical-json.js';
import type { KvStore, StoreRead } from '../../store/kv-store.js';
import { CxError } from '../../errors/errors.js';
import type { PbxConnectionRecord, PbxUnreadableAccount } from './types.js';

export const STATE_TTL_MS = 10 * 60_000;
/** What a state from createState looks like (32 random bytes, base64url); anything else is refused unread. */
export const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** How often a write reads again when another replica wrote the same record in between. */
const WRITE_ATTEMPTS = 5;

export interface ConnectionStoreOptions {
  stateTtlMs?: number;
}

/** Every account the store knows, each either readable or not. */
export interface PbxListing {
  records: PbxConnectionRecord[];
  unreadable: PbxUnreadableAccount[];
  /** Set when the index an earlier version kept cannot be opened: accounts may be missing, and why. */
  indexProblem?: string;
}

export class PbxConnectionStore {
  private readonly ns: string;
  private readonly stateTtlMs: number;
  /** The last record read or written per account: answers only while the store cannot. */
  private readonly memory = new Map<string, PbxConnectionRecord>();
  /** Records made while the store could not take them, written to it once it answers. */
  private readonly unsaved = new Map<string, PbxConnectionRecord>();
  /** Consent states the store could not take (state key → createdAt): this replica's alone. */
  private readonly states = new Map<string, number>();
  private flushing: Promise<void> | undefined;
  private listening = false;

  constructor(
    private readonly store: KvStore,
    pbxBaseUrl: string,
    opts: ConnectionStoreOptions = {},
  ) {
    this.ns = `pbx:${sha256(pbxBaseUrl).slice(0, 12)}`;
    this.stateTtlMs = opts.stateTtlMs ?? STATE_TTL_MS;
  }

  // --- consent states ---------------------------------------------------------------------------------------

  /** A new random state, remembered for stateTtlMs: in the store, or in process when the store cannot take it. */
  async createState(): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    const createdAt = Date.now();
    const key = this.stateKey(state);
    if (!(await this.store.compareAndSet(key, undefined, { createdAt }, this.stateTtlMs))) {
      for (const [k, at] of this.states) if (createdAt - at > this.stateTtlMs) this.states.delete(k);
      this.states.set(key, createdAt);
    }
    return state;
  }

  /**
   * True exactly once for a state createState made less than stateTtlMs ago; false for a malformed, unknown,
   * expired or already claimed one. The lock makes two concurrent callbacks with one state yield one winner. A state
   * that reached the store can only be claimed through it: while the store cannot answer it is refused, since its
   * single use could not be checked.
   */
  async claimState(state: string): Promise<boolean> {
    if (!STATE_PATTERN.test(state)) return false;
    const key = this.stateKey(state);
    const kept = this.states.get(key);
    if (kept !== undefined) {
      this.states.delete(key); // synchronously after the lookup: one caller wins
      // Should the write have reached the store after all (a reply lost to a timeout), it goes too.
      await this.store.delete(key);
      return Date.now() - kept <= this.stateTtlMs;
    }
    const release = await this.store.tryLock(key, 30_000);
    if (!release) return false;
    try {
      const found = await this.store.read<{ createdAt: number }>(key);
      if (found.status !== 'found' || typeof found.value?.createdAt !== 'number' || Date.now() - found.value.createdAt > this.stateTtlMs) return false;
      await this.store.delete(key);
      return true;
    } finally {
      await release();
    }
  }

  // --- connections --------------------------------------------------------------------------------------------

  /** The account's record; undefined when it is not connected or its record cannot be opened here (see lookup). */
  async get(id: string): Promise<PbxConnectionRecord | undefined> {
    const found = await this.lookup(id);
    return found && 'trustedApp' in found ? found : undefined;
  }

  /** The account's record, or what keeps it from being read; undefined when it is not connected. */
  async lookup(id: string): Promise<PbxConnectionRecord | PbxUnreadableAccount | undefined> {
    await this.flush();
    return this.lookupNow(id);
  }

  /** Every account, ordered by id (numeric ids numerically): readable ones, and those that cannot be opened here. */
  async list(): Promise<PbxListing> {
    await this.flush();
    const ids = await this.store.members(this.indexKey());
    const legacy = ids === undefined ? { ids: [] } : await this.legacyIndex();
    // The store cannot answer: what this replica holds in process.
    const known = ids === undefined ? [...this.memory.keys()] : [...ids, ...legacy.ids, ...this.unsaved.keys()];
    const found = await Promise.all([...new Set(known)].map((id) => this.lookupNow(id)));
    const listing: PbxListing = { records: [], unreadable: [], ...(legacy.problem ? { indexProblem: legacy.problem } : {}) };
    for (const f of found) {
      if (f && 'trustedApp' in f) listing.records.push(f);
      else if (f) listing.unreadable.push(f);
    }
    listing.records.sort((a, b) => compareIds(a.id, b.id));
    listing.unreadable.sort((a, b) => compareIds(a.id, b.id));
    return listing;
  }

  /**
   * Stores a connection, replacing the account's previous one (returned), and indexes it. A previous record this
   * replica cannot open is not replaced: PROVIDER_UNAVAILABLE says why.
   */
  async save(record: PbxConnectionRecord): Promise<PbxConnectionRecord | undefined> {
    const key = this.accountKey(record.id);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.store.read<PbxConnectionRecord>(key);
      if (current.status === 'unreadable') throw unreadableRecord(unreadableAccount(record.id, current.problem.message));
      if (current.status === 'unavailable') {
        const previous = this.memory.get(record.id);
        this.keep(record, true);
        return previous;
      }
      const previous = current.status === 'found' ? current.value : undefined;
      if (await this.store.compareAndSet(key, previous, record)) {
        this.keep(record, false);
        if (!(await this.store.addMember(this.indexKey(), record.id))) this.unsaved.set(record.id, record);
        return previous;
      }
    }
    throw new CxError(`PBX account ${record.id} was being stored by another replica at the same time; connect it again`, {
      code: 'PROVIDER_UNAVAILABLE',
      provider: 'PBX',
    });
  }

  /**
   * Marks an account NEEDS_REAUTHORIZATION, but only while it still uses the trusted app that was refused: a
   * reconnection that replaced it meanwhile wins. Returns the record as it now is.
   */
  async markNeedsReauthorization(id: string, trustedClientId: string, reason: string): Promise<PbxConnectionRecord | undefined> {
    const stale = (r: PbxConnectionRecord | undefined) => !r || r.trustedApp.clientId !== trustedClientId || r.status === 'NEEDS_REAUTHORIZATION';
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.store.read<PbxConnectionRecord>(this.accountKey(id));
      if (current.status === 'unavailable') {
        const held = this.memory.get(id);
        if (stale(held)) return held;
        const marked: PbxConnectionRecord = { ...held!, status: 'NEEDS_REAUTHORIZATION', statusReason: reason };
        this.memory.set(id, marked);
        return marked;
      }
      if (current.status !== 'found') return undefined;
      if (stale(current.value)) return current.value;
      const marked: PbxConnectionRecord = { ...current.value, status: 'NEEDS_REAUTHORIZATION', statusReason: reason };
      if (await this.store.compareAndSet(this.accountKey(id), current.value, marked)) {
        this.memory.set(id, marked);
        return marked;
      }
    }
    return this.memory.get(id);
  }

  private async lookupNow(id: string): Promise<PbxConnectionRecord | PbxUnreadableAccount | undefined> {
    const r: StoreRead<PbxConnectionRecord> = await this.store.read<PbxConnectionRecord>(this.accountKey(id));
    switch (r.status) {
      case 'found':
        if (typeof r.value?.id !== 'string' || typeof r.value.trustedApp?.clientId !== 'string') {
          this.memory.delete(id);
          return { id, problem: `the stored connection of PBX account ${id} is not a connection record, and is not used` };
        }
        this.memory.set(id, r.value);
        return r.value;
      case 'absent':
        this.memory.delete(id);
        return this.unsaved.get(id);
      case 'unreadable':
        this.memory.delete(id);
        return unreadableAccount(id, r.problem.message);
      case 'unavailable':
        return this.memory.get(id);
    }
  }

  /**
   * Ids in the index earlier versions kept (a sealed list), so their accounts stay listed; added to the set. When it
   * cannot be opened (sealed in format 1 before the reseal command ran, say), accounts may be missing: the problem.
   */
  private async legacyIndex(): Promise<{ ids: string[]; problem?: string }> {
    const r = await this.store.read<unknown>(this.indexKey());
    if (r.status === 'unreadable')
      return { ids: [], problem: `the PBX account index an earlier version wrote cannot be opened, so accounts may be missing: ${r.problem.message}` };
    if (r.status !== 'found' || !Array.isArray(r.value)) return { ids: [] };
    const ids = r.value.filter((id): id is string => typeof id === 'string');
    await Promise.all(ids.map((id) => this.store.addMember(this.indexKey(), id)));
    return { ids };
  }

  private keep(record: PbxConnectionRecord, unsaved: boolean): void {
    this.memory.set(record.id, record);
    if (!unsaved) return void this.unsaved.delete(record.id);
    this.unsaved.set(record.id, record);
    if (!this.listening) {
      // Written back as soon as the store says it answers again (and, failing that, on the next read).
      this.listening = true;
      this.store.onHealthChange?.((healthy) => {
        if (healthy) void this.flush();
      });
    }
  }

  /** Writes the records made while the store was down, where no other replica stored one since; then indexes them. */
  private flush(): Promise<void> {
    if (this.unsaved.size === 0 || !this.store.healthy) return Promise.resolve();
    this.flushing ??= (async () => {
      for (const [id, record] of [...this.unsaved]) {
        const key = this.accountKey(id);
        const current = await this.store.read<PbxConnectionRecord>(key);
        if (current.status === 'unavailable') return;
        const stored =
          (current.status === 'found' && canonicalJson(current.value) === canonicalJson(record)) ||
          (current.status === 'absent' && (await this.store.compareAndSet(key, undefined, record)));
        if (!this.store.healthy || (stored && !(await this.store.addMember(this.indexKey(), id)))) return; // gone again: later
        // Written and indexed — or another replica stored a connection for this account meanwhile, which wins.
        if (this.unsaved.get(id) === record) this.unsaved.delete(id);
      }
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private stateKey(state: string): string {
    return `${this.ns}:state:${sha256(state)}`;
  }
  private accountKey(id: string): string {
    return `${this.ns}:account:${id}`;
  }
  /** The set of account ids; also, as a value, the sealed list earlier versions kept. */
  private indexKey(): string {
    return `${this.ns}:accounts`;
  }
}

function unreadableAccount(id: string, why: string): PbxUnreadableAccount {
  return { id, problem: `the stored connection of PBX account ${id} cannot be opened: ${why}` };
}

/** PROVIDER_UNAVAILABLE for an account whose stored record cannot be opened here (no id: the index). */
export function unreadableRecord(a: { id?: string; problem: string }): CxError {
  return new CxError(`${a.problem.charAt(0).toUpperCase()}${a.problem.slice(1)}`, { code: 'PROVIDER_UNAVAILABLE', provider: 'PBX', accountId: a.id });
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** Orders account ids: numeric ids numerically, others as strings. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isSafeInteger(na) && Number.isSafeInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}
