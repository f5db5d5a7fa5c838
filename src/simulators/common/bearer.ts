import type { JWTPayload } from 'jose';
import type { SimRequest, SimResponse } from './sim-http.js';
import type { TokenIssuer } from './token-issuer.js';

/**
 * The token of an `Authorization: Bearer <token>` header, or null when the header is
 * absent or uses another scheme. The scheme is case-insensitive (RFC 7235 §2.1).
 */
export function bearerToken(req: SimRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * The 401 a resource server answers. Per RFC 6750 §3.1 a request without any token gets a
 * bare `Bearer` challenge (no error code); a token that is present but expired, revoked or
 * otherwise invalid gets `error="invalid_token"`.
 */
export function unauthorizedResponse(body: unknown, reason: 'missing' | 'invalid'): SimResponse {
  const challenge = reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"';
  return { status: 401, headers: { 'WWW-Authenticate': challenge }, json: body };
}

/**
 * The 403 of RFC 6750 §3.1 for a valid token that lacks the endpoint's scope: asking for a new token with the same
 * scopes cannot help, so clients must not treat it as a 401.
 */
export function insufficientScopeResponse(scope: string, body: unknown): SimResponse {
  return { status: 403, headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` }, json: body };
}

export type BearerCheck = { ok: true; claims: JWTPayload } | { ok: false; response: SimResponse };

/**
 * Extracts and verifies the bearer token of a request against `issuer`; on failure the
 * result carries the platform's 401 with `body`. `accept` adds the platform's own claim
 * checks (tenant, roles…) after signature, expiry and revocation have passed.
 */
export async function checkBearer(
  req: SimRequest,
  issuer: TokenIssuer,
  opts: { body: unknown; audience?: string; scope?: string; accept?: (claims: JWTPayload) => boolean },
): Promise<BearerCheck> {
  const token = bearerToken(req);
  if (token === null) return { ok: false, response: unauthorizedResponse(opts.body, 'missing') };
  const expected: { audience?: string; scope?: string } = {};
  if (opts.audience !== undefined) expected.audience = opts.audience;
  if (opts.scope !== undefined) expected.scope = opts.scope;
  const claims = await issuer.verify(token, expected);
  if (claims === null || (opts.accept !== undefined && !opts.accept(claims))) {
    return { ok: false, response: unauthorizedResponse(opts.body, 'invalid') };
  }
  return { ok: true, claims };
}
