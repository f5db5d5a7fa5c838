/**
 * The fetch every upstream request and token request goes through in production: undici's request API over one
 * Agent — a keep-alive connection pool per upstream origin — whose TCP/TLS connect has its own, short time limit.
 * A platform that does not accept connections is given up on after `connectTimeoutMs` (and the request, never
 * sent, may be retried), while the total time limit of an attempt is the AbortSignal of the provider's resilience
 * policy (src/upstream/limits/resilience.ts), which undici honours until the body has been read.
 * https://undici.nodejs.org/#/docs/api/Agent (connect.timeout), https://undici.nodejs.org/#/docs/api/Dispatcher (request)
 *
 * Why not undici's fetch: WHATWG fetch builds a Request, Headers, web streams for both bodies, and tees the request
 * body to be able to replay it on a redirect; on the benchmark's hot path that was ~0.3 ms of CPU per upstream call,
 * against ~0.04 ms for `request` (docs/operating.md, "Performance"). Callers keep the FetchLike contract: the answer offers what
 * they read of a Response (status, ok, headers, text(), json(), arrayBuffer(), body). It never follows a redirect,
 * whatever `init.redirect` says: the 3xx is the answer, as with `redirect: 'manual'`, and the upstream client decides
 * what to follow (src/upstream/redirects.ts: the same origin only, every URL https) — nothing here sends a request or its
 * credentials anywhere the client has not checked.
 */
import { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { declaredLength, READ_TEXT_CAPPED, ResponseTooLargeError } from './read-body.js';

/** The fetch signature UpstreamClient calls: the global fetch, this module's, or a test's own. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface UpstreamFetch {
  fetch: FetchLike;
  /** Cuts what is left (after the HTTP server has drained) so no socket keeps the process alive. */
  close(): Promise<void>;
}

export function createUpstreamFetch(opts: { connectTimeoutMs: number }): UpstreamFetch {
  const agent = new Agent({ connect: { timeout: opts.connectTimeoutMs } });
  const fetch: FetchLike = async (url, init) => {
    const res = await request(url, {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: headersOf(init.headers),
      body: bodyOf(init.body),
      signal: init.signal ?? undefined,
      dispatcher: agent,
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
  private headerView: UpstreamHeaders | undefined;

  constructor(private readonly res: Dispatcher.ResponseData) {
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
    return this.res.body.text();
  }

  json(): Promise<unknown> {
    return this.res.body.json();
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.res.body.arrayBuffer();
  }

  /**
   * text() with a cap (read-body.ts): a declared length over the cap is refused before reading, a body without one
   * is counted as it comes. Past the cap the body is destroyed, which makes undici drop the connection.
   */
  [READ_TEXT_CAPPED](maxBytes: number): Promise<string> {
    const body = this.res.body;
    const declared = declaredLength(this.res.headers['content-length']);
    if (declared !== undefined && declared > maxBytes) {
      body.destroy();
      return Promise.reject(new ResponseTooLargeError(maxBytes, declared));
    }
    // undici never reads past a declared length: its own text() is the cheap path.
    if (declared !== undefined) return body.text();
    return new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) return void chunks.push(chunk);
        body.destroy();
        reject(new ResponseTooLargeError(maxBytes));
      });
      body.once('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
      body.once('error', reject);
      body.once('close', () => reject(new Error('the body ended early')));
    });
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
