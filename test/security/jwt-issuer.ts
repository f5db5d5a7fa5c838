/**
 * A tiny identity provider for tests: an RS256 key pair, its JWKS served over real HTTP on loopback, and tokens
 * of a fixed issuer and audience signed with it — the variables that point cxgraph's CXGRAPH_AUTH=jwt at it.
 */
import type { webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

// jose 6 works with WebCrypto keys; @types/node has no global CryptoKey type.
type CryptoKey = webcrypto.CryptoKey;

export interface JwtIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** CXGRAPH_AUTH=jwt and the three variables that trust this issuer. */
  env(): Record<string, string>;
  /** A token valid 5 minutes for `sub: app-42`; `claims` add to or override that. */
  sign(claims?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startJwtIssuer(issuer = 'https://idp.example.com/', audience = 'cxgraph-api'): Promise<JwtIssuer> {
  const kid = 'test-key-1';
  const pair = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return {
    issuer,
    audience,
    jwksUrl,
    env: () => ({ CXGRAPH_AUTH: 'jwt', CXGRAPH_JWT_JWKS_URL: jwksUrl, CXGRAPH_JWT_ISSUER: issuer, CXGRAPH_JWT_AUDIENCE: audience }),
    sign(claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: 'app-42', iss: issuer, aud: audience, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid })
        .sign(pair.privateKey as CryptoKey);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
