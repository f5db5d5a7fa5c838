/**
 * The Retry-After wait of the resilience policy (src/upstream/limits/retry-after-wait.ts) runs on the limits' clock,
 * like the 429 cool-down it goes with: a test driving that clock drives both (fleet-limits.test.ts), and nothing is
 * sent again before the clock has moved as far as the platform asked. The same wait on the system's clock, with the
 * cap and idempotency rules, is in circuit-breaker.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ResiliencePolicy, type AttemptAnswer } from '../../src/upstream/limits/resilience.js';
import { ManualClock, flush } from '../support/manual-clock.js';

const answer = (status: number, headers: Record<string, string> = {}): AttemptAnswer => ({ status, headers: new Headers(headers) });

describe('a 429 with Retry-After: 3, within the cap', () => {
  it('is sent again once the limits clock has moved 3 s, not before; the second answer is the answer', async () => {
    const clock = new ManualClock();
    const p = new ResiliencePolicy('CALLJOURNEY', { retryAfterCapSeconds: 5, clock });
    const statuses = [429, 200];
    let attempts = 0;
    const done = p.execute(true, async () => answer(statuses[attempts++]!, { 'retry-after': '3' }));

    await flush();
    expect(attempts).toBe(1);
    await clock.advance(2_999);
    expect(attempts).toBe(1);
    await clock.advance(1);
    expect(attempts).toBe(2);
    expect((await done).status).toBe(200);
  });
});
