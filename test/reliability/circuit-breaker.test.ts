/** The circuit breaker and the concurrency cap on their own, with a fake clock. */
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitState } from '../../src/http/circuit-breaker.js';
import { ConcurrencyLimit } from '../../src/http/concurrency-limit.js';
import { isCxError } from '../../src/errors.js';

function breaker(opts: { failureThreshold?: number; windowMs?: number; coolDownMs?: number } = {}) {
  let now = 1_000_000;
  const changes: CircuitState[] = [];
  const b = new CircuitBreaker('CALLJOURNEY', { failureThreshold: 3, windowMs: 10_000, coolDownMs: 5_000, ...opts, now: () => now, onStateChange: (s) => changes.push(s) });
  return { b, changes, advance: (ms: number) => (now += ms) };
}

const fail = (b: CircuitBreaker) => b.admit().failure();
const succeed = (b: CircuitBreaker) => b.admit().success();
function refused(b: CircuitBreaker): Record<string, unknown> {
  try {
    b.admit();
  } catch (e) {
    if (isCxError(e)) return e.extensions;
    throw e;
  }
  throw new Error('expected the breaker to refuse');
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then fails fast with PROVIDER_UNAVAILABLE and retryAfter', () => {
    const { b, changes } = breaker();
    fail(b);
    fail(b);
    expect(b.state).toBe('closed');
    fail(b);
    expect(b.state).toBe('open');
    expect(changes).toEqual(['open']);
    expect(refused(b)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', provider: 'CALLJOURNEY', retryAfter: 5, circuitOpen: true });
  });

  it('a success in between resets the count; failures further apart than the window do not add up', () => {
    const { b, advance } = breaker();
    fail(b);
    fail(b);
    succeed(b);
    fail(b);
    fail(b);
    expect(b.state).toBe('closed');
    advance(10_001);
    fail(b); // the streak restarts: 1
    fail(b);
    expect(b.state).toBe('closed');
    fail(b);
    expect(b.state).toBe('open');
  });

  it('after the cool-down lets exactly one probe through; its success closes the circuit', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) fail(b);
    advance(4_000);
    expect(refused(b).retryAfter).toBe(1);
    advance(1_000);
    const probe = b.admit();
    expect(b.state).toBe('half-open');
    expect(refused(b)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' }); // others wait for the probe
    probe.success();
    expect(b.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
    succeed(b);
  });

  it('a failed probe opens it for another cool-down; an abandoned probe lets the next one through', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) fail(b);
    advance(5_000);
    b.admit().failure();
    expect(b.state).toBe('open');
    expect(refused(b).retryAfter).toBe(5);
    advance(5_000);
    b.admit().abandon(); // e.g. no free slot: it never reached the platform
    expect(b.state).toBe('half-open');
    b.admit().success();
    expect(b.state).toBe('closed');
  });
});

describe('ConcurrencyLimit', () => {
  it('lets N run, queues the next in order, and hands each freed slot to the first waiter', async () => {
    const l = new ConcurrencyLimit('NEWVOICEMEDIA', { maxConcurrent: 2, maxQueued: 5 });
    const r1 = await l.acquire(1_000);
    const r2 = await l.acquire(1_000);
    const order: number[] = [];
    const w3 = l.acquire(1_000).then((r) => (order.push(3), r));
    const w4 = l.acquire(1_000).then((r) => (order.push(4), r));
    expect(l.inFlight).toBe(2);
    expect(l.queued).toBe(2);
    r1();
    r1(); // releasing twice frees one slot only
    const r3 = await w3;
    expect(l.inFlight).toBe(2);
    r2();
    const r4 = await w4;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect(l.inFlight).toBe(0);
  });

  it('refuses at once beyond the queue, and after waiting too long, with PROVIDER_UNAVAILABLE', async () => {
    const l = new ConcurrencyLimit('PBX', { maxConcurrent: 1, maxQueued: 1 });
    const r1 = await l.acquire(1_000);
    const queued = l.acquire(30);
    await expect(l.acquire(1_000)).rejects.toMatchObject({ extensions: { code: 'PROVIDER_UNAVAILABLE', provider: 'PBX', overloaded: true } });
    await expect(queued).rejects.toMatchObject({ extensions: { code: 'PROVIDER_UNAVAILABLE' } });
    expect(l.queued).toBe(0);
    r1();
    expect(l.inFlight).toBe(0);
  });
});
