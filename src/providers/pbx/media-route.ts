/**
 * `GET /media/pbx/<accountId>/<record_uuid>` — a PBX call recording, streamed through cxgraph. It asks the PBX for
 * the record's storage URL with the account's trusted-app token (`GET /api/ver1.0/client/{id}/record/{uuid}/storage_url/`)
 * and pipes the file from there: the client never sees the token, the storage URL or the PBX host.
 * Failures answer JSON `{message, code}`: 404 for an unknown account or record, 409 for an account that must be
 * connected again, 429 (with Retry-After) when the PBX rate-limits, 502 for other upstream failures. Requests reach
 * this route only through a signed link (CallMedia.downloadUrl): server.ts checks it (src/security/media-links.ts)
 * and answers 403 before this runs otherwise, so the PBX is never asked for an unsigned path.
 */
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isCxError } from '../../errors/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { HttpRoute } from '../../domain/capabilities.js';
import type { PbxAccounts } from './accounts.js';

export const PBX_MEDIA_PREFIX = '/media/pbx/';
const SEGMENT = /^[\w.-]{1,128}$/;

export function pbxMediaRoute(pbx: PbxAccounts, logger: Logger): HttpRoute {
  return {
    method: 'GET',
    path: PBX_MEDIA_PREFIX,
    async handle(_req, res, url) {
      const parts = url.pathname.slice(PBX_MEDIA_PREFIX.length).split('/').map(safeDecode);
      const [accountId, recordUuid] = parts;
      if (parts.length !== 2 || !accountId || !recordUuid || !SEGMENT.test(accountId) || !SEGMENT.test(recordUuid)) {
        return json(res, 404, { message: 'Expected /media/pbx/<accountId>/<record_uuid>', code: 'BAD_USER_INPUT' });
      }
      const account = await pbx.connections.get(accountId);
      if (!account) return json(res, 404, { message: `No connected PBX account ${accountId}`, code: 'BAD_USER_INPUT' });

      let upstream;
      try {
        const recordUrl = await pbx.withAccount(account, (grant) => pbx.client.storageUrl(grant, account.clientId ?? '@me', recordUuid));
        upstream = await pbx.client.openRecord(recordUrl);
      } catch (e) {
        if (!isCxError(e)) throw e;
        const code = e.extensions.code;
        const status =
          e.extensions.upstreamStatus === 404 ? 404 : code === 'PROVIDER_NEEDS_REAUTHORIZATION' ? 409 : code === 'PROVIDER_RATE_LIMITED' ? 429 : 502;
        const headers: Record<string, string> = e.extensions.retryAfter !== undefined ? { 'retry-after': String(e.extensions.retryAfter) } : {};
        return json(res, status, { message: status === 404 ? `PBX record ${recordUuid} was not found` : e.message, code }, headers);
      }

      const h = upstream.headers;
      const headers: Record<string, string> = {
        'content-type': h.get('content-type') ?? 'application/octet-stream',
        'cache-control': 'private, no-store',
        'content-disposition': h.get('content-disposition') ?? `inline; filename="${recordUuid}"`,
      };
      const length = h.get('content-length');
      if (length && /^\d+$/.test(length)) headers['content-length'] = length;
      res.writeHead(200, headers);
      if (!upstream.stream) return void res.end();
      try {
        await pipeline(Readable.fromWeb(upstream.stream as unknown as WebReadableStream<Uint8Array>), res);
      } catch (err) {
        // Headers are sent: all that is left is to cut the response so the client sees it incomplete.
        logger.warn({ provider: 'PBX', accountId, err: err instanceof Error ? err.message : String(err) }, 'PBX record stream failed');
        res.destroy();
      }
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}
