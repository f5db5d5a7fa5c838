/**
 * The one way cxgraph calls a platform, API calls and token requests alike: bearer tokens from the token manager
 * (401 → new token, once), the provider's resilience policy (src/upstream/limits/resilience.ts: breaker, retries only where a
 * request is safe to repeat, Retry-After within a cap, bulkhead), a time limit per attempt, a cap on the size of
 * what is read, metrics and a span per attempt, and the connection status recorded for every outcome.
 *
 * Error mapping has hooks, as datasource-rest's `errorFromResponse`: a non-2xx answer becomes a CxError through the
 * request's `errorFromResponse` (token requests: errors.ts `errorFromTokenResponse`), else the client's (default
 * errors.ts `errorFromResponse`); a 2xx body becomes the result through json()'s `accept`, whose CxError is
 * recorded like any other failure.
 *
 * Connection status (`providers`): the path records it, clients never do. Every answer the platform gave that is
 * not a failure — a 2xx, or an answer the mapping does not call a failure of the connection (a 404 for a lookup, a
 * 400 for bad input) — records success, in send(), stream() and json() alike. Failures thrown on the way (connection
 * errors, timeouts, the breaker, the bulkhead, a body too large or malformed) are recorded where they are raised;
 * a failure *answer* returned by send()/stream() is recorded when the caller maps it with fail() (json() does),
 * because the caller may map it from a body it made safe first (CloudCX).
 */
import { CxError, errorFromResponse, isCxError, unavailable, type UpstreamFailure } from '../errors/errors.js';
import type { ConnectionStatus } from '../observability/connection-status.js';
import type { GrantRef, TokenSource } from './token-source.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { endUpstreamSpan, startUpstreamSpan } from '../observability/tracing.js';
import type { ProviderName } from '../domain/provider-name.js';
import { scrubString } from '../security/redact.js';
import { credentialsIn, removeSecrets } from '../security/upstream-text.js';
import { readTextCapped, ResponseTooLargeError } from './read-body.js';
import { FetchRefusedError, fetchFollowing } from './redirects.js';
import { ResiliencePolicy, retryAfterSeconds, type AttemptContext } from './limits/resilience.js';
import type { CoolDownScope } from './limits/cool-down.js';
import type { FetchLike } from './upstream-fetch.js';

export { wasNotSent, retryAfterSeconds } from './limits/resilience.js';

export type Auth = { grant: GrantRef } | { bearer: string } | { none: true };

/** Turns a non-2xx answer into the CxError the caller gets (errors.ts has the two cxgraph uses). */
export type ErrorFromResponse = (failure: UpstreamFailure) => CxError;

/** What an API answers when it did not accept the token (RFC 6750 §3.1 invalid_token). */
const TOKEN_REFUSED: readonly number[] = [401];

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** Short, stable name for metrics, spans and messages, e.g. "POST /api/v1/search/conversationexists" or "token". */
  operation: string;
  /** How messages name the request when it could not be made (default `operation`), e.g. "the token request". */
  description?: string;
  headers?: Record<string, string>;
  /** A JSON body (content-type application/json). */
  json?: unknown;
  /** A form body (content-type application/x-www-form-urlencoded): token requests. Not together with `json`. */
  form?: URLSearchParams;
  auth: Auth;
  /**
   * Safe to send again: reads, and read-only POSTs such as CallJourney's search. A request that is not
   * (Sangoma places real phone calls) is never re-sent once it may have reached the platform.
   */
  idempotent: boolean;
  /**
   * With `auth: { grant }`: the statuses that mean the platform did not accept the token, so that exact token is
   * invalidated and the request sent once more with a new one. Default [401]; the PBX says "on any authorisation
   * error" (docs/providers/pbx.md#trusted-application-tokens), so its requests add 403.
   */
  tokenRefusedOn?: readonly number[];
  /**
   * Follow redirects to the same origin (default true; src/upstream/redirects.ts). Token requests follow none: see
   * TokenManager.exchange. A redirect to another origin is never followed, and every URL fetched must be https.
   */
  followRedirects?: boolean;
  /** Maps a non-2xx answer of this request; default the client's `errorFromResponse`. */
  errorFromResponse?: ErrorFromResponse;
  /**
   * Failures are logged at debug level, not as warnings: the caller reports them itself (token requests: the token
   * manager, once per change of a grant's state, src/auth/token-backoff.ts). They are recorded in the status as any.
   */
  quiet?: boolean;
  /**
   * The account the request is made for, as a 429 cool-down scopes it (cool-down.ts): never a secret. Default: the
   * grant's subject (a PBX account), else its client id; '' without a grant. Token requests name their grant's.
   */
  account?: string;
  /** Further values no message may show though an answer echoes them (token requests: the grant's tokens held). */
  secrets?: readonly string[];
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
  /** Tokens for `auth: { grant }` requests. */
  tokens: TokenSource;
  logger: Logger;
  metrics?: Metrics;
  status?: ConnectionStatus;
  /** Time limit of one attempt, from sending to the end of the body, when no `policy` is given (default 10 s). */
  timeoutMs?: number;
  /** Longest body read (JSON and token answers, error bodies); longer fails with PROVIDER_ERROR (default 4 MiB). */
  maxResponseBytes?: number;
  /** The provider's resilience policy, shared by all its clients (default: one of its own with the defaults). */
  policy?: ResiliencePolicy;
  /** Maps non-2xx answers of requests without their own hook (default errors.ts `errorFromResponse`). */
  errorFromResponse?: ErrorFromResponse;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** Error codes that say something about the connection itself (connection-status.ts changes the status for them). */
const CONNECTION_FAILURES = new Set(['PROVIDER_AUTH_FAILED', 'PROVIDER_NEEDS_REAUTHORIZATION', 'PROVIDER_UNAVAILABLE', 'PROVIDER_RATE_LIMITED']);

export class UpstreamClient {
  readonly policy: ResiliencePolicy;
  private readonly fetchFn: FetchLike;
  private readonly maxResponseBytes: number;
  private readonly mapError: ErrorFromResponse;
  /** The Authorization value each answer was had with (a grant's token), for secretsOf. */
  private readonly sentWith = new WeakMap<UpstreamResponse, string>();

  constructor(
    readonly provider: ProviderName,
    private readonly opts: UpstreamClientOptions,
  ) {
    this.fetchFn = opts.fetch ?? ((url, init) => fetch(url, init));
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.policy = opts.policy ?? new ResiliencePolicy(provider, { timeoutMs: opts.timeoutMs });
    this.mapError = opts.errorFromResponse ?? errorFromResponse;
  }

  /**
   * Sends and returns a 2xx response's body, turned into the result by `accept` when given; any other outcome
   * throws a CxError, recorded in the connection status (a CxError thrown by `accept` included).
   */
  async json<T = unknown>(req: UpstreamRequest, accept?: (body: unknown, res: UpstreamResponse) => T): Promise<T> {
    const res = await this.send(req);
    if (res.status < 200 || res.status >= 300) throw this.fail(req, res);
    if (!res.wellFormed) {
      throw this.record(
        req,
        new CxError(`${this.provider} answered ${req.description ?? req.operation} with malformed JSON`, {
          code: 'PROVIDER_ERROR',
          provider: this.provider,
          upstreamStatus: res.status,
        }),
      );
    }
    if (!accept) return res.body as T;
    try {
      return accept(res.body, res);
    } catch (e) {
      throw isCxError(e) ? this.record(req, e) : e;
    }
  }

  /** Maps a non-2xx response to a CxError with the request's hook, and records it in the connection status. */
  fail(req: UpstreamRequest, res: UpstreamResponse): CxError {
    return this.record(req, this.mapAnswer(req, res));
  }

  /**
   * Sends with auth, the resilience policy and the size cap; returns whatever status the upstream finally answered
   * (an answer that is not a failure is recorded as a success; map a failure answer with fail()).
   */
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

  private async sendAuthorised(req: UpstreamRequest, streaming: boolean): Promise<UpstreamResponse> {
    const auth = req.auth;
    // The token is had before the policy is entered, so a request never holds a slot of the bulkhead while its
    // token request waits for one (the token request goes through the same policy).
    const res =
      'grant' in auth
        ? await this.opts.tokens.withToken(
            auth.grant,
            (t) => this.guarded(req, `${t.tokenType === 'bearer' ? 'Bearer' : t.tokenType} ${t.accessToken}`, streaming),
            (r) => (req.tokenRefusedOn ?? TOKEN_REFUSED).includes(r.status),
          )
        : await this.guarded(req, 'bearer' in auth ? `Bearer ${auth.bearer}` : undefined, streaming);
    if (this.isAnswer(req, res)) this.opts.status?.succeeded(this.provider);
    return res;
  }

  /** The request under the provider's policy; a failure raised on the way is recorded here. */
  private async guarded(req: UpstreamRequest, authorization: string | undefined, streaming: boolean): Promise<UpstreamResponse> {
    try {
      return await this.policy.execute(
        req.idempotent,
        (ctx) => this.attempt(req, authorization, streaming, ctx),
        req.description ?? req.operation,
        this.scopeOf(req),
      );
    } catch (e) {
      throw this.record(req, isCxError(e) ? e : unavailable(this.provider, req.description ?? req.operation, e));
    }
  }

  /** What a 429 to this request holds back: the provider, the host it goes to, the account it is made for. */
  private scopeOf(req: UpstreamRequest): CoolDownScope {
    let host = '';
    try {
      host = new URL(req.url).host;
    } catch {
      /* an unparsable URL fails in fetch, with its own error */
    }
    const grant = 'grant' in req.auth ? req.auth.grant.identity : undefined;
    return { provider: this.provider, host, account: req.account ?? (grant ? grant.subject || grant.clientId : '') };
  }

  /** A 2xx, or an answer whose mapped error says nothing about the connection (404 for a lookup, 400, 416, …). */
  private isAnswer(req: UpstreamRequest, res: UpstreamResponse): boolean {
    if (res.status >= 200 && res.status < 300) return true;
    return !CONNECTION_FAILURES.has(this.mapAnswer(req, res).extensions.code);
  }

  private mapAnswer(req: UpstreamRequest, res: UpstreamResponse): CxError {
    return (req.errorFromResponse ?? this.mapError)({
      provider: this.provider,
      operation: req.description ?? req.operation,
      status: res.status,
      body: res.body,
      retryAfter: retryAfterSeconds(res.headers.get('retry-after')),
      secrets: this.secretsOf(req, res),
    });
  }

  /**
   * What an answer to `req` may echo and no message may show (src/security/upstream-text.ts): the credentials the
   * request carried (its Authorization, a Basic pair decoded, credential form fields, a bearer), the values it names
   * itself, and from the token source the configured secrets it has used plus the grant's credentials and tokens.
   */
  private secretsOf(req: UpstreamRequest, res?: UpstreamResponse): string[] {
    const auth = req.auth;
    const sent = res && this.sentWith.get(res);
    const headers = sent ? { ...req.headers, authorization: sent } : req.headers;
    return [
      ...credentialsIn(headers, req.form),
      ...('bearer' in auth ? [auth.bearer] : []),
      ...(req.secrets ?? []),
      ...(this.opts.tokens.secretsFor?.('grant' in auth ? auth.grant : undefined) ?? []),
    ];
  }

  /** One attempt: send, then read the body within the time limit and the size cap. */
  private async attempt(req: UpstreamRequest, authorization: string | undefined, streaming: boolean, ctx: AttemptContext): Promise<UpstreamResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (authorization) headers.authorization = authorization;
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.form !== undefined) {
      body = req.form.toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    const started = performance.now();
    let status = 'error';
    const span = startUpstreamSpan({ provider: this.provider, operation: req.operation, method: req.method, url: req.url });
    // ctx.signal fires at the time limit (resilience.ts). A streamed body may take longer than the limit to transfer:
    // the signal is left alone once the attempt has returned with the headers.
    try {
      const res = await fetchFollowing(this.fetchFn, { url: req.url, method: req.method, headers, body }, req.followRedirects !== false, ctx.signal);
      status = String(res.status);
      if (streaming && res.status >= 200 && res.status < 300) {
        return { status: res.status, headers: res.headers, body: undefined, wellFormed: true, stream: res.body };
      }
      const text = await readTextCapped(res, this.maxResponseBytes);
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
      const answer: UpstreamResponse = { status: res.status, headers: res.headers, body: parsed, wellFormed };
      if (authorization) this.sentWith.set(answer, authorization);
      return answer;
    } catch (err) {
      if (err instanceof FetchRefusedError) {
        throw new CxError(`${this.provider} ${req.description ?? req.operation}: ${err.reason}`, {
          code: 'PROVIDER_ERROR',
          provider: this.provider,
          upstreamStatus: err.status,
        });
      }
      if (err instanceof ResponseTooLargeError) {
        throw new CxError(
          `${this.provider} answered ${req.description ?? req.operation} with a body longer than ${this.maxResponseBytes} bytes: not read further`,
          {
            code: 'PROVIDER_ERROR',
            provider: this.provider,
            upstreamStatus: Number(status) || undefined,
          },
        );
      }
      const e = unavailable(this.provider, req.description ?? req.operation, ctx.signal.aborted ? timedOut() : err, this.secretsOf(req));
      // The time limit, or the request's deadline (the policy then says so): either way the platform did not answer in time.
      throw ctx.signal.aborted ? new CxError(e.message, { ...e.extensions, timedOut: true }, err) : e;
    } finally {
      endUpstreamSpan(span, status);
      this.opts.metrics?.upstreamDuration.observe({ provider: this.provider, operation: req.operation, status }, (performance.now() - started) / 1000);
    }
  }

  private record(req: UpstreamRequest, e: CxError): CxError {
    scrubMessage(e, this.secretsOf(req));
    this.opts.status?.failed(this.provider, e);
    const x = e.extensions;
    const fields = { provider: this.provider, operation: req.operation, code: x.code, upstreamStatus: x.upstreamStatus, oauthError: x.oauthError };
    if (req.quiet) this.opts.logger.debug(fields, e.message);
    else this.opts.logger.warn(fields, e.message);
    return e;
  }
}

/**
 * The net under errors.ts for messages a provider built from upstream text itself (a 2xx envelope's message read by
 * an `accept` step): known secrets and credential-shaped parts are removed from the message and the stack, in place
 * (the error is fresh, and who holds it — wasNotSent — knows it by identity). Messages errors.ts made are unchanged.
 */
function scrubMessage(e: CxError, secrets: readonly string[]): void {
  const safe = scrubString(removeSecrets(e.message, secrets));
  if (safe === e.message) return;
  if (e.stack) e.stack = e.stack.split(e.message).join(safe);
  e.message = safe;
}

/** What a fetch fails with when its time limit fires, so errors.ts says "timed out". */
function timedOut(): DOMException {
  return new DOMException('The operation timed out.', 'TimeoutError');
}
