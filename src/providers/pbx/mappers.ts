/**
 * Telphin PBX bodies → schema models, and the small formats the PBX API and cxgraph's PBX pages agree on
 * (GMT date strings, opaque call cursors). Where the platform is silent (docs/providers/pbx.md#choices-where-the-platform-is-silent), the choice is made here,
 * once, and documented in docs/providers/pbx.md.
 */
import { CxError, badInput } from '../../errors/errors.js';
import type { AgentModel, CallMediaModel, CallModel, PbxAccountModel } from '../../domain/models.js';
import type { PbxCallBody, PbxConnectionRecord, PbxExtensionBody, PbxTrustedAppCredentials, PbxUserBody } from './types.js';

/** `1`, `"1"` → `"1"`; null, undefined, `""` → null. The PBX sends numeric ids; the schema's IDs are strings. */
export function idOrNull(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  return null;
}

/** Checks the `/api/ver1.0/user/` body: `id` and `login` are what an account is; anything else is optional. */
export function isPbxUser(b: unknown): b is PbxUserBody {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
  const o = b as Record<string, unknown>;
  return idOrNull(o.id) !== null && typeof o.login === 'string' && o.login.length > 0;
}

/** The stored account fields of a user body (status and trusted app are added by the connect flow). */
export function accountFieldsOf(u: PbxUserBody): Omit<PbxConnectionRecord, 'status' | 'statusReason' | 'trustedApp' | 'connectedAt'> {
  return {
    id: idOrNull(u.id)!,
    login: u.login,
    admin: u.admin === true,
    access: typeof u.access === 'string' && u.access ? u.access : null,
    clientId: idOrNull(u.client_id),
    dealerId: idOrNull(u.dealer_id),
    extensionGroupId: idOrNull(u.extension_group_id),
    extensionId: idOrNull(u.extension_id),
    timezone: typeof u.timezone === 'string' && u.timezone ? u.timezone : null,
  };
}

/** A stored connection as the schema's PbxAccount: never its trusted app. */
export function toPbxAccount(r: PbxConnectionRecord): PbxAccountModel {
  return {
    id: r.id,
    login: r.login,
    admin: r.admin,
    access: r.access,
    clientId: r.clientId,
    dealerId: r.dealerId,
    extensionGroupId: r.extensionGroupId,
    extensionId: r.extensionId,
    timezone: r.timezone,
    status: r.status,
  };
}

/**
 * The reply of `POST /api/ver1.0/application/`. Field names are undocumented: the id is read from `id` or
 * `client_id`, the secret from `secret` or `client_secret` (first present wins). A reply with neither is a
 * PROVIDER_ERROR that names the fields it did have — never their values.
 */
export function trustedAppFromReply(body: unknown): PbxTrustedAppCredentials {
  const o = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const clientId = idOrNull(o.id) ?? idOrNull(o.client_id);
  const secret = [o.secret, o.client_secret].find((s): s is string => typeof s === 'string' && s.length > 0);
  if (!clientId || !secret) {
    const fields = Object.keys(o).slice(0, 20).join(', ') || 'none';
    throw new CxError(
      `PBX created the trusted application but its reply lacks ${!clientId ? 'an id (id/client_id)' : 'a secret (secret/client_secret)'}; fields present: ${fields}`,
      { code: 'PROVIDER_ERROR', provider: 'PBX' },
    );
  }
  return { clientId, clientSecret: secret };
}

/** A phone extension as an Agent: the label an administrator gave it, else its name (e.g. `12*101`). */
export function toAgent(e: PbxExtensionBody): AgentModel {
  const label = typeof e.label === 'string' && e.label.trim() ? e.label.trim() : null;
  const name = typeof e.name === 'string' && e.name.trim() ? e.name.trim() : null;
  return { provider: 'PBX', id: idOrNull(e.id)!, name: label ?? name, userId: null };
}

export function isExtension(e: unknown): e is PbxExtensionBody {
  return Boolean(e) && typeof e === 'object' && idOrNull((e as Record<string, unknown>).id) !== null;
}

/**
 * `flow` values are undocumented. `in`/`incoming`/`inbound` → INBOUND, `out`/`outgoing`/`outbound` → OUTBOUND;
 * everything else (`internal`, `local`, absent, unknown) → INTERNAL, which the schema defines as "between
 * extensions, or a direction the platform did not state".
 */
export function directionOf(flow: unknown): CallModel['direction'] {
  const f = typeof flow === 'string' ? flow.trim().toLowerCase() : '';
  if (f === 'in' || f === 'incoming' || f === 'inbound') return 'INBOUND';
  if (f === 'out' || f === 'outgoing' || f === 'outbound') return 'OUTBOUND';
  return 'INTERNAL';
}

/** Where cxgraph serves a PBX record: `/media/pbx/<accountId>/<record_uuid>` (media-route.ts). */
export function mediaPath(accountId: string, recordUuid: string): string {
  return `/media/pbx/${encodeURIComponent(accountId)}/${encodeURIComponent(recordUuid)}`;
}

/**
 * A call history entry as a Call. `startTime` is `start_time_gmt`, else `init_time_gmt`; each CDR leg with a
 * `record_uuid` is a callRecording served through cxgraph by the account that listed it (its file name and size
 * are read when the leg carries them: the documented CDR holds only `record_uuid`).
 */
export function toCall(c: PbxCallBody, accountId: string): CallModel {
  const duration = Number(c.duration);
  const seen = new Set<string>();
  const media: CallMediaModel[] = [];
  for (const leg of Array.isArray(c.cdr) ? c.cdr : []) {
    const uuid = typeof leg?.record_uuid === 'string' ? leg.record_uuid.trim() : '';
    if (!uuid || seen.has(uuid)) continue;
    seen.add(uuid);
    const size = Number(leg.record_file_size);
    const filename = typeof leg.file_name === 'string' && leg.file_name ? leg.file_name : null;
    media.push({
      key: uuid,
      kind: 'callRecording',
      contentType: filename ? contentTypeOf(filename) : null,
      contentLength: Number.isSafeInteger(size) && size >= 0 ? size : null,
      filename,
      downloadPath: mediaPath(accountId, uuid),
    });
  }
  const extensionId = idOrNull(c.extension_id);
  return {
    provider: 'PBX',
    id: c.call_uuid,
    startTime: fromPbxDate(c.start_time_gmt) ?? fromPbxDate(c.init_time_gmt),
    direction: directionOf(c.flow),
    from: typeof c.from_username === 'string' && c.from_username ? c.from_username : null,
    to: typeof c.to_username === 'string' && c.to_username ? c.to_username : null,
    durationSeconds: c.duration !== null && c.duration !== undefined && Number.isFinite(duration) && duration >= 0 ? Math.round(duration) : null,
    // Id only: Agent.name looks the extension's label up in the agent list, once per request.
    agents: extensionId ? [{ provider: 'PBX', id: extensionId, userId: null }] : [],
    media,
  };
}

export function isCallHistory(b: unknown): b is { call_history: PbxCallBody[] } {
  if (!b || typeof b !== 'object') return false;
  const list = (b as Record<string, unknown>).call_history;
  return Array.isArray(list) && list.every((c) => Boolean(c) && typeof c === 'object' && typeof (c as Record<string, unknown>).call_uuid === 'string');
}

function contentTypeOf(filename: string): string | null {
  const ext = filename.toLowerCase().split('.').pop();
  return ext === 'mp3' ? 'audio/mpeg' : ext === 'wav' ? 'audio/wav' : ext === 'ogg' ? 'audio/ogg' : null;
}

/** A Date as the PBX's `YYYY-MM-DD HH:MM:SS` in GMT (seconds precision: fractions are dropped). */
export function toPbxDate(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` GMT → ISO 8601 UTC; null when absent or not in that form. */
export function fromPbxDate(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?Z?$/.exec(s.trim());
  if (!m) return null;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 4) : ''}Z`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * Where the next PBX calls page starts. Calls of several connected PBX clients are walked client after client
 * (in a stable order), each page by page; the cursor is bound to the query's from/to/first so that page
 * arithmetic stays valid.
 */
export interface CallCursor {
  /** The PBX client key the page belongs to. */
  client: string;
  /** 1-based PBX page within that client. */
  page: number;
  first: number;
  from: number;
  to: number;
}

export function encodeCallCursor(c: CallCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, c: c.client, p: c.page, n: c.first, f: c.from, t: c.to })).toString('base64url');
}

/** Decodes `after`; BAD_USER_INPUT (field `after`) when it is not a PBX cursor or belongs to another query. */
export function decodeCallCursor(after: string, q: { first: number; from: number; to: number }): CallCursor {
  let o: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) o = parsed as Record<string, unknown>;
  } catch {
    o = undefined;
  }
  if (!o || o.v !== 1 || typeof o.c !== 'string' || !Number.isInteger(o.p) || (o.p as number) < 1) {
    throw badInput('after is not a cursor from a previous PBX calls page (pass pageInfo.endCursor as it came)', 'after', 'PBX');
  }
  if (o.n !== q.first || o.f !== q.from || o.t !== q.to) {
    throw badInput('after belongs to a PBX calls query with other from/to/first; repeat those arguments with the cursor', 'after', 'PBX');
  }
  return { client: o.c, page: o.p as number, first: q.first, from: q.from, to: q.to };
}
