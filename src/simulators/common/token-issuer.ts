import { randomUUID, type webcrypto } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, jwtVerify, type JWK, type JWTPayload } from 'jose';

// jose 6 works with WebCrypto keys; @types/node 20 has no global CryptoKey type.
interface KeyPair {
  privateKey: webcrypto.CryptoKey;
  publicKey: webcrypto.CryptoKey;
  kid: string;
}

/**
 * Issues and checks real RS256 JWTs for a simulator, so a client's expiry handling
 * meets a real `exp` (read with a JWT library) rather than an opaque string.
 *
 * Revocation is tracked by `jti`: a token is valid only while its jti is in the live
 * set, so revokeAll() invalidates everything issued so far while tokens issued
 * afterwards stay valid, even within the same second.
 *
 * Two identity-provider faults a client must survive (issue 17 item 6), set through the shell's `/__sim/config`:
 * `clockSkewSec` puts the platform's clock that many seconds behind (`iat`/`nbf`/`exp` are signed, and tokens checked,
 * by that clock, so its API accepts tokens whose `exp` looks past to the client), and `repeatTokens` hands back the
 * token issued last for the same claims, even one the API has since refused.
 */
export interface TokenIssuerOptions {
  /** Seconds the platform's clock is behind (0: none). */
  clockSkewSec?: () => number;
  /** When true, the last token issued for the same claims is handed back instead of a new one. */
  repeatTokens?: () => boolean;
}

export class TokenIssuer {
  /** The real clock (epoch ms) the platform's clock is derived from; tests that drive time set their own. */
  now: () => number = () => Date.now();
  /** The last token issued per set of claims, for `repeatTokens`. */
  private readonly last = new Map<string, string>();

  private keys: Promise<KeyPair> | null = null;
  /** jti → exp (seconds) of every token that is neither revoked nor pruned after expiry. */
  private readonly live = new Map<string, number>();
  private issued = 0;

  constructor(private readonly opts: TokenIssuerOptions = {}) {}

  /** The platform's clock, epoch ms: the real one less the skew. */
  private platformNow(): number {
    return this.now() - (this.opts.clockSkewSec?.() ?? 0) * 1000;
  }

  /** How many tokens this issuer has signed since it was created. */
  get issuedCount(): number {
    return this.issued;
  }

  /**
   * Signs `claims` plus `iat`, `nbf` (both now), `exp` (now + lifetimeSec) and a fresh `jti`;
   * those four always come from the issuer, whatever `claims` holds.
   */
  async issue(claims: Record<string, unknown>, lifetimeSec: number): Promise<string> {
    if (!(Number.isFinite(lifetimeSec) && lifetimeSec > 0)) throw new RangeError('lifetimeSec must be a positive number');
    const claimsKey = JSON.stringify(claims);
    const previous = this.last.get(claimsKey);
    if (previous && this.opts.repeatTokens?.()) {
      this.issued += 1;
      return previous;
    }
    const { privateKey, kid } = await this.keyPair();
    const now = Math.floor(this.platformNow() / 1000);
    const exp = now + Math.floor(lifetimeSec);
    const jti = randomUUID();
    const { iat: _iat, nbf: _nbf, exp: _exp, jti: _jti, ...rest } = claims;
    const token = await new SignJWT(rest)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(privateKey);
    this.prune(now);
    this.live.set(jti, exp);
    if (this.last.size > 1_000) this.last.clear();
    this.last.set(claimsKey, token);
    this.issued += 1;
    return token;
  }

  /**
   * The payload when the token was signed by this issuer, is within nbf/exp by the platform's
   * clock (`now()` less the skew, no tolerance), is not revoked and matches `expected`; otherwise null.
   * `scope` must be one of the space-separated values of the token's `scope` or `scp` claim
   * (RFC 9068 / Azure AD), or an element of it when the claim is an array.
   */
  async verify(token: string, expected: { audience?: string; scope?: string } = {}): Promise<JWTPayload | null> {
    const { publicKey } = await this.keyPair();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, publicKey, {
        algorithms: ['RS256'],
        currentDate: new Date(this.platformNow()),
        ...(expected.audience !== undefined ? { audience: expected.audience } : {}),
      }));
    } catch {
      return null;
    }
    if (typeof payload.jti !== 'string' || !this.live.has(payload.jti)) return null;
    if (expected.scope !== undefined && !grantedScopes(payload).includes(expected.scope)) return null;
    return payload;
  }

  /** Revokes every token issued so far; tokens issued later are unaffected. */
  revokeAll(): void {
    this.live.clear();
  }

  /** Revokes one token; true when it was live. Does not check the signature. */
  revoke(token: string): boolean {
    try {
      const { jti } = decodeJwt(token);
      return typeof jti === 'string' && this.live.delete(jti);
    } catch {
      return false;
    }
  }

  /** The public key set, for simulators whose platform publishes one. */
  async jwks(): Promise<{ keys: JWK[] }> {
    const { publicKey, kid } = await this.keyPair();
    const jwk = await exportJWK(publicKey);
    return { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };
  }

  /** One key pair per issuer, generated on first use (RSA generation takes tens of ms). */
  private keyPair(): Promise<KeyPair> {
    this.keys ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
      return { privateKey, publicKey, kid };
    })();
    return this.keys;
  }

  /** Forgets expired tokens once the set grows, so long benchmarks do not leak memory. */
  private prune(nowSec: number): void {
    if (this.live.size < 10_000) return;
    for (const [jti, exp] of this.live) {
      if (exp <= nowSec) this.live.delete(jti);
    }
  }
}

function grantedScopes(payload: JWTPayload): string[] {
  const claim = payload['scope'] ?? payload['scp'];
  if (typeof claim === 'string') return claim.split(' ').filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((s): s is string => typeof s === 'string');
  return [];
}
