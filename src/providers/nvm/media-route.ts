/**
 * `GET /media/nvm/<guid>/<contentKey>`: streams one interaction content file (a call recording, a transcript…)
 * from `GET /interaction-content/interactions/{guid}/content/{contentKey}` through cxgraph. The platform token
 * is added here, server-side, so download links (`CallMedia.downloadUrl`) never carry it. `Range` goes
 * through and the status, Content-Type, Content-Length and Content-Range come back, so players can seek.
 * The file is piped, never buffered. Requests reach this route only through a signed link (CallMedia.downloadUrl):
 * server.ts checks it (src/security/media-links.ts) and answers 403 before this runs otherwise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { badInput, isCxError, unavailable, type CxError } from '../../errors/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { HttpRoute } from '../../domain/capabilities.js';
import { NVM_CONTENT_KEY, NVM_GUID, type NvmClient } from './client.js';

export const NVM_MEDIA_PREFIX = '/media/nvm/';

/** Response headers of the platform passed on to the caller; nothing else (no cookies, no auth hints). */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified'];
/** RFC 9110 §14.1.1 byte ranges; anything else is not forwarded (and so ignored, as §14.2 allows). */
const BYTE_RANGES = /^bytes=\s*(\d*-\d*)(\s*,\s*\d*-\d*)*\s*$/;

export function nvmMediaRoute(client: NvmClient, logger: Logger): HttpRoute {
  return {
    method: 'GET',
    path: NVM_MEDIA_PREFIX,
    async handle(req: IncomingMessage, res: ServerResponse, url: URL) {
      const parts = url.pathname.slice(NVM_MEDIA_PREFIX.length).split('/');
      const [guid, contentKey] = parts.map(safeDecode);
      if (parts.length !== 2 || guid === undefined || !NVM_GUID.test(guid)) {
        return sendError(res, badInput('the media path must be /media/nvm/<interaction guid>/<contentKey>, with a GUID', 'guid', 'NEWVOICEMEDIA'));
      }
      if (contentKey === undefined || !NVM_CONTENT_KEY.test(contentKey)) {
        return sendError(res, badInput('contentKey must be 1 to 128 letters, digits, "_", "-" or "." (not first)', 'contentKey', 'NEWVOICEMEDIA'));
      }
      const range = typeof req.headers.range === 'string' && BYTE_RANGES.test(req.headers.range) ? req.headers.range : undefined;

      let up;
      try {
        up = await client.openContent(guid, contentKey, range);
      } catch (e) {
        return sendError(res, isCxError(e) ? e : unavailable('NEWVOICEMEDIA', 'the media download', e));
      }
      if (up.status < 200 || up.status >= 300 || !up.stream) {
        if (up.status === 416) {
          // Not a failure of the platform: the range lies outside the file. Say how long the file is.
          const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
          const cr = up.headers.get('content-range');
          if (cr) headers['content-range'] = cr;
          res.writeHead(416, headers);
          res.end(
            JSON.stringify({
              errors: [
                { message: 'The requested range is not satisfiable', extensions: { code: 'BAD_USER_INPUT', provider: 'NEWVOICEMEDIA', field: 'Range' } },
              ],
            }),
          );
          return;
        }
        return sendError(res, client.fail(up));
      }

      const headers: Record<string, string> = { 'cache-control': 'private, no-store', 'x-content-type-options': 'nosniff' };
      for (const h of PASSED_HEADERS) {
        const v = up.headers.get(h);
        if (v !== null) headers[h] = v;
      }
      res.writeHead(up.status, headers);
      try {
        await pipeline(Readable.fromWeb(up.stream as NodeReadableStream<Uint8Array>), res);
      } catch (e) {
        // The caller went away or the platform cut the transfer: nothing left to answer.
        logger.debug({ provider: 'NEWVOICEMEDIA', err: e instanceof Error ? e.message : String(e) }, 'media stream ended early');
        if (!res.destroyed) res.destroy();
      }
    },
  };
}

/** The HTTP status of a failed download, by error code; the body is shaped like a GraphQL error. */
function sendError(res: ServerResponse, e: CxError): void {
  const x = e.extensions;
  const status =
    x.code === 'BAD_USER_INPUT'
      ? 400
      : x.code === 'PROVIDER_RATE_LIMITED'
        ? 429
        : x.code === 'PROVIDER_ERROR' && x.upstreamStatus === 404
          ? 404
          : x.code === 'PROVIDER_UNAVAILABLE'
            ? 503
            : 502;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (status === 429 && x.retryAfter !== undefined) headers['retry-after'] = String(Math.ceil(x.retryAfter));
  res.writeHead(status, headers);
  res.end(JSON.stringify({ errors: [{ message: e.message, extensions: x }] }));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
