/**
 * What a simulator's route handler sees of a request and what it answers, and the node:http plumbing that reads
 * the one and writes the other. Only node:http is used, so a simulator adds no dependency to the embedded default.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** What a route handler sees of a request. The body is read in full before the handler runs. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** `:param` captures of a string route, or named groups of a RegExp route (URI-decoded). */
  params: Record<string, string>;
  rawBody: string;
  /** The body parsed as `application/x-www-form-urlencoded` (whatever the Content-Type says). */
  form(): URLSearchParams;
  /** The body parsed as JSON; throws {@link SimJsonError} when it is not JSON. */
  json(): unknown;
}

/** What a route handler answers. `json` wins over `text`, `text` over `bytes`; none means an empty body. */
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** A binary body (media files); Content-Type defaults to `application/octet-stream`. */
  bytes?: Uint8Array;
  /** Overrides the default Content-Type (`application/json; charset=utf-8` or `text/plain; charset=utf-8`). */
  contentType?: string;
}

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** Thrown by {@link SimRequest.json} so handlers can answer their platform's own 400. */
export class SimJsonError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimJsonError';
  }
}

/** Bodies beyond this are refused with 413; no simulated platform needs more. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Reads the whole body as UTF-8, or null when it exceeds MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Keep draining so the connection stays usable, but stop buffering.
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  return tooLarge ? null : Buffer.concat(chunks).toString('utf8');
}

/** The {@link SimRequest} of a request whose body has been read. */
export function simRequest(method: string, url: URL, req: IncomingMessage, params: Record<string, string>, rawBody: string): SimRequest {
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    params,
    rawBody,
    form: () => new URLSearchParams(rawBody),
    json: () => {
      try {
        return JSON.parse(rawBody);
      } catch (err) {
        throw new SimJsonError('Request body is not valid JSON', { cause: err });
      }
    },
  };
}

/** Writes an answer with its Content-Type and Content-Length; nothing when the socket is already gone. */
export function send(res: ServerResponse, answer: SimResponse): void {
  if (res.destroyed) return;
  let body: string | Uint8Array = '';
  let contentType = answer.contentType;
  if (answer.json !== undefined) {
    body = JSON.stringify(answer.json);
    contentType ??= 'application/json; charset=utf-8';
  } else if (answer.text !== undefined) {
    body = answer.text;
    contentType ??= 'text/plain; charset=utf-8';
  } else if (answer.bytes !== undefined) {
    body = answer.bytes;
    contentType ??= 'application/octet-stream';
  }
  const headers: Record<string, string | number> = { ...answer.headers };
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(answer.status, headers);
  res.end(body);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNonNegativeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
