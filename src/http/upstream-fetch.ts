/**
 * The fetch every upstream request and token request goes through in production: undici's request API over one
 * Agent — a keep-alive connection pool per upstream origin — whose TCP/TLS connect has its own, short time limit.
 * A platform that does not accept connections is given up on after `connectTimeoutMs` (and the request, never
 * sent, may be retried), while the total time limit of a request is UpstreamClient's `timeoutMs` (TimedRequestInit)
 * or the AbortSignal of TokenManager.
 * https://undici.nodejs.org/#/docs/api/Agent (connect.timeout), https://undici.nodejs.org/#/docs/api/Dispatcher (request)
 *
 * Why not undici's fetch: WHATWG fetch builds a Request, Headers, web streams for both bodies, and tees the request
 * body to be able to replay it on a redirect; on the benchmark's hot path that was ~0.3 ms of CPU per upstream call,
 * against ~0.04 ms for `request` (README, "Performance"). Callers keep the FetchLike contract: the answer offers what
 * they read of a Response (status, ok, headers, text(), json(), arrayBuffer(), body), and redirects are followed
 * as fetch follows them, with Authorization dropped when the origin changes.
 */
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { FetchLike } from '../auth/token-manager.js';

/**
 * What UpstreamClient passes instead of an AbortSignal when the fetch is this one (isTimedFetch): the time limit,
 * kept here with one timer and an EventEmitter, which undici accepts as a signal. An AbortController per request,
 * with the listener undici puts on it, cost ~15-25 µs of CPU per upstream call (README, "Performance").
 */
export interface TimedRequestInit extends RequestInit {
  /** Time limit of the request, ms: from sending it until its body has been read. */
  timeoutMs?: number;
  /** Limit only the wait for the headers (a streamed download may take longer than the limit). */
  headersOnly?: boolean;
}

const TIMED = Symbol('cxgraph.timedFetch');

/** True for the fetch of createUpstreamFetch, which honours TimedRequestInit. */
export function isTimedFetch(f: FetchLike): boolean {
  return (f as { [TIMED]?: boolean })[TIMED] === true;
}

export interface UpstreamFetch {
  fetch: FetchLike;
  /** Cuts what is left (after the HTTP server has drained) so no socket keeps the process alive. */
  close(): Promise<void>;
}

/** fetch's own limit (https://fetch.spec.whatwg.org/#http-redirect-fetch). */
const MAX_REDIRECTIONS = 20;

export function createUpstreamFetch(opts: { connectTimeoutMs: number }): UpstreamFetch {
  const agent = new Agent({ connect: { timeout: opts.connectTimeoutMs } });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTIONS }));
  const fetch: FetchLike = async (url, init) => {
    const { timeoutMs, headersOnly } = init as TimedRequestInit;
    const deadline = timeoutMs === undefined ? undefined : new Deadline(timeoutMs);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: headersOf(init.headers),
        body: bodyOf(init.body),
        signal: deadline ?? init.signal ?? undefined,
        dispatcher,
      });
    } catch (e) {
      deadline?.clear();
      throw deadline?.expired ? timedOut() : e;
    }
    if (headersOnly) deadline?.clear();
    return new UpstreamAnswer(res, deadline) as unknown as Response;
  };
  Object.defineProperty(fetch, TIMED, { value: true });
  return {
    fetch,
    async close() {
      await agent.destroy();
    },
  };
}

/** The part of a fetch Response that cxgraph reads, over undici's response data; the body is read once, as with fetch. */
class UpstreamAnswer {
  readonly status: number;
  readonly ok: boolean;
  private headerView: UpstreamHeaders | undefined;

  constructor(
    private readonly res: Dispatcher.ResponseData,
    private readonly deadline: Deadline | undefined,
  ) {
    this.status = res.statusCode;
    this.ok = res.statusCode >= 200 && res.statusCode < 300;
  }

  /** Read-only headers over undici's (lower-cased) header object: a real Headers would validate every value again. */
  get headers(): Headers {
    this.headerView ??= new UpstreamHeaders(this.res.headers);
    return this.headerView as unknown as Headers;
  }

  get bodyUsed(): boolean {
    return this.res.body.bodyUsed;
  }

  /** As a web stream, for the media routes that pipe it on; made only when asked for. */
  get body(): ReadableStream<Uint8Array> {
    return Readable.toWeb(this.res.body) as unknown as ReadableStream<Uint8Array>;
  }

  text(): Promise<string> {
    return this.read(this.res.body.text());
  }

  json(): Promise<unknown> {
    return this.read(this.res.body.json());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.read(this.res.body.arrayBuffer());
  }

  /** The body read within the time limit, which ends with it. */
  private async read<T>(body: Promise<T>): Promise<T> {
    try {
      return await body;
    } catch (e) {
      throw this.deadline?.expired ? timedOut() : e;
    } finally {
      this.deadline?.clear();
    }
  }
}

/** The reading half of the Headers interface (get, has, iteration), over the header object undici parsed. */
class UpstreamHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const v = this.raw[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) {
      const v = this.get(name);
      if (v !== null) yield [name, v];
    }
  }

  keys(): IterableIterator<string> {
    return [...this.entries()].map(([k]) => k)[Symbol.iterator]();
  }

  values(): IterableIterator<string> {
    return [...this.entries()].map(([, v]) => v)[Symbol.iterator]();
  }

  forEach(fn: (value: string, name: string) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/**
 * One request's time limit. undici takes an EventEmitter as its signal (it listens for 'abort'), which costs a
 * fraction of an AbortController; the request then fails as fetch fails when its signal times out.
 */
class Deadline extends EventEmitter {
  expired = false;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.timer = setTimeout(() => {
      this.expired = true;
      this.emit('abort');
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** What fetch rejects with when its signal times out, so errors.ts says "timed out". */
function timedOut(): DOMException {
  return new DOMException('The operation timed out.', 'TimeoutError');
}

function headersOf(h: RequestInit['headers']): Record<string, string> | undefined {
  if (h === undefined) return undefined;
  if (h instanceof Headers) return Object.fromEntries(h.entries());
  if (Array.isArray(h)) return Object.fromEntries(h as [string, string][]);
  return h as Record<string, string>;
}

function bodyOf(b: RequestInit['body']): string | Buffer | undefined {
  if (b === undefined || b === null) return undefined;
  if (typeof b === 'string') return b;
  if (b instanceof URLSearchParams) return b.toString();
  if (b instanceof ArrayBuffer) return Buffer.from(b);
  if (ArrayBuffer.isView(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  // Streams, Blobs and FormData are never sent upstream by cxgraph.
  throw new TypeError('upstream request bodies are strings, URLSearchParams or bytes');
}
