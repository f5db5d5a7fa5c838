/**
 * Reading an upstream body with a size cap, enforced while reading: a platform (or anything between it and us)
 * that answers with an endless or huge body costs at most `maxBytes` of memory, and the connection is dropped at
 * once rather than drained. Media downloads (UpstreamClient.stream) are piped, never read here.
 */

/** The body was longer than the cap; the rest was not read and the connection was dropped. */
export class ResponseTooLargeError extends Error {
  constructor(
    readonly maxBytes: number,
    readonly declaredBytes?: number,
  ) {
    super(declaredBytes === undefined ? `the body is longer than ${maxBytes} bytes` : `the body is ${declaredBytes} bytes, more than ${maxBytes}`);
    this.name = 'ResponseTooLargeError';
  }
}

/** A response that reads itself with a cap (the production fetch's answer, src/upstream/upstream-fetch.ts). */
export const READ_TEXT_CAPPED = Symbol('cxgraph.readTextCapped');

interface CappedReader {
  [READ_TEXT_CAPPED](maxBytes: number): Promise<string>;
}

/** The body as UTF-8 text; rejects with ResponseTooLargeError past `maxBytes`, and with what the read failed with otherwise. */
export function readTextCapped(res: Response, maxBytes: number): Promise<string> {
  const own = (res as unknown as Partial<CappedReader>)[READ_TEXT_CAPPED];
  if (own) return own.call(res, maxBytes);
  return readWebBody(res, maxBytes);
}

/** A WHATWG Response (any injected fetch): the declared length first, then counted chunk by chunk. */
async function readWebBody(res: Response, maxBytes: number): Promise<string> {
  const declared = declaredLength(res.headers.get('content-length'));
  if (declared !== undefined && declared > maxBytes) {
    res.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(maxBytes, declared);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

export function declaredLength(header: string | string[] | null | undefined): number | undefined {
  if (header === null || header === undefined || Array.isArray(header) || header === '') return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
