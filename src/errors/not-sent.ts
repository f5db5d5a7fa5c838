/**
 * Errors raised before a request was sent (breaker open, no free slot, no turn within the rate limit, a 429
 * cool-down): the platform cannot have acted on them, so callers may safely try again or another way. Known by
 * identity, not by code, so a message or code change cannot turn a maybe-sent request into a not-sent one.
 */
const NOT_SENT = new WeakSet<object>();

/** True when `e` was raised before the request was sent: the platform cannot have acted on it. */
export function wasNotSent(e: unknown): boolean {
  return typeof e === 'object' && e !== null && NOT_SENT.has(e);
}

/** Marks `e` as raised before anything was sent, and returns it. */
export function markNotSent<E extends object>(e: E): E {
  NOT_SENT.add(e);
  return e;
}
