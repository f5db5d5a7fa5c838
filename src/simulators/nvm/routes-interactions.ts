/**
 * The NewVoiceMedia interaction content API (v3, base `/interaction-content`): `GET /interactions` (route
 * `interactions`), `GET /interactions/{guid}` (`interaction`) and `GET /interactions/{guid}/content/{contentKey}`
 * (`content`, the file itself, with Range support).
 */
import { createHash } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common/sim-http.js';
import { apiRoute, queryParam } from './api-gateway.js';
import type { NvmState } from './state.js';

const BASE = '/interaction-content/interactions';
const MAX_RANGE_MS = 7 * 24 * 3600_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function interactionRoutes(sim: NvmState): void {
  apiRoute(sim, 'interactions', BASE, 'interactions', (req) => listInteractions(sim, req));
  apiRoute(sim, 'interactions', `${BASE}/:guid`, 'interaction', (req) => getInteraction(sim, req));
  apiRoute(sim, 'interactions', `${BASE}/:guid/content/:contentKey`, 'content', (req) => content(sim, req));
}

function listInteractions(sim: NvmState, req: SimRequest): SimResponse {
  const startRaw = queryParam(req.query, 'start');
  const endRaw = queryParam(req.query, 'end');
  const problems: Record<string, string[]> = {};
  if (!startRaw) problems['start'] = ['The start field is required.'];
  if (!endRaw) problems['end'] = ['The end field is required.'];
  if (Object.keys(problems).length) return { status: 400, json: problems };
  const start = Date.parse(startRaw!);
  const end = Date.parse(endRaw!);
  if (Number.isNaN(start)) return { status: 400, json: { start: [`The value '${startRaw}' is not valid for start.`] } };
  if (Number.isNaN(end)) return { status: 400, json: { end: [`The value '${endRaw}' is not valid for end.`] } };
  if (end <= start) return { status: 400, json: { message: 'end must be after start' } };
  if (end - start > MAX_RANGE_MS) return { status: 400, json: { message: 'The time range between start and end must not exceed 7 days' } };

  let offset = 0;
  const token = queryParam(req.query, 'continuationToken');
  if (token) {
    const pos = readContinuation(token, start, end);
    if (pos === null) return { status: 400, json: { message: 'Invalid continuation token' } };
    offset = pos;
  }
  const direction = queryParam(req.query, 'direction')?.toLowerCase();
  const agentId = queryParam(req.query, 'handlingAgentId');
  const from = queryParam(req.query, 'connectFrom');
  const to = queryParam(req.query, 'connectTo');
  const matching = sim.interactions.filter((i) => {
    const t = Date.parse(i.start);
    return (
      t >= start &&
      t < end &&
      (!direction || i.direction === direction) &&
      (!agentId || i.handlingAgents.some((a) => a.id === agentId)) &&
      (!from || i.connectFrom === from) &&
      (!to || i.connectTo === to)
    );
  });
  const items = matching.slice(offset, offset + sim.interactionsPageSize);
  const nextOffset = offset + items.length;
  const next = nextOffset < matching.length ? makeContinuation(nextOffset, start, end) : null;
  return { status: 200, json: { meta: { nextContinuationToken: next }, items } };
}

function getInteraction(sim: NvmState, req: SimRequest): SimResponse {
  const i = sim.interactions.find((x) => x.guid.toLowerCase() === (req.params['guid'] ?? '').toLowerCase());
  return i ? { status: 200, json: i } : { status: 404, json: { message: 'Interaction not found' } };
}

function content(sim: NvmState, req: SimRequest): SimResponse {
  const guid = req.params['guid'] ?? '';
  const i = GUID.test(guid) ? sim.interactions.find((x) => x.guid.toLowerCase() === guid.toLowerCase()) : undefined;
  const c = i?.content.find((x) => x.contentKey === req.params['contentKey']);
  if (!i || !c) return { status: 404, json: { message: 'Content not found' } };
  const file = sim.fileOf(i, c);
  const headers: Record<string, string> = { 'Accept-Ranges': 'bytes', 'Last-Modified': new Date(c.lastModified).toUTCString() };
  const range = parseRange(req.headers.range, file.length);
  if (range === 'unsatisfiable') {
    return { status: 416, headers: { ...headers, 'Content-Range': `bytes */${file.length}` }, json: { message: 'Requested range not satisfiable' } };
  }
  if (range) {
    const [first, last] = range;
    return {
      status: 206,
      headers: { ...headers, 'Content-Range': `bytes ${first}-${last}/${file.length}` },
      bytes: file.subarray(first, last + 1),
      contentType: c.contentType,
    };
  }
  return { status: 200, headers, bytes: file, contentType: c.contentType };
}

/** A single satisfiable byte range as [first, last], 'unsatisfiable', or null (no/ignored Range: whole file). */
function parseRange(header: string | string[] | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  if (typeof header !== 'string') return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // several ranges or another unit: ignored, as RFC 9110 §14.2 allows
  const [, a, b] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const first = Number(a);
  if (first >= size) return 'unsatisfiable';
  const last = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (last < first) return null;
  return [first, last];
}

/** Stateless continuation tokens: the next offset, bound to the query's start/end by a hash. */
function makeContinuation(offset: number, start: number, end: number): string {
  return Buffer.from(JSON.stringify({ o: offset, q: queryHash(start, end) })).toString('base64url');
}

function readContinuation(token: string, start: number, end: number): number | null {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    return Number.isSafeInteger(v.o) && (v.o as number) >= 0 && v.q === queryHash(start, end) ? (v.o as number) : null;
  } catch {
    return null;
  }
}

function queryHash(start: number, end: number): string {
  return createHash('sha256').update(`${start}/${end}`).digest('base64url').slice(0, 12);
}
