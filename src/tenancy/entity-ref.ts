/**
 * `ref`: the opaque, stable entity key other subgraphs can hold without declaring any cxgraph enum (docs/tenancy.md).
 * base64url of the versioned tuple `[1, provider, account, id]`; the tenant is never in it — a ref is resolved within
 * the caller's own tenant, so one naming another tenant's account or ids finds nothing there.
 */
import { DEFAULT_ACCOUNT } from '../domain/tenant.js';

export interface RefParts {
  provider: string;
  account: string;
  id: string;
}

const VERSION = 1;
const MAX_REF_LENGTH = 1024;

export function encodeRef(provider: string, account: string | undefined, id: string): string {
  return Buffer.from(JSON.stringify([VERSION, provider, account ?? DEFAULT_ACCOUNT, id]), 'utf8').toString('base64url');
}

/** The parts of a ref, or undefined when it is not one cxgraph made (never an error text echoing it). */
export function decodeRef(ref: unknown): RefParts | undefined {
  if (typeof ref !== 'string' || ref.length > MAX_REF_LENGTH || !/^[A-Za-z0-9_-]+$/.test(ref)) return undefined;
  try {
    const t = JSON.parse(Buffer.from(ref, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(t) || t.length !== 4 || t[0] !== VERSION || !t.slice(1).every((x) => typeof x === 'string' && x.length > 0)) return undefined;
    return { provider: t[1] as string, account: t[2] as string, id: t[3] as string };
  } catch {
    return undefined;
  }
}

/** A representation by `ref` or by the older key fields, as {provider, account, id}; undefined when the ref is not valid. */
export function referenced<R extends { provider?: unknown; id?: unknown; ref?: unknown }>(
  rep: R,
): { provider: string; account: string | undefined; id: string } | undefined {
  if (rep.ref !== undefined) {
    const p = decodeRef(rep.ref);
    return p ? { provider: p.provider, account: p.account === DEFAULT_ACCOUNT ? undefined : p.account, id: p.id } : undefined;
  }
  return { provider: String(rep.provider), account: undefined, id: String(rep.id) };
}
