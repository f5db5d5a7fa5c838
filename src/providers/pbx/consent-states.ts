/**
 * Consent states (docs/providers/pbx.md#connecting-a-pbx-user): the random `state` of one consent attempt, bound to
 * the tenant that began it (docs/tenancy.md, "PBX accounts"). The callback is a browser redirect from the PBX that
 * carries no caller, so the state is all it has: 256 random bits (unguessable), kept only as a hash in the shared
 * store with a 10-minute TTL, claimed once (the store lock, a read, a delete), and the tenant it names is read from
 * the stored value, never from the request — a tampered state is simply unknown.
 *
 * Keys: tenant `default`'s states stay where they always were (`pbx:<host hash>:state:<sha256>`, value
 * `{createdAt}`), so a deployment that turns tenants on keeps its in-flight attempts; other tenants' go under
 * `…:tstate:<sha256>` (`{createdAt, tenant}`), a key a replica of an earlier version never reads, so during a rolling
 * update such a replica refuses them rather than connect an account to tenant `default`.
 *
 * When the store cannot take a new state (Redis outage), this replica keeps it in process, so it can still finish
 * the flow it began; a state held only in process is claimed in one synchronous step, so it stays single-use too.
 * One instance serves every tenant of a process, so that holds whichever tenant began the attempt.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KvStore } from '../../store/kv-store.js';
import { DEFAULT_TENANT, NAME_PATTERN, type Tenant } from '../../domain/tenant.js';

export const STATE_TTL_MS = 10 * 60_000;
/** What a state from create looks like (32 random bytes, base64url); anything else is refused unread. */
export const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

interface StoredState {
  createdAt: number;
  /** Absent for tenant `default` (the value earlier versions wrote). */
  tenant?: Tenant;
}

export class PbxConsentStates {
  private readonly ns: string;
  /** Consent states the store could not take (state key → what it holds): this replica's alone. */
  private readonly kept = new Map<string, Required<StoredState>>();

  constructor(
    private readonly store: KvStore,
    pbxBaseUrl: string,
    private readonly ttlMs = STATE_TTL_MS,
  ) {
    this.ns = `pbx:${sha256(pbxBaseUrl).slice(0, 12)}`;
  }

  /** A new random state bound to `tenant`, remembered for ttlMs: in the store, or in process when the store cannot take it. */
  async create(tenant: Tenant = DEFAULT_TENANT): Promise<string> {
    const state = randomBytes(32).toString('base64url');
    const createdAt = Date.now();
    const key = this.key(state, tenant);
    const value: StoredState = tenant === DEFAULT_TENANT ? { createdAt } : { createdAt, tenant };
    if (!(await this.store.compareAndSet(key, undefined, value, this.ttlMs))) {
      for (const [k, s] of this.kept) if (createdAt - s.createdAt > this.ttlMs) this.kept.delete(k);
      this.kept.set(key, { createdAt, tenant });
    }
    return state;
  }

  /**
   * The tenant that began the attempt, exactly once for a state create made less than ttlMs ago; undefined for a
   * malformed, unknown, expired or already claimed one. The lock makes two concurrent callbacks with one state yield
   * one winner. A state that reached the store can only be claimed through it: while the store cannot answer it is
   * refused, since its single use could not be checked.
   */
  async claim(state: string): Promise<Tenant | undefined> {
    if (!STATE_PATTERN.test(state)) return undefined;
    for (const key of [this.key(state, DEFAULT_TENANT), this.key(state, undefined)]) {
      const kept = this.kept.get(key);
      if (kept === undefined) continue;
      this.kept.delete(key); // synchronously after the lookup: one caller wins
      // Should the write have reached the store after all (a reply lost to a timeout), it goes too.
      await this.store.delete(key);
      return Date.now() - kept.createdAt <= this.ttlMs ? kept.tenant : undefined;
    }
    return (await this.claimStored(this.key(state, DEFAULT_TENANT), DEFAULT_TENANT)) ?? this.claimStored(this.key(state, undefined), undefined);
  }

  private async claimStored(key: string, tenant: Tenant | undefined): Promise<Tenant | undefined> {
    const release = await this.store.tryLock(key, 30_000);
    if (!release) return undefined;
    try {
      const found = await this.store.read<StoredState>(key);
      if (found.status !== 'found' || typeof found.value?.createdAt !== 'number' || Date.now() - found.value.createdAt > this.ttlMs) return undefined;
      // Another tenant's state names its tenant; one that does not (or names a malformed one) binds to nobody.
      const owner = tenant ?? found.value.tenant;
      if (typeof owner !== 'string' || !NAME_PATTERN.test(owner) || (tenant === undefined && owner === DEFAULT_TENANT)) return undefined;
      await this.store.delete(key);
      return owner;
    } finally {
      await release();
    }
  }

  /** Where a state lives: tenant `default`'s where earlier versions kept it; any other tenant's apart (undefined: not default). */
  private key(state: string, tenant: Tenant | undefined): string {
    return `${this.ns}:${tenant === DEFAULT_TENANT ? 'state' : 'tstate'}:${sha256(state)}`;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
