/**
 * The fetch every upstream request and token request goes through in production: undici's request API over one
 * Agent — a keep-alive connection pool per upstream origin — whose TCP/TLS connect has its own, short time limit.
 * A platform that does not accept connections is given up on after `connectTimeoutMs` (and the request, never
 * sent, may be retried), while the total time limit of a request stays the AbortSignal set by UpstreamClient /
 * TokenManager.
 * https://undici.nodejs.org/#/docs/api/Agent (connect.timeout), https://undici.nodejs.org/#/docs/api/Dispatcher (request)
 *
 * Why not undici's fetch: WHATWG fetch builds a Request, Headers, web streams for both bodies, and tees the request
 * body to be able to replay it on a redirect; on the benchmark's hot path that was ~0.3 ms of CPU per upstream call,
 * against ~0.04 ms for `request` (docs/performance.md). Callers keep the FetchLike contract: the answer offers what
 * they read of a Response (status, ok, headers, text(), json(), arrayBuffer(), body), and redirects are followed
 * as fetch follows them, with Authorization dropped when the origin changes.
 */
import { Readable } from 'node:stream';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import type { FetchLike } from '../auth/token-manager.js';

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
    const res = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: headersOf(init.headers),
      body: bodyOf(init.body),
      signal: init.signal ?? undefined,
      dispatcher,
    });
    return new UpstreamAnswer(res) as unknown as Response;
  };
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
  readonly redirected = false;
  private headerMap: Headers | undefined;

  constructor(private readonly res: Dispatcher.ResponseData) {
    this.status = res.statusCode;
    this.ok = res.statusCode >= 200 && res.statusCode < 300;
  }

  /** A real Headers, built on first use (every caller reads at least content-type). */
  get headers(): Headers {
    if (!this.headerMap) {
      const h = new Headers();
      for (const [name, value] of Object.entries(this.res.headers)) {
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const v of value) h.append(name, v);
        else h.append(name, value);
      }
      this.headerMap = h;
    }
    return this.headerMap;
  }

  get bodyUsed(): boolean {
    return this.res.body.bodyUsed;
  }

  /** As a web stream, for the media routes that pipe it on; made only when asked for. */
  get body(): ReadableStream<Uint8Array> {
    return Readable.toWeb(this.res.body) as unknown as ReadableStream<Uint8Array>;
  }

  text(): Promise<string> {
    return this.res.body.text();
  }

  json(): Promise<unknown> {
    return this.res.body.json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.res.body.arrayBuffer();
  }
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
