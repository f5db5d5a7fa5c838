/**
 * The CloudCX password grant, alone and driven by the token manager with an injected clock and token
 * endpoint: the refresh token renews an expired token, the password is sent again only when the refresh
 * is refused, and the rotated refresh token is the one used next.
 */
import { describe, expect, it } from 'vitest';
import { PasswordGrant } from '../../src/auth/grants/password-grant.js';
import { cacheKey } from '../../src/auth/token-manager.js';
import { tokenManagerOver, type FetchLike } from '../support/token-manager.js';
import { MemoryKvStore } from '../../src/store/memory-store.js';
import { SecretBox } from '../../src/store/secret-box.js';
import { LogCapture } from '../support/log-capture.js';

const creds = {
  provider: 'CLOUDCX' as const,
  tokenUrl: 'https://cx.example.com:9001/oauth/token',
  clientId: '260390634491792831814845',
  clientSecret: 'client-secret-value',
  username: 'simon.admin',
  password: 'pa ss&word=1',
};

describe('PasswordGrant', () => {
  it('asks for a password grant with the client credentials in the form', () => {
    const req = new PasswordGrant(creds).buildRequest();
    expect(req.url).toBe(creds.tokenUrl);
    expect(Object.fromEntries(req.body)).toEqual({
      grant_type: 'password',
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      username: creds.username,
      password: creds.password,
    });
    expect(req.body.toString()).toContain('password=pa+ss%26word%3D1');
  });

  it('refreshes with the refresh token and the client credentials, never the password', () => {
    const req = new PasswordGrant(creds).buildRefreshRequest('rt-1');
    expect(Object.fromEntries(req.body)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'rt-1',
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    });
  });

  it('is identified by token URL, client and user — never by a secret', () => {
    const g = new PasswordGrant(creds);
    expect(g.identity).toEqual({ provider: 'CLOUDCX', tokenUrl: creds.tokenUrl, clientId: creds.clientId, scope: '', subject: 'simon.admin' });
    expect(cacheKey(g.identity)).toBe(cacheKey(new PasswordGrant({ ...creds, password: 'rotated', clientSecret: 'rotated' }).identity));
    expect(cacheKey(g.identity)).not.toBe(cacheKey(new PasswordGrant({ ...creds, username: 'other' }).identity));
  });
});

describe('PasswordGrant with the token manager', () => {
  function setup() {
    let now = 1_700_000_000_000;
    let n = 0;
    const requests: Record<string, string>[] = [];
    const refuse: string[] = [];
    const fetch: FetchLike = async (_url, init) => {
      const form = Object.fromEntries(new URLSearchParams(String(init.body)));
      requests.push(form);
      if (form.grant_type === 'refresh_token' && refuse.includes(form.refresh_token!)) {
        return new Response(JSON.stringify({ error: 'invalid_grant', error_description: `Invalid refresh token: ${form.refresh_token}` }), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        });
      }
      n++;
      return new Response(JSON.stringify({ access_token: `at-${n}`, token_type: 'Bearer', refresh_token: `rt-${n}`, expires_in: 3599 }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const logs = new LogCapture();
    const store = new MemoryKvStore(new SecretBox([Buffer.alloc(32, 1)]));
    const tokens = tokenManagerOver({ store, logger: logs.logger, fetch, clock: { now: () => now }, random: () => 0 });
    return { tokens, store, requests, refuse, logs, advance: (ms: number) => (now += ms) };
  }

  it('renews an expired token with the refresh token, then with the rotated one', async () => {
    const s = setup();
    const g = new PasswordGrant(creds);
    expect((await s.tokens.getToken(g)).accessToken).toBe('at-1');
    s.advance(3_600_000);
    expect((await s.tokens.getToken(g)).accessToken).toBe('at-2');
    s.advance(3_600_000);
    expect((await s.tokens.getToken(g)).accessToken).toBe('at-3');
    expect(s.requests.map((r) => r.grant_type)).toEqual(['password', 'refresh_token', 'refresh_token']);
    expect(s.requests.map((r) => r.refresh_token)).toEqual([undefined, 'rt-1', 'rt-2']);
    expect((await s.store.get<{ refreshToken: string }>(cacheKey(g.identity)))!.refreshToken).toBe('rt-3');
  });

  it('sends the password again only when the refresh token is refused (invalid_grant)', async () => {
    const s = setup();
    const g = new PasswordGrant(creds);
    await s.tokens.getToken(g);
    s.refuse.push('rt-1');
    s.advance(3_600_000);
    expect((await s.tokens.getToken(g)).accessToken).toBe('at-2');
    expect(s.requests.map((r) => r.grant_type)).toEqual(['password', 'refresh_token', 'password']);
    expect(s.logs.text).toContain('refresh token refused');
    expect(s.logs.text).not.toContain('rt-1');
    expect(s.logs.text).not.toContain(creds.password);
  });
});
