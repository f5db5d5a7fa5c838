/**
 * Where PBX consent attempts and connected accounts live: the shared KvStore (memory or Redis; every value sealed
 * with AES-GCM and bound to its key when encryption keys are set), so a connection survives restarts and is shared
 * by replicas.
 *
 * - Consent states are src/providers/pbx/consent-states.ts's (this store's `states`, for tenant `default`).
 * - A connection is kept without TTL under its account id; the ids are members of one set (account ids are not
 *   secret) that every replica adds to atomically, so no replica ever rewrites an index it could not read. Keys are
 *   namespaced by the PBX host, so a deployment pointed at another PBX never mixes accounts.
 * - A tenant other than `default` keeps its connections in its own part of the store (docs/tenancy.md): the same
 *   keys under `t:<tenant>:pbx:default:`; tenant `default`'s are where they always were.
 * - Every write of a connection is a compare-and-set on what was read: a record this replica cannot open is
 *   reported (UNAVAILABLE, with the reason) and never replaced.
 * - In-process copies answer only while the store cannot: a record deleted from the store is gone here too.
 *   Connections made while the store was down are written to it once it answers again (unless another replica
 *   stored one for the same account meanwhile).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../store/canonical-json.js';
import type { KvStore, StoreRead } from '../../store/kv-store.js';
import { CxError } from '../../errors/errors.js';
import type { PbxConnectionRecord, PbxUnreadableAccount } from './types.js';
import { PbxConsentStates, STATE_PATTERN, STATE_TTL_MS } from './consent-states.js';

export { STATE_PATTERN, STATE_TTL_MS };

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
  /** Consent states kept in this store (the one of tenant `default`, which every tenant's attempts share). */
  readonly states: PbxConsentStates;
  /** The last record read or written per account: answers only while the store cannot. */
  private readonly memory = new Map<string, PbxConnectionRecord>();
  /** Records made while the store could not take them, written to it once it answers. */
  private readonly unsaved = new Map<string, PbxConnectionRecord>();
  private flushing: Promise<void> | undefined;
  private listening = false;

  constructor(
    private readonly store: KvStore,
    pbxBaseUrl: string,
    opts: ConnectionStoreOptions = {},
  ) {
    this.ns = `pbx:${sha256(pbxBaseUrl).slice(0, 12)}`;
    this.states = new PbxConsentStates(store, pbxBaseUrl, opts.stateTtlMs ?? STATE_TTL_MS);
  }

  // --- consent states (tenant `default`'s; the flow uses `states` itself) -------------------------------------

  /** A new random state of tenant `default`: see PbxConsentStates.create. */
  createState(): Promise<string> {
    return this.states.create();
  }

  /** True exactly once for a state of any tenant made less than stateTtlMs ago: see PbxConsentStates.claim. */
  async claimState(state: string): Promise<boolean> {
    return (await this.states.claim(state)) !== undefined;
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
   * Forgets a connection (disconnectPbxAccount): the record goes, here and in the store; its id may stay in the index,
   * which lists only ids whose record exists. Returns the record removed; undefined when the account is not
   * connected. A record this replica cannot open, or a store that cannot answer, is PROVIDER_UNAVAILABLE: nothing is
   * removed that could not be read, and a removal the store did not take would come back.
   */
  async remove(id: string): Promise<PbxConnectionRecord | undefined> {
    const key = this.accountKey(id);
    const current = await this.store.read<PbxConnectionRecord>(key);
    if (current.status === 'unreadable') throw unreadableRecord(unreadableAccount(id, current.problem.message));
    if (current.status === 'unavailable') {
      throw new CxError(`PBX account ${id} cannot be disconnected while the store does not answer; try again once it does`, {
        code: 'PROVIDER_UNAVAILABLE',
        provider: 'PBX',
        accountId: id,
      });
    }
    const removed = current.status === 'found' ? current.value : this.unsaved.get(id);
    if (current.status === 'found') await this.store.delete(key);
    this.memory.delete(id);
    this.unsaved.delete(id);
    return removed;
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
