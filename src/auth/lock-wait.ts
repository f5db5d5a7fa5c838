/**
 * The wait of a replica whose token fetch finds another replica's lock (token-manager.ts): it polls the store for
 * that replica's token, and takes the lock itself once it is free. Without a bound other than the lease, a replica
 * that died holding the lock would stall every other one for the whole lease (25 s with the default 10 s upstream
 * limit), far past any request's deadline (Hardening 2, item 8).
 *
 * Within a request, the wait is bounded by half the request's time left (src/observability/deadline.ts): the other
 * half is for a token request of our own and the call the token is for. Then the token manager fetches without the
 * lock when the request it would send may be sent twice without harm (client credentials, password: a duplicate
 * merely mints another token), and otherwise fails PROVIDER_UNAVAILABLE — a refresh token may have been rotated by
 * the holder's request, and re-sending the spent one is, for servers that detect reuse (RFC 9700 §4.14.2), a replay
 * that revokes the whole grant; the next request tries again. Background work (a renewal) waits out the lease.
 */
import { CxError } from '../errors/errors.js';
import type { ProviderName } from '../domain/provider-name.js';

type Release = () => Promise<void>;

export type LockWait<T> = { token: T } | { release: Release } | { gaveUp: 'lease' | 'deadline'; waitedMs: number };

export interface LockWaitOptions<T> {
  leaseMs: number;
  pollMs: number;
  /** The request's time left when the wait begins; undefined outside a request. */
  timeLeftMs: number | undefined;
  /** The holder's token, once it is in the store. */
  theirs(): Promise<T | undefined>;
  /** The lock, if it is free now. */
  tryLock(): Promise<Release | undefined>;
}

/** Waits for the holder's token or the lock, at most the lease or half the request's time left. Wall time: another process. */
export async function waitOnLockHolder<T>(o: LockWaitOptions<T>): Promise<LockWait<T>> {
  const bounded = o.timeLeftMs !== undefined && o.timeLeftMs / 2 < o.leaseMs;
  const started = Date.now();
  const until = started + (bounded ? o.timeLeftMs! / 2 : o.leaseMs);
  while (Date.now() < until) {
    await sleep(Math.max(1, Math.min(o.pollMs, until - Date.now())));
    const token = await o.theirs();
    if (token) return { token };
    const release = await o.tryLock();
    if (release) return { release };
  }
  return { gaveUp: bounded ? 'deadline' : 'lease', waitedMs: Date.now() - started };
}

/** The wait gave up within a request, and the token request may not be sent twice: nothing is sent. */
export function lockHolderBusy(provider: ProviderName, waitedMs: number, leaseMs: number): CxError {
  return new CxError(
    `another cxgraph replica is renewing the ${provider} token and had not finished after ${waitedMs} ms, half this request's time; a second renewal could spend a rotated refresh token, so none was sent. Try again shortly`,
    { code: 'PROVIDER_UNAVAILABLE', provider, timedOut: true, retryAfter: Math.max(1, Math.ceil(leaseMs / 1000)) },
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
