/**
 * The shared 429 cool-down of a provider: when the platform answers 429 with `Retry-After`, every replica holds back
 * its requests to that provider until then, instead of each finding out with a 429 of its own. This process keeps the
 * end of the cool-down; the replica that got the 429 writes it to the shared Redis (a key under CXGRAPH_REDIS_PREFIX
 * living that long) and announces it on a channel every replica listens to (fleet-redis.ts), and a replica that
 * (re)connects reads the key back. Durations travel as "ms from now", never as clock times: replicas' clocks may differ.
 *
 * Without Redis (or while it does not answer) the cool-down holds this process only.
 */

/** A Retry-After longer than this is taken as this (a malformed date must not silence a provider for days). */
export const MAX_COOL_DOWN_SECONDS = 3600;

export class CoolDown {
  private until = 0;

  constructor(
    readonly provider: string,
    /** Tells the other replicas (FleetRedis.announceCoolDown), when there are any. */
    private readonly announce?: (ms: number) => void,
    /** Told of every cool-down that starts or grows: by a 429 here (`local`), or announced by another replica. */
    private readonly onStart?: (origin: 'local' | 'shared', ms: number) => void,
  ) {}

  /** Milliseconds left (≤ 0: none). */
  remainingMs(now = Date.now()): number {
    return this.until - now;
  }

  /** The platform answered 429 with `Retry-After: seconds`: hold back here, and tell the others. */
  started(seconds: number): void {
    const ms = Math.min(seconds, MAX_COOL_DOWN_SECONDS) * 1000;
    if (ms <= 0) return;
    if (this.extend(ms, 'local')) this.announce?.(ms);
  }

  /** Another replica's cool-down (or one read back from Redis): `ms` from now. Never shortens one already running. */
  learnt(ms: number): void {
    this.extend(Math.min(ms, MAX_COOL_DOWN_SECONDS * 1000), 'shared');
  }

  private extend(ms: number, origin: 'local' | 'shared'): boolean {
    const until = Date.now() + ms;
    if (until <= this.until) return false;
    this.until = until;
    this.onStart?.(origin, ms);
    return true;
  }
}
