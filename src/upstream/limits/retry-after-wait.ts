/**
 * The Retry-After wait of resilience.ts (`rateLimitWait`): an attempt answered 429 with a Retry-After within the cap is
 * sent once more after that wait, and the second answer is the answer. What cockatiel's `retry` with one attempt did,
 * except that the wait runs on the limits' clock (limits-clock.ts) like the 429 cool-down it goes with, so a test
 * driving that clock drives this wait too.
 */
import { noop, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { sleepOn, systemTimerClock, type TimerClock } from './limits-clock.js';

const NEVER = new AbortController().signal;

export class RetryAfterWait implements IPolicy {
  declare readonly _altReturn: never;
  readonly onSuccess = noop.onSuccess;
  readonly onFailure = noop.onFailure;

  constructor(
    /** Seconds to wait before sending again, or undefined when this answer is the answer. */
    private readonly waitable: (answer: unknown) => number | undefined,
    private readonly clock: TimerClock = systemTimerClock,
  ) {}

  async execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal: AbortSignal = NEVER): Promise<T> {
    const first = await fn({ signal });
    // Not after the request's deadline has fired: the 429 is then the answer.
    const wait = signal.aborted ? undefined : this.waitable(first);
    if (wait === undefined) return first;
    await sleepOn(this.clock, wait * 1000);
    return fn({ signal });
  }
}
