/**
 * The opaque `after` cursor of NewVoiceMedia calls. The platform pages with continuation tokens of a page size
 * it chooses, while `calls(first)` promises pages of `first`: so a cursor is a position — the token that fetches
 * an upstream page (null = the first page) plus how many of that page's interactions were already returned —
 * bound to the `from`/`to` it was made for. Stateless: any replica can continue any cursor.
 */
import { badInput } from '../../errors/errors.js';

export interface CallCursor {
  /** Continuation token of the upstream page to fetch; null for the first page. */
  token: string | null;
  /** Interactions of that page already returned. */
  offset: number;
}

interface Encoded {
  v: 1;
  f: number;
  t: number;
  c: string | null;
  o: number;
}

export function encodeCursor(from: Date, to: Date, pos: CallCursor): string {
  const e: Encoded = { v: 1, f: from.getTime(), t: to.getTime(), c: pos.token, o: pos.offset };
  return Buffer.from(JSON.stringify(e), 'utf8').toString('base64url');
}

/** The position in `after`; BAD_USER_INPUT when it is not one of ours or was made for another from/to. */
export function decodeCursor(after: string, from: Date, to: Date): CallCursor {
  let e: Partial<Encoded> | undefined;
  try {
    e = /^[A-Za-z0-9_-]{1,4096}$/.test(after) ? (JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as Partial<Encoded>) : undefined;
  } catch {
    e = undefined;
  }
  const valid =
    e !== undefined &&
    e !== null &&
    e.v === 1 &&
    typeof e.f === 'number' &&
    typeof e.t === 'number' &&
    (e.c === null || (typeof e.c === 'string' && e.c !== '')) &&
    Number.isSafeInteger(e.o) &&
    (e.o as number) >= 0;
  if (!valid) throw badInput('after is not a cursor of NEWVOICEMEDIA calls: pass the endCursor of a previous page unchanged', 'after', 'NEWVOICEMEDIA');
  if (e!.f !== from.getTime() || e!.t !== to.getTime()) {
    throw badInput('after was made for a different from/to: keep from and to unchanged while paging', 'after', 'NEWVOICEMEDIA');
  }
  return { token: e!.c as string | null, offset: e!.o as number };
}
