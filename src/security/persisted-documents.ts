/**
 * Trusted documents (docs/frontends.md, "Trusted documents"). CXGRAPH_PERSISTED_DOCUMENTS names an Apollo persisted query
 * manifest — `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ id, name, type, body }] }`,
 * the file Apollo Router's persisted query lists use — and a request may then name a listed document by its id in
 * `extensions.persistedQuery.sha256Hash` instead of sending it. That is the field Apollo Client's persisted-query link
 * sends, Apollo Router reads (its safelisting), and Apollo Server already understands (APQ): one client works against
 * cxgraph and against a router given the same manifest. (`documentId`, the GraphQL-over-HTTP draft's field, is read by
 * neither Apollo Router nor Apollo Server.)
 *
 * An id in the manifest becomes that document before Apollo Server sees the request, as the router does it: the
 * `persistedQuery` extension is removed, so what runs is an ordinary request for exactly the listed text (APQ's cache is
 * not involved). An id not in the manifest is left to APQ — unless CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true, where
 * nothing but a listed document runs: an unknown id is PERSISTED_QUERY_NOT_IN_LIST and any other document
 * QUERY_NOT_IN_SAFELIST (Apollo Router's codes), answered 400 before anything is parsed for execution, so no platform
 * is ever asked. Two kinds of documents still run under `_ONLY`:
 * - from a caller authenticated as the router (CXGRAPH_AUTH=router-secret): the router plans its own documents
 *   (`_entities` fetches for other subgraphs' references, `_service { sdl }`), which no manifest can list, and it
 *   safelists its clients itself against the same manifest. Nobody else may send `_entities`: it selects any field of
 *   any entity (a call's media links, a user's details), which would reopen what the list closes;
 * - documents that select only `_service` (the SDL composition needs; no platform call) or, while introspection is on
 *   (CXGRAPH_INTROSPECTION), only `__schema`/`__type`/`__typename`, as the router allows introspection.
 *
 * In every mode a `persistedQuery` whose hash is not 64 lowercase hex characters (nor a listed id) is 400 BAD_REQUEST.
 * This gate judges the request; trusted-documents-plugin.ts judges the document it resolved to, just before it runs.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { Kind, parse, type DocumentNode } from 'graphql';
import type { Caller } from '../domain/caller.js';

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

export interface ManifestOperation {
  id: string;
  body: string;
  name?: string;
  type?: string;
}

/** CXGRAPH_PERSISTED_DOCUMENTS (the manifest read at start-up) and CXGRAPH_PERSISTED_DOCUMENTS_ONLY. */
export interface PersistedDocumentsConfig {
  path: string;
  only: boolean;
  operations: readonly ManifestOperation[];
}

/** Reads and checks a manifest; every problem says what was expected and what came. */
export function readManifest(path: string): { ok: true; operations: ManifestOperation[] } | { ok: false; problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problem: `cannot read ${path} (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (code ?? String(e))})`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `${path} is not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const shape = `an Apollo persisted query manifest: { "format": "${MANIFEST_FORMAT}", "version": 1, "operations": [{ "id", "name", "type", "body" }] }`;
  const m = json as { format?: unknown; version?: unknown; operations?: unknown };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, problem: `${path}: expected ${shape}` };
  if (m.format !== MANIFEST_FORMAT) return { ok: false, problem: `${path}: expected ${shape}, got format ${JSON.stringify(m.format ?? null)}` };
  if (m.version !== 1) return { ok: false, problem: `${path}: expected manifest version 1, got ${JSON.stringify(m.version ?? null)}` };
  if (!Array.isArray(m.operations)) return { ok: false, problem: `${path}: expected "operations" to be a list` };
  const operations: ManifestOperation[] = [];
  const seen = new Map<string, string>();
  for (const [i, raw] of (m.operations as unknown[]).entries()) {
    const op = raw as Partial<Record<keyof ManifestOperation, unknown>> | null;
    const where = `${path}: operation #${i + 1}`;
    if (typeof op !== 'object' || op === null) return { ok: false, problem: `${where} is not an object` };
    if (typeof op.id !== 'string' || op.id === '') return { ok: false, problem: `${where} has no "id"` };
    if (typeof op.body !== 'string' || op.body.trim() === '') return { ok: false, problem: `${where} (${op.id}) has no "body"` };
    try {
      parse(op.body);
    } catch (e) {
      return { ok: false, problem: `${where} (${op.id}) is not a GraphQL document: ${e instanceof Error ? e.message : String(e)}` };
    }
    const before = seen.get(op.id);
    if (before !== undefined && before !== op.body) return { ok: false, problem: `${where}: the id ${op.id} is listed twice with different bodies` };
    seen.set(op.id, op.body);
    operations.push({
      id: op.id,
      body: op.body,
      name: typeof op.name === 'string' ? op.name : undefined,
      type: typeof op.type === 'string' ? op.type : undefined,
    });
  }
  return { ok: true, operations };
}

/** Why a request was refused: Apollo Router's codes for the same refusals. */
export interface DocumentRefusal {
  ok: false;
  code: 'PERSISTED_QUERY_NOT_IN_LIST' | 'QUERY_NOT_IN_SAFELIST' | 'CANNOT_SEND_PQ_ID_AND_BODY' | 'BAD_REQUEST';
  message: string;
}

/** The request as Apollo Server will get it: ids replaced by their documents. */
export type Admission = { ok: true; search: string; body: unknown } | DocumentRefusal;

export interface DocumentGate {
  admit(method: string, search: string, body: unknown, caller: Caller): Admission;
}

interface GateOptions {
  /** CXGRAPH_INTROSPECTION: introspection-only documents run under `_ONLY` while it is on. */
  introspection: boolean;
  /** CXGRAPH_MAX_TOKENS: the parser stops a huge document before it is checked. */
  maxTokens: number;
}

type Operation = { query?: unknown; extensions?: unknown; [k: string]: unknown };

/** What Apollo Client, Apollo Router and Apollo Server send and compute as a document's hash: SHA-256, lowercase hex. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The `persistedQuery` extension's hash, checked before anything else reads it: exactly 64 lowercase hex characters
 * (or an id listed in the manifest, for manifests with ids of their own). Apollo Server looks any other value up
 * as it is — an array `["<hash>"]` becomes the cache key `apq:<hash>` — so a hash of another shape would reach a
 * document registered elsewhere past every check that expects a string.
 */
function persistedQueryHash(ext: unknown, listed: ReadonlyMap<string, unknown>): { ok: true; id?: string } | DocumentRefusal {
  const pq = ext && typeof ext === 'object' ? (ext as { persistedQuery?: unknown }).persistedQuery : undefined;
  // Apollo Server reads the extension only when it is truthy: anything else is no persisted query.
  if (!pq) return { ok: true };
  const hash = typeof pq === 'object' ? (pq as { sha256Hash?: unknown }).sha256Hash : undefined;
  if (typeof hash === 'string' && (SHA256_HEX.test(hash) || listed.has(hash))) return { ok: true, id: hash };
  const got = typeof pq !== 'object' || Array.isArray(pq) ? `a persistedQuery that is ${describe(pq)}` : describe(hash);
  return {
    ok: false,
    code: 'BAD_REQUEST',
    message: `extensions.persistedQuery.sha256Hash must be the SHA-256 of the document as 64 lowercase hexadecimal characters, got ${got}`,
  };
}

function describe(v: unknown): string {
  if (v === undefined) return 'none';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `a string of ${v.length} characters${/^[0-9A-Fa-f]{64}$/.test(v) ? ' with capital letters' : ''}`;
  return `a ${typeof v}`;
}

export function createDocumentGate(config: PersistedDocumentsConfig | undefined, opts: GateOptions): DocumentGate {
  const byId = new Map((config?.operations ?? []).map((o) => [o.id, o]));
  const bodies = new Set((config?.operations ?? []).map((o) => o.body));
  const listedName = 'CXGRAPH_PERSISTED_DOCUMENTS';

  /** One operation of a request: its id resolved, or the reason it may not run. */
  const admitOne = (op: Operation, caller: Caller): { op: Operation } | { refused: DocumentRefusal } => {
    const out = check(op, caller);
    return out.ok ? { op: out.op } : { refused: out };
  };
  const check = (op: Operation, caller: Caller): { ok: true; op: Operation } | DocumentRefusal => {
    const ext = op.extensions;
    const hash = persistedQueryHash(ext, byId);
    if (hash.ok === false) return hash;
    const id = hash.id;
    const query = typeof op.query === 'string' ? op.query : undefined;
    if (!config) return { ok: true, op };
    if (id !== undefined) {
      const listed = byId.get(id);
      if (listed) {
        if (query !== undefined && query !== listed.body) {
          return {
            ok: false,
            code: 'CANNOT_SEND_PQ_ID_AND_BODY',
            message: `The document sent is not the one listed under id ${id} in ${listedName}: send the id alone`,
          };
        }
        const { persistedQuery: _resolved, ...otherExtensions } = ext as Record<string, unknown>;
        return { ok: true, op: { ...op, query: listed.body, extensions: otherExtensions } };
      }
      if (config.only && caller.kind !== 'router') {
        return {
          ok: false,
          code: 'PERSISTED_QUERY_NOT_IN_LIST',
          message: `Persisted document ${id} is not in the list of trusted documents (${listedName}); this cxgraph runs no other (CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true)`,
        };
      }
      return { ok: true, op }; // APQ's, when enabled
    }
    if (!config.only || caller.kind === 'router' || query === undefined || bodies.has(query) || freeToRun(query, opts)) return { ok: true, op };
    return {
      ok: false,
      code: 'QUERY_NOT_IN_SAFELIST',
      message: `This cxgraph runs only the trusted documents of ${listedName} (CXGRAPH_PERSISTED_DOCUMENTS_ONLY=true): send a listed document's id in extensions.persistedQuery.sha256Hash`,
    };
  };

  return {
    admit(method, search, body, caller) {
      if (method === 'GET') {
        const params = new URLSearchParams(search);
        const op: Operation = { query: params.get('query') ?? undefined, extensions: jsonOrUndefined(params.get('extensions')) };
        const out = admitOne(op, caller);
        if ('refused' in out) return out.refused;
        if (out.op === op) return { ok: true, search, body };
        params.set('query', out.op.query as string);
        const rest = out.op.extensions as Record<string, unknown>;
        if (Object.keys(rest).length) params.set('extensions', JSON.stringify(rest));
        else params.delete('extensions');
        return { ok: true, search: `?${params.toString()}`, body };
      }
      if (Array.isArray(body)) {
        const out = body.map((b) => (isOperation(b) ? admitOne(b, caller) : { op: b as Operation }));
        const refused = out.find((o) => 'refused' in o);
        return refused && 'refused' in refused ? refused.refused : { ok: true, search, body: out.map((o) => ('op' in o ? o.op : undefined)) };
      }
      if (!isOperation(body)) return { ok: true, search, body };
      const out = admitOne(body, caller);
      return 'refused' in out ? out.refused : { ok: true, search, body: out.op };
    },
  };
}

function isOperation(b: unknown): b is Operation {
  return typeof b === 'object' && b !== null && !Array.isArray(b);
}

function jsonOrUndefined(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

const SCHEMA_FIELDS = new Set(['_service', '__typename']);
const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

/**
 * A document that needs no listing under `_ONLY`: queries whose top-level fields are all `_service`/`__typename`, or,
 * with introspection on, all introspection fields. Anything that does not parse is refused, never explained.
 */
function freeToRun(query: string, opts: GateOptions): boolean {
  let doc: DocumentNode;
  try {
    doc = parse(query, { noLocation: true, maxTokens: opts.maxTokens });
  } catch {
    return false;
  }
  return freeToRunDocument(doc, opts.introspection);
}

/** freeToRun of a document already parsed (the one Apollo is about to execute). */
export function freeToRunDocument(doc: DocumentNode, introspection: boolean): boolean {
  const operations = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0) return false;
  return operations.every((op) => {
    if (op.kind !== Kind.OPERATION_DEFINITION || op.operation !== 'query') return false;
    const fields = op.selectionSet.selections;
    const only = (allowed: Set<string>) => fields.every((s) => s.kind === Kind.FIELD && allowed.has(s.name.value));
    return only(SCHEMA_FIELDS) || (introspection && only(INTROSPECTION_FIELDS));
  });
}

/** 400 with a GraphQL-shaped body, in the media type the client asked for (as Apollo Server answers). */
export function sendDocumentRefusal(res: ServerResponse, refusal: DocumentRefusal, accept: string | undefined): void {
  const text = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  const type = accept?.includes('application/graphql-response+json') ? 'application/graphql-response+json' : 'application/json';
  res.writeHead(400, { 'content-type': `${type}; charset=utf-8`, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
