/**
 * The one way provider clients call their REST APIs: bearer tokens from the token manager (401 → new token,
 * once), time limits, retries only where a request is safe to repeat, Retry-After honoured within a cap,
 * metrics per provider/operation/status, and every failure mapped by errors.ts.
 */
import { CxError, errorFromResponse, isCxError, unavailable } from '../errors.js';
import type { Grant } from '../auth/grant.js';
import type { ConnectionStatus } from '../auth/connection-status.js';
import { retryAfterSeconds, type FetchLike, type TokenManager } from '../auth/token-manager.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { endUpstreamSpan, startUpstreamSpan } from '../observability/tracing.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { CircuitBreaker, CircuitPermit } from './circuit-breaker.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { isTimedFetch, type TimedRequestInit } from './upstream-fetch.js';

export type Auth = { grant: Grant } | { bearer: string } | { none: true };

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Short, stable name for metrics and messages, e.g. "POST /api/v1/search/conversationexists". */
  operation: string;
  headers?: Record<string, string>;
  json?: unknown;
  auth: Auth;
  /**
   * Safe to send again: reads, and read-only POSTs such as CallJourney's search. A request that is not
   * (Sangoma places real phone calls) is never re-sent once it may have reached the platform.
   */
  idempotent: boolean;
}

export interface UpstreamResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else the text ('' when empty). */
  body: unknown;
  /** False when the body claimed to be JSON but did not parse. */
  wellFormed: boolean;
  /** From stream() only: the unread body of a 2xx response, for the caller to pipe and finish. */
  stream?: ReadableStream<Uint8Array> | null;
}

export interface UpstreamClientOptions {
  fetch?: FetchLike;
  tokens: TokenManager;
  logger: Logger;
  metrics?: Metrics;
  status?: ConnectionStatus;
  timeoutMs?: number;
  /** Longest Retry-After we wait for in-request before giving up with PROVIDER_RATE_LIMITED. */
  retryAfterCapSeconds?: number;
  /** Extra attempts for idempotent requests on 5xx / connection errors. */
  maxRetries?: number;
  /** Base of the exponential backoff between retries. */
  backoffMs?: number;
  /** The provider's circuit breaker (shared by every client of the provider): fails fast while it is down. */
  breaker?: CircuitBreaker;
  /** The provider's cap on requests in flight (shared by every client of the provider). */
  limiter?: ConcurrencyLimit;
}

/** Errors raised before a request left this process (breaker open, no free slot): safe to report as "not sent". */
const NOT_SENT = new WeakSet<object>();

/** True when `e` was raised before the request was sent, so the platform cannot have acted on it. */
export function wasNotSent(e: unknown): boolean {
  return typeof e === 'object' && e !== null && NOT_SENT.has(e);
}

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

export class UpstreamClient {
  private readonly fetchFn: FetchLike;
  /** The production fetch (src/http/upstream-fetch.ts) keeps the time limit itself, without an AbortSignal. */
  private readonly timedFetch: boolean;
  private readonly timeoutMs: number;
  private readonly retryAfterCap: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;

  constructor(
    readonly provider: ProviderName,
    private readonly opts: UpstreamClientOptions,
  ) {
    this.fetchFn = opts.fetch ?? ((url, init) => fetch(url, init));
    this.timedFetch = isTimedFetch(this.fetchFn);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retryAfterCap = opts.retryAfterCapSeconds ?? 5;
    this.maxRetries = opts.maxRetries ?? 2;
    this.backoffMs = opts.backoffMs ?? 100;
  }

  /** Sends and returns a 2xx response's body; any other outcome throws a CxError. */
  async json<T = unknown>(req: UpstreamRequest): Promise<T> {
    const res = await this.send(req);
    if (res.status < 200 || res.status >= 300) throw this.fail(req, res);
    if (!res.wellFormed) {
      throw this.record(new CxError(`${this.provider} answered ${req.operation} with malformed JSON`, { code: 'PROVIDER_ERROR', provider: this.provider, upstreamStatus: res.status }));
    }
    this.opts.status?.succeeded(this.provider);
    return res.body as T;
  }

  /** Maps a non-2xx response to a CxError (and records it in the connection status). */
  fail(req: UpstreamRequest, res: UpstreamResponse): CxError {
    return this.record(
      errorFromResponse({
        provider: this.provider,
        operation: req.operation,
        status: res.status,
        body: res.body,
        retryAfter: retryAfterSeconds(res.headers.get('retry-after')),
      }),
    );
  }

  /** Sends with auth, retries and Retry-After handling; returns whatever status the upstream finally answered. */
  async send(req: UpstreamRequest): Promise<UpstreamResponse> {
    return this.sendAuthorised(req, false);
  }

  /**
   * As send(), but a 2xx body is left unread in `stream` (media downloads are piped, never buffered) and the
   * time limit covers only the wait for the response headers. Other statuses are read as send() reads them.
   * The caller must consume or cancel `stream`.
   */
  async stream(req: UpstreamRequest): Promise<UpstreamResponse> {
    return this.sendAuthorised(req, true);
  }

  /** Through the circuit breaker: fails fast while it is open, and tells it whether the platform answered. */
  private async sendAuthorised(req: UpstreamRequest, streaming: boolean): Promise<UpstreamResponse> {
    let permit: CircuitPermit | undefined;
    try {
      permit = this.opts.breaker?.admit();
    } catch (e) {
      throw this.record(notSent(e as CxError));
    }
    try {
      const res = await this.sendAuthorisedUnguarded(req, streaming);
      if (RETRYABLE_STATUS.has(res.status)) permit?.failure();
      else permit?.success();
      return res;
    } catch (e) {
      if (wasNotSent(e)) permit?.abandon();
      else if (isCxError(e) && e.extensions.code === 'PROVIDER_UNAVAILABLE') permit?.failure();
      else permit?.success(); // refused credentials, bad input, rate limit: the platform answered
      throw e;
    }
  }

  private async sendAuthorisedUnguarded(req: UpstreamRequest, streaming: boolean): Promise<UpstreamResponse> {
    const auth = req.auth;
    if ('grant' in auth) {
      return this.opts.tokens.withToken(auth.grant, (t) => this.sendWithRetries(req, `${t.tokenType === 'bearer' ? 'Bearer' : t.tokenType} ${t.accessToken}`, streaming), (r) => r.status === 401);
    }
    return this.sendWithRetries(req, 'bearer' in auth ? `Bearer ${auth.bearer}` : undefined, streaming);
  }

  private async sendWithRetries(req: UpstreamRequest, authorization: string | undefined, streaming = false): Promise<UpstreamResponse> {
    let rateLimitedOnce = false;
    for (let attempt = 0; ; attempt++) {
      let res: UpstreamResponse;
      // Waiting for a slot is bounded by the time limit of a request; a refusal means nothing was sent.
      let release: (() => void) | undefined;
      try {
        release = await this.opts.limiter?.acquire(this.timeoutMs);
      } catch (e) {
        throw this.record(notSent(e as CxError));
      }
      try {
        res = await this.attempt(req, authorization, streaming);
      } catch (err) {
        release?.(); // not held through the backoff
        // A connection error after the request was written may mean the platform acted on it: only
        // idempotent requests are sent again.
        if (req.idempotent && attempt < this.maxRetries) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw this.record(isCxError(err) ? err : unavailable(this.provider, req.operation, err));
      } finally {
        // A streamed body is piped after this returns: its slot is given back once the headers are in.
        release?.();
      }
      if (req.idempotent && RETRYABLE_STATUS.has(res.status) && attempt < this.maxRetries) {
        await sleep(this.backoff(attempt));
        continue;
      }
      if (res.status === 429 && req.idempotent && !rateLimitedOnce) {
        const wait = retryAfterSeconds(res.headers.get('retry-after'));
        if (wait !== undefined && wait <= this.retryAfterCap) {
          rateLimitedOnce = true;
          await sleep(wait * 1000);
          attempt--; // a rate-limit wait is not one of the fault retries
          continue;
        }
      }
      return res;
    }
  }

  private async attempt(req: UpstreamRequest, authorization: string | undefined, streaming = false): Promise<UpstreamResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (authorization) headers.authorization = authorization;
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    }
    const started = performance.now();
    let status = 'error';
    const span = startUpstreamSpan({ provider: this.provider, operation: req.operation, method: req.method, url: req.url });
    // A streamed body may take longer than the time limit to transfer: only the headers are timed then. The
    // production fetch keeps the limit itself, cheaper than a signal; any other (tests inject their own) gets one.
    const limit = this.timedFetch ? undefined : new AbortController();
    const timer = limit && setTimeout(() => limit.abort(new DOMException('The operation timed out.', 'TimeoutError')), this.timeoutMs);
    const deadline: TimedRequestInit = limit ? { signal: limit.signal } : { timeoutMs: this.timeoutMs, headersOnly: streaming };
    try {
      const res = await this.fetchFn(req.url, { method: req.method, headers, body, ...deadline });
      status = String(res.status);
      if (streaming && res.status >= 200 && res.status < 300) {
        clearTimeout(timer);
        return { status: res.status, headers: res.headers, body: undefined, wellFormed: true, stream: res.body };
      }
      const text = await res.text();
      const isJson = (res.headers.get('content-type') ?? '').includes('json');
      let parsed: unknown = text;
      let wellFormed = true;
      if (text && (isJson || /^[[{]/.test(text.trimStart()))) {
        try {
          parsed = JSON.parse(text);
        } catch {
          wellFormed = !isJson;
        }
      } else if (isJson && !text) {
        parsed = undefined;
      }
      return { status: res.status, headers: res.headers, body: parsed, wellFormed };
    } catch (err) {
      throw unavailable(this.provider, req.operation, err instanceof Error && err.name === 'AbortError' && limit?.signal.aborted ? limit.signal.reason : err);
    } finally {
      clearTimeout(timer);
      endUpstreamSpan(span, status);
      this.opts.metrics?.upstreamDuration.observe({ provider: this.provider, operation: req.operation, status }, (performance.now() - started) / 1000);
    }
  }

  private backoff(attempt: number): number {
    const base = this.backoffMs * 2 ** attempt;
    return base / 2 + Math.random() * base; // full jitter around the exponential step
  }

  private record(e: CxError): CxError {
    this.opts.status?.failed(this.provider, e);
    this.opts.logger.warn({ provider: this.provider, code: e.extensions.code, upstreamStatus: e.extensions.upstreamStatus }, e.message);
    return e;
  }
}

function notSent(e: CxError): CxError {
  NOT_SENT.add(e);
  return e;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
