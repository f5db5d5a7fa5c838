/** The PBX grants: the exact token requests they build and how their responses are read (pure, no I/O). */
import { describe, expect, it } from 'vitest';
import { PbxAuthorizationCodeGrant, processPbxTokenResponse } from '../../src/auth/grants/pbx-authorization-code.js';
import { PbxTrustedAppGrant } from '../../src/auth/grants/pbx-trusted-app.js';
import { cacheKey } from '../../src/auth/token-manager.js';
import { isCxError } from '../../src/errors/errors.js';

const TOKEN_URL = 'https://apiproxy.telphin.ru/oauth/token';

describe('PbxAuthorizationCodeGrant', () => {
  const grant = new PbxAuthorizationCodeGrant({
    tokenUrl: TOKEN_URL,
    clientId: 'a80f1e618ddd4d4584e2bd48fd404194',
    clientSecret: 'a2423941f5be408c998d5f7207570990',
    redirectUri: 'https://cx.example.com/oauth/pbx/callback',
    code: 'aIlsm1bCglDGvQKShmJAhHrBhDyshn',
    attempt: 'abc123',
  });

  it('sends the documented form: grant_type, code, redirect_uri, client_id and client_secret in the body', () => {
    const req = grant.buildRequest();
    expect(req.url).toBe(TOKEN_URL);
    expect(Object.fromEntries(req.body)).toEqual({
      grant_type: 'authorization_code',
      code: 'aIlsm1bCglDGvQKShmJAhHrBhDyshn',
      redirect_uri: 'https://cx.example.com/oauth/pbx/callback',
      client_id: 'a80f1e618ddd4d4584e2bd48fd404194',
      client_secret: 'a2423941f5be408c998d5f7207570990',
    });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('refreshes with grant_type=refresh_token and the client credentials', () => {
    expect(Object.fromEntries(grant.buildRefreshRequest('r-1').body)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'r-1',
      client_id: 'a80f1e618ddd4d4584e2bd48fd404194',
      client_secret: 'a2423941f5be408c998d5f7207570990',
    });
  });

  it('is keyed by the consent attempt, never by the code or the secret', () => {
    expect(grant.identity).toEqual({
      provider: 'PBX',
      tokenUrl: TOKEN_URL,
      clientId: 'a80f1e618ddd4d4584e2bd48fd404194',
      scope: 'all',
      subject: 'consent:abc123',
    });
    const key = cacheKey(grant.identity);
    expect(key).not.toContain('aIlsm1bCglDGvQKShmJAhHrBhDyshn');
    expect(key).not.toContain('a2423941f5be408c998d5f7207570990');
  });

  it('reads the documented response, keeping the refresh token, and assumes 3600 s without expires_in', () => {
    const t = grant.processResponse({ access_token: 'pyt4ZUcLWc2FP3t10OJUN2N4Xh2qes', token_type: 'Bearer', refresh_token: 'r-2' }, 1_000);
    expect(t).toMatchObject({
      accessToken: 'pyt4ZUcLWc2FP3t10OJUN2N4Xh2qes',
      tokenType: 'Bearer',
      refreshToken: 'r-2',
      obtainedAt: 1_000,
      expiresAt: 1_000 + 3_600_000,
    });
    expect(grant.processResponse({ access_token: 'x', token_type: 'bearer', expires_in: 60 }, 0)).toMatchObject({ tokenType: 'Bearer', expiresAt: 60_000 });
  });

  it('refuses a token type other than Bearer, and a body without access_token, as PROVIDER_ERROR', () => {
    for (const body of [{ access_token: 'x', token_type: 'mac' }, { token_type: 'Bearer' }, 'nope']) {
      let err: unknown;
      try {
        processPbxTokenResponse(body, 0);
      } catch (e) {
        err = e;
      }
      expect(isCxError(err) && err.extensions).toMatchObject({ code: 'PROVIDER_ERROR', provider: 'PBX' });
    }
  });
});

describe('PbxTrustedAppGrant', () => {
  const grant = new PbxTrustedAppGrant({ tokenUrl: TOKEN_URL, accountId: '20', clientId: 'trusted-1', clientSecret: 's3cr3t-trusted' });

  it('asks with client_credentials and the trusted app id and secret in the body, without scope', () => {
    expect(Object.fromEntries(grant.buildRequest().body)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'trusted-1',
      client_secret: 's3cr3t-trusted',
    });
  });

  it('acts for the account: subject is the account id, renewed before expiry, no refresh path', () => {
    expect(grant.identity).toEqual({ provider: 'PBX', tokenUrl: TOKEN_URL, clientId: 'trusted-1', scope: '', subject: '20' });
    expect(grant.renewBeforeExpiry).toBe(true);
    expect('buildRefreshRequest' in grant).toBe(false);
    const other = new PbxTrustedAppGrant({ tokenUrl: TOKEN_URL, accountId: '21', clientId: 'trusted-1', clientSecret: 's3cr3t-trusted' });
    expect(cacheKey(other.identity)).not.toBe(cacheKey(grant.identity));
  });

  it('drops a refresh token the server might send, so a renewal always proves the app still exists', () => {
    const t = grant.processResponse({ access_token: 'a', token_type: 'Bearer', expires_in: 3600, refresh_token: 'r' }, 0);
    expect(t.refreshToken).toBeUndefined();
    expect(t.expiresAt).toBe(3_600_000);
  });
});
