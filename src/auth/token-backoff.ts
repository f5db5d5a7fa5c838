/**
 * Failed token requests back off per grant (issue 11 item 3): after a failure, the grant's token endpoint is not
 * asked again before a delay that doubles with each consecutive failure — 1 s, 2 s, 4 s … capped at 60 s — with
 * jitter (each delay is drawn from its upper half, so replicas spread out but never wait longer than the cap), and
 * no sooner than a Retry-After or an open breaker's `retryAfter` says. Meanwhile a caller with a still-valid token
 * keeps using it (no renewal is started), and a caller without one is refused at once with the last failure.
 *
 * The provider's circuit breaker (src/upstream/limits/resilience.ts) still sees every token request that is sent: this is the
 * per-grant half — one failing PBX account, or one NewVoiceMedia scope, does not make every request of every caller
 * start another token request.
 *
 * Logged once per change of state, not per failure: a warning when a grant's token requests start failing, an info
 * line when they succeed again; the failures in between at debug level.
 */
import { CxError, isCxError } from '../errors/errors.js';
import type { Logger } from '../observability/logger.js';
import type { ProviderName } from '../domain/provider-name.js';
import { wasNotSent } from '../errors/not-sent.js';

export interface TokenBackoffOptions {
  /** First delay, ms (default 1 s). */
  baseMs?: number;
  /** Longest delay, ms (default 60 s). */
  capMs?: number;
  /** 0..1 random source of the jitter. */
  random?: () => number;
  logger: Logger;
}

interface Failing {
  provider: ProviderName;
  failures: number;
  /** Epoch ms (the token manager's clock) before which the grant's token endpoint is not asked. */
  until: number;
  last: CxError;
}

export const TOKEN_BACKOFF_BASE_MS = 1_000;
export const TOKEN_BACKOFF_CAP_MS = 60_000;

export class TokenBackoff {
  private readonly failing = new Map<string, Failing>();
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;

  constructor(private readonly opts: TokenBackoffOptions) {
    this.baseMs = opts.baseMs ?? TOKEN_BACKOFF_BASE_MS;
    this.capMs = opts.capMs ?? TOKEN_BACKOFF_CAP_MS;
    this.random = opts.random ?? Math.random;
  }

  /** True while the grant `key` must not ask for a token. */
  waiting(key: string, now: number): boolean {
    const f = this.failing.get(key);
    return f !== undefined && now < f.until;
  }

  /** The error a caller without a usable token gets while the grant backs off; undefined when it may ask. */
  refusal(key: string, now: number): CxError | undefined {
    const f = this.failing.get(key);
    if (!f || now >= f.until) return undefined;
    const seconds = Math.max(1, Math.ceil((f.until - now) / 1000));
    const x = f.last.extensions;
    return new CxError(`${f.last.message} (${f.failures} failed token request${f.failures === 1 ? '' : 's'} in a row: not asking again for ${seconds} s)`, {
      ...x,
      retryAfter: Math.max(seconds, x.retryAfter ?? 0),
    });
  }

  /** A token request of the grant failed with `e` at `now` (the token manager's clock): the next one waits. */
  failed(key: string, provider: ProviderName, e: unknown, now: number): void {
    // Refused by the provider's breaker or bulkhead before anything was sent: the breaker keeps its own schedule.
    if (!isCxError(e) || wasNotSent(e)) return;
    const before = this.failing.get(key);
    if (e.extensions.code === 'PROVIDER_NEEDS_REAUTHORIZATION') {
      // A state of its own, kept by the token manager (which stops asking), not a fault to wait out: said once.
      this.failing.delete(key);
      this.opts.logger.warn({ provider, code: e.extensions.code, oauthError: e.extensions.oauthError }, e.message);
      return;
    }
    const failures = (before?.failures ?? 0) + 1;
    const step = Math.min(this.capMs, this.baseMs * 2 ** Math.min(failures - 1, 30));
    const delay = Math.max(step / 2 + (this.random() * step) / 2, (e.extensions.retryAfter ?? 0) * 1000);
    this.failing.set(key, { provider, failures, until: now + delay, last: e });
    const fields = { provider, code: e.extensions.code, upstreamStatus: e.extensions.upstreamStatus, failures, retryInMs: Math.round(delay) };
    if (!before) this.opts.logger.warn(fields, `${provider} token requests fail: backing off (${e.message})`);
    else this.opts.logger.debug(fields, `${provider} token request failed again`);
  }

  /** A token request of the grant succeeded: back to normal. */
  succeeded(key: string): void {
    const f = this.failing.get(key);
    if (!f) return;
    this.failing.delete(key);
    this.opts.logger.info({ provider: f.provider, failures: f.failures }, `${f.provider} token requests succeed again`);
  }

  /** Forgets the grant (connected anew, credentials replaced). */
  clear(key: string): void {
    this.failing.delete(key);
  }
}
