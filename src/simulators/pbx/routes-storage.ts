/**
 * The storage host behind the PBX's record links: `GET /storage/records/{uuid}?expires&signature` (route `storage`),
 * a pre-signed link serving the record's file.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { recordWav } from './data.js';
import type { PbxState } from './state.js';

export const STORAGE_PATH = '/storage/records';

export function storageRoutes(sim: PbxState): void {
  sim.server.route('GET', `${STORAGE_PATH}/:uuid`, 'storage', (req) => storage(sim, req));
}

function storage(sim: PbxState, req: SimRequest): SimResponse {
  // Like object stores serving pre-signed links: a second credential is an error, so a client that leaks its
  // PBX token to the storage host fails loudly here.
  if (req.headers.authorization !== undefined) return { status: 400, text: 'Only one auth mechanism allowed: the signature is in the query string' };
  const uuid = req.params['uuid'] ?? '';
  const expires = Number(req.query.get('expires'));
  const signature = req.query.get('signature') ?? '';
  const good = sim.sign(uuid, expires);
  if (!Number.isInteger(expires) || signature.length !== good.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(good))) {
    return { status: 403, text: 'Signature does not match' };
  }
  if (expires < Date.now() / 1000) return { status: 403, text: 'Link expired' };
  const record = sim.records.get(uuid);
  if (!record) return { status: 404, text: 'Not found' };
  return { status: 200, bytes: recordWav(uuid), contentType: 'audio/wav', headers: { 'Content-Disposition': `attachment; filename="${record.file_name}"` } };
}
