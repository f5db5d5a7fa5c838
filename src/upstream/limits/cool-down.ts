/**
 * Shared 429 cool-downs of a provider, one per *scope* that answered 429: the provider, the host that answered and the
 * account the request was made for (CoolDownScope). When a platform answers 429 with `Retry-After`, every replica
 * holds back its requests *to that scope* — never the provider's other hosts or accounts — instead of each finding out
 * with a 429 of its own.
 *
 * - **Capped**: never longer than CXGRAPH_COOL_DOWN_MAX_SECONDS (default 60), whatever Retry-After says: a host
 *   answering `Retry-After: 999999` must not silence a provider for an hour after it recovered.
 * - **Lifted by one probe**: when the cool-down ends, exactly one request (fleet-wide, through a claim in Redis) is let
 *   through as a probe while the others keep waiting. An answer other than 429 lifts the cool-down for everyone; a new
 *   429 starts it again (capped); a probe that fails without an answer (connection error, time limit) gives the
 *   claim back so the next request probes.
 *
 * The replica that got the 429 writes the cool-down to the shared Redis (one hash per provider under
 * CXGRAPH_REDIS_PREFIX) and announces it on a channel every replica listens to (fleet-redis.ts); a replica that
 * (re)connects reads the running ones back. Durations travel as "ms from now", never as clock times: replicas'
 * clocks may differ. Without Redis (or while it does not answer) a cool-down and its probe hold this process only.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { systemTimerClock, type TimerClock } from './limits-clock.js';

/** The default of CXGRAPH_COOL_DOWN_MAX_SECONDS. */
export const DEFAULT_COOL_DOWN_MAX_SECONDS = 60;

/**
 * What answered 429. `account` identifies the credential the request was made for, never a secret: a PBX account id
 * (the grant's subject), else the OAuth client id; '' for requests made without one. The key (scopeKey) is a list of
 * named parts, so a tenant or an account name can join it later without changing what the existing parts mean.
 */
export interface CoolDownScope {
  provider: string;
  /** host[:port] of the URL that answered 429. */
  host: string;
  account: string;
}

/** The scope's key within its provider: `h=<host>&a=<account>`, each part URL-encoded. */
export function scopeKey(s: Pick<CoolDownScope, 'host' | 'account'>): string {
  return new URLSearchParams({ h: s.host, a: s.account }).toString();
}

export function scopeOfKey(provider: string, key: string): CoolDownScope {
  const p = new URLSearchParams(key);
  return { provider, host: p.get('h') ?? '', account: p.get('a') ?? '' };
}

const scopes = new AsyncLocalStorage<CoolDownScope>();

/** Runs `fn` with `scope` as the scope of the upstream request it sends (the throttle reads it). */
export function inScope<T>(scope: CoolDownScope | undefined, fn: () => T): T {
  return scope ? scopes.run(scope, fn) : fn();
}

export function currentScope(): CoolDownScope | undefined {
  return scopes.getStore();
}

/** How the fleet is told and asked (FleetRedis), when there is a shared Redis. */
export interface CoolDownShare {
  /** A cool-down of `ms` started here. */
  announce(provider: string, key: string, ms: number): void;
  /** A probe succeeded here: lifted for everyone. */
  lift(provider: string, key: string): void;
  /** Claims the one probe of the fleet for `leaseMs`; undefined when Redis does not answer (this process decides). */
  claimProbe(provider: string, key: string, leaseMs: number): Promise<boolean | undefined>;
  /** Gives the claim back (the probe got no answer). */
  releaseProbe(provider: string, key: string): void;
}

/** One running cool-down, as `providers` shows it. */
export interface CoolDownView {
  host: string;
  account: string;
  /** Clock time (ms) it ends, or ended when `probing`. */
  until: number;
  remainingMs: number;
  /** Over: the next request is the probe (or is in flight), and its answer lifts or restarts the cool-down. */
  probing: boolean;
}

export type CoolDownPhase = { kind: 'clear' } | { kind: 'cooling'; leftMs: number } | { kind: 'probe' };

interface Entry {
  scope: CoolDownScope;
  until: number;
  /** This process sends the probe now. */
  probing: boolean;
  waiters: (() => void)[];
}

export interface CoolDownsOptions {
  /** CXGRAPH_COOL_DOWN_MAX_SECONDS, in ms. */
  maxMs: number;
  clock?: TimerClock;
  share?: CoolDownShare;
  /** How long a probe claim holds in Redis before another replica may probe (a replica that died probing). */
  probeLeaseMs?: number;
  /** Told of every cool-down that starts or grows: by a 429 here (`local`), or announced by another replica. */
  onStart?(origin: 'local' | 'shared', ms: number, scope: CoolDownScope): void;
  /** Told when a cool-down is lifted: by a probe here (`local`) or elsewhere (`shared`). */
  onLift?(origin: 'local' | 'shared', scope: CoolDownScope): void;
}

/** The cool-downs of one provider, by scope. */
export class CoolDowns {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: TimerClock;
  readonly maxMs: number;

  constructor(
    readonly provider: string,
    private readonly opts: CoolDownsOptions,
  ) {
    this.clock = opts.clock ?? systemTimerClock;
    this.maxMs = Math.max(1000, opts.maxMs);
  }

  /** True when no scope of the provider has a cool-down (the throttle's fast path). */
  get idle(): boolean {
    return this.entries.size === 0;
  }

  phase(scope: CoolDownScope): CoolDownPhase {
    const e = this.entries.get(scopeKey(scope));
    if (!e) return { kind: 'clear' };
    const left = e.until - this.clock.now();
    return left > 0 ? { kind: 'cooling', leftMs: left } : { kind: 'probe' };
  }

  /** Milliseconds left of the scope's cool-down (≤ 0: none running, though a probe may be due). */
  remainingMs(scope: CoolDownScope): number {
    const e = this.entries.get(scopeKey(scope));
    return e ? e.until - this.clock.now() : 0;
  }

  /** The platform answered 429 with `Retry-After: seconds` (capped): hold the scope back here, and tell the others. */
  started(scope: CoolDownScope, seconds: number): void {
    const ms = Math.min(seconds * 1000, this.maxMs);
    if (ms <= 0) return;
    const key = scopeKey(scope);
    if (this.extend(key, scope, ms, 'local')) this.opts.share?.announce(this.provider, key, ms);
  }

  /** Another replica's cool-down (or one read back from Redis): `ms` from now. Never shortens one already running. */
  learnt(key: string, ms: number): void {
    this.extend(key, scopeOfKey(this.provider, key), Math.min(ms, this.maxMs), 'shared');
  }

  /** Another replica's probe succeeded. */
  liftedElsewhere(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.remove(key, e);
    this.opts.onLift?.('shared', e.scope);
  }

  /**
   * The scope's cool-down is over: true when this request is its one probe (claimed here, and in Redis when it
   * answers). Everyone else waits for the probe's answer (changed()).
   */
  async claimProbe(scope: CoolDownScope): Promise<boolean> {
    const key = scopeKey(scope);
    const e = this.entries.get(key);
    if (!e) return false;
    if (e.probing || e.until > this.clock.now()) return false;
    e.probing = true;
    const fleet = await this.opts.share?.claimProbe(this.provider, key, this.opts.probeLeaseMs ?? 30_000);
    // Lifted or restarted while Redis answered: not a probe any more.
    if (this.entries.get(key) !== e || e.until > this.clock.now() || fleet === false) {
      if (this.entries.get(key) === e) e.probing = false;
      return false;
    }
    return true;
  }

  /** The probe was answered other than 429: the platform takes requests again, for everyone. */
  probeSucceeded(scope: CoolDownScope): void {
    const key = scopeKey(scope);
    const e = this.entries.get(key);
    if (e) {
      this.remove(key, e);
      this.opts.onLift?.('local', e.scope);
    }
    this.opts.share?.lift(this.provider, key);
  }

  /** The probe got no answer (connection error, time limit): the next request probes. */
  probeFailed(scope: CoolDownScope): void {
    const key = scopeKey(scope);
    const e = this.entries.get(key);
    if (!e || !e.probing) return;
    e.probing = false;
    this.opts.share?.releaseProbe(this.provider, key);
    this.wake(e);
  }

  /** Resolves at the scope's next change (started again, lifted, probe given back), or after `ms`. */
  changed(scope: CoolDownScope, ms: number): Promise<void> {
    const e = this.entries.get(scopeKey(scope));
    if (!e) return Promise.resolve();
    return new Promise((resolve) => {
      let cancel = () => {};
      const done = () => {
        cancel();
        resolve();
      };
      e.waiters.push(done);
      cancel = this.clock.setTimer(done, Math.max(1, ms));
    });
  }

  /** Every cool-down of the provider, running or waiting for its probe. */
  list(): CoolDownView[] {
    const now = this.clock.now();
    return [...this.entries.values()].map((e) => ({
      host: e.scope.host,
      account: e.scope.account,
      until: e.until,
      remainingMs: Math.max(0, e.until - now),
      probing: e.until <= now,
    }));
  }

  private extend(key: string, scope: CoolDownScope, ms: number, origin: 'local' | 'shared'): boolean {
    const until = this.clock.now() + ms;
    let e = this.entries.get(key);
    if (e && until <= e.until) return false;
    if (!e) {
      e = { scope, until, probing: false, waiters: [] };
      this.entries.set(key, e);
    }
    e.until = until;
    e.probing = false;
    this.opts.onStart?.(origin, ms, scope);
    this.wake(e);
    return true;
  }

  private remove(key: string, e: Entry): void {
    this.entries.delete(key);
    this.wake(e);
  }

  private wake(e: Entry): void {
    const w = e.waiters.splice(0);
    for (const f of w) f();
  }
}
