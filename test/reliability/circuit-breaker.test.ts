/**
 * The resilience policy of one provider on its own (src/upstream/limits/resilience.ts, cockatiel): the circuit breaker with a
 * fake clock, the bulkhead and its bounded queue, the retries. Attempts are functions answering a status; the same
 * policy over real HTTP is in upstream-guards.test.ts, fault-matrix.test.ts and upstream-client.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResiliencePolicy, wasNotSent, type AttemptAnswer, type CircuitStateName, type ResilienceOptions } from '../../src/upstream/limits/resilience.js';
import { isCxError, unavailable } from '../../src/errors/errors.js';

const answer = (status: number, headers: Record<string, string> = {}): AttemptAnswer => ({ status, headers: new Headers(headers) });

function breaker(opts: ResilienceOptions = {}) {
  const changes: CircuitStateName[] = [];
  const p = new ResiliencePolicy('CALLJOURNEY', {
    breakerFailures: 3,
    breakerWindowMs: 10_000,
    breakerCoolDownMs: 5_000,
    maxRetries: 0,
    ...opts,
    onStateChange: (s) => changes.push(s),
  });
  return { p, changes, advance: (ms: number) => vi.setSystemTime(Date.now() + ms) };
}

const fail = (p: ResiliencePolicy) => p.execute(false, async () => answer(503));
const reset = (p: ResiliencePolicy) =>
  p.execute(false, async () => Promise.reject(unavailable('CALLJOURNEY', 'GET /x', new Error('ECONNRESET')))).catch(() => undefined);
const succeed = (p: ResiliencePolicy) => p.execute(false, async () => answer(200));
/** Resolves the attempt's answer when told: a request in flight. */
function pending(p: ResiliencePolicy, idempotent = false) {
  let settle!: (a: AttemptAnswer) => void;
  const started = { value: false };
  const done = p.execute(idempotent, () => {
    started.value = true;
    return new Promise<AttemptAnswer>((r) => (settle = r));
  });
  return { done, started, settle: (status: number) => settle(answer(status)) };
}
async function refused(p: ResiliencePolicy): Promise<Record<string, unknown>> {
  const e = await succeed(p).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (isCxError(e)) {
    expect(wasNotSent(e)).toBe(true);
    return e.extensions;
  }
  throw new Error('expected the policy to refuse');
}

describe('circuit breaker', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('opens after N consecutive failures and then fails fast with PROVIDER_UNAVAILABLE and retryAfter', async () => {
    const { p, changes } = breaker();
    await fail(p);
    await reset(p); // a connection error counts as a 5xx does
    expect(p.state).toBe('closed');
    await fail(p);
    expect(p.state).toBe('open');
    expect(changes).toEqual(['open']);
    expect(await refused(p)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'CALLJOURNEY', retryAfter: 5, circuitOpen: true });
  });

  it('a success in between resets the count; failures further apart than the window do not add up; 4xx answers are not failures', async () => {
    const { p, advance } = breaker();
    await fail(p);
    await fail(p);
    await succeed(p);
    await fail(p);
    await p.execute(false, async () => answer(404));
    await p.execute(false, async () => answer(429));
    await fail(p);
    expect(p.state).toBe('closed');
    advance(10_001);
    await fail(p); // the streak restarts: 1
    await fail(p);
    expect(p.state).toBe('closed');
    await fail(p);
    expect(p.state).toBe('open');
  });

  it('after the cool-down lets exactly one probe through; its success closes the circuit', async () => {
    const { p, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) await fail(p);
    advance(4_000);
    expect((await refused(p)).retryAfter).toBe(1);
    advance(1_000);
    const probe = pending(p);
    expect(p.state).toBe('half-open');
    expect(await refused(p)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' }); // others fail fast while the probe runs
    probe.settle(200);
    await probe.done;
    expect(p.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
    await succeed(p);
  });

  it('a failed probe opens it for another cool-down; a probe refused unsent by the bulkhead lets the next one through', async () => {
    const { p, advance } = breaker();
    for (let i = 0; i < 3; i++) await fail(p);
    advance(5_000);
    await fail(p);
    expect(p.state).toBe('open');
    expect((await refused(p)).retryAfter).toBe(5);

    // Two slots, one queue place: requests admitted before the circuit opened still hold both slots at probe time.
    const { p: q, changes } = breaker({ maxConcurrent: 2, maxQueued: 1, timeoutMs: 100 });
    const straggler1 = pending(q);
    await fail(q);
    await fail(q);
    const third = pending(q);
    const straggler2 = pending(q); // queued, admitted while closed
    third.settle(503);
    await third.done;
    expect(q.state).toBe('open');
    await vi.waitFor(() => expect(straggler2.started.value).toBe(true));
    advance(5_000);
    const probe = await succeed(q).catch((e: unknown) => e);
    expect(isCxError(probe) && probe.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', overloaded: true });
    expect(wasNotSent(probe)).toBe(true);
    expect(q.state).toBe('half-open'); // not a failure of the platform: no new cool-down
    straggler1.settle(200);
    straggler2.settle(200);
    await Promise.all([straggler1.done, straggler2.done]);
    await succeed(q);
    expect(q.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });
});

describe('bulkhead', () => {
  it('lets N run, queues the next in order, and hands each freed slot to the first waiter', async () => {
    const p = new ResiliencePolicy('NEWVOICEMEDIA', { maxConcurrent: 2, maxQueued: 5, timeoutMs: 1_000 });
    const r1 = pending(p);
    const r2 = pending(p);
    const order: number[] = [];
    const w3 = pending(p);
    const w4 = pending(p);
    void w3.done.then(() => order.push(3));
    void w4.done.then(() => order.push(4));
    expect(p.bulkhead.executionSlots).toBe(0);
    expect(p.bulkhead.queueSlots).toBe(3);
    expect([w3.started.value, w4.started.value]).toEqual([false, false]);
    r1.settle(200);
    await r1.done;
    await vi.waitFor(() => expect(w3.started.value).toBe(true));
    expect(w4.started.value).toBe(false);
    expect(p.bulkhead.executionSlots).toBe(0);
    r2.settle(200);
    await vi.waitFor(() => expect(w4.started.value).toBe(true));
    w3.settle(200);
    w4.settle(200);
    await Promise.all([w3.done, w4.done]);
    expect(order).toEqual([3, 4]);
    expect(p.bulkhead.executionSlots).toBe(2);
  });

  it('refuses at once beyond the queue, and after waiting too long, with PROVIDER_UNAVAILABLE, unsent', async () => {
    const p = new ResiliencePolicy('PBX', { maxConcurrent: 1, maxQueued: 1, timeoutMs: 30 });
    const r1 = pending(p);
    const queued = pending(p);
    const full = await succeed(p).catch((e: unknown) => e);
    expect(isCxError(full) && full.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'PBX', overloaded: true });
    expect(wasNotSent(full)).toBe(true);
    const waited = await queued.done.catch((e: unknown) => e);
    expect(isCxError(waited) && waited.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', overloaded: true });
    expect(wasNotSent(waited)).toBe(true);
    expect(queued.started.value).toBe(false);
    r1.settle(200);
    await r1.done;
    await vi.waitFor(() => expect(p.bulkhead.queueSlots).toBe(1)); // the abandoned entry is dropped, never run
    expect(queued.started.value).toBe(false);
    expect(p.bulkhead.executionSlots).toBe(1);
    expect(p.state).toBe('closed'); // refusing our own overflow says nothing about the platform
  });
});

describe('retries', () => {
  const seq = (p: ResiliencePolicy, idempotent: boolean, statuses: (number | Error)[], headers: Record<string, string> = {}) => {
    let n = 0;
    return p
      .execute(idempotent, async () => {
        const s = statuses[Math.min(n++, statuses.length - 1)]!;
        if (s instanceof Error) throw unavailable('CALLJOURNEY', 'GET /x', s);
        return answer(s, headers);
      })
      .then(
        (a) => ({ status: a.status, attempts: n }),
        (e: unknown) => ({ status: isCxError(e) ? e.extensions.code : String(e), attempts: n }),
      );
  };

  it('retries idempotent requests twice on 5xx and connection errors with backoff, never the others', async () => {
    const p = new ResiliencePolicy('CALLJOURNEY', { backoffMs: 1, breakerFailures: 100 });
    expect(await seq(p, true, [503, 503, 200])).toEqual({ status: 200, attempts: 3 });
    expect(await seq(p, true, [502, 502, 502, 200])).toEqual({ status: 502, attempts: 3 });
    expect(await seq(p, true, [new Error('ECONNRESET'), 200])).toEqual({ status: 200, attempts: 2 });
    expect(await seq(p, true, [501, 200])).toEqual({ status: 501, attempts: 1 });
    expect(await seq(p, false, [503, 200])).toEqual({ status: 503, attempts: 1 });
    expect(await seq(p, false, [new Error('ECONNRESET'), 200])).toEqual({ status: 'PROVIDER_UNAVAILABLE', attempts: 1 });
  });

  it('waits out one 429 whose Retry-After is within the cap (idempotent requests only), not one beyond it', async () => {
    const p = new ResiliencePolicy('CALLJOURNEY', { retryAfterCapSeconds: 1 });
    expect(await seq(p, true, [429, 200], { 'retry-after': '0' })).toEqual({ status: 200, attempts: 2 });
    expect(await seq(p, true, [429, 429, 200], { 'retry-after': '0' })).toEqual({ status: 429, attempts: 2 });
    expect(await seq(p, true, [429, 200], { 'retry-after': '2' })).toEqual({ status: 429, attempts: 1 });
    expect(await seq(p, false, [429, 200], { 'retry-after': '0' })).toEqual({ status: 429, attempts: 1 });
  });
});
