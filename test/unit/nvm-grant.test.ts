import { describe, expect, it } from 'vitest';
import { ScopedClientCredentialsGrant, scopedGrants } from '../../src/auth/grants/scoped-client-credentials.js';
import { cacheKey } from '../../src/auth/token-manager.js';
import { NVM_SCOPES } from '../../src/providers/nvm/client.js';

const creds = {
  provider: 'NEWVOICEMEDIA' as const,
  tokenUrl: 'https://emea.newvoicemedia.com/Auth/connect/token',
  clientId: 'abcde',
  clientSecret: 's3cret-12345',
};

describe('scoped client credentials (NewVoiceMedia)', () => {
  it('asks for exactly one scope with the client id and secret in the form, as the guide shows', () => {
    const req = new ScopedClientCredentialsGrant({ ...creds, scope: 'agents-availability:read' }).buildRequest();
    expect(req.url).toBe(creds.tokenUrl);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body.toString()).toBe('grant_type=client_credentials&client_id=abcde&client_secret=s3cret-12345&scope=agents-availability%3Aread');
  });

  it('gives each scope its own identity and cache key, none holding the secret', () => {
    const grants = scopedGrants(creds, NVM_SCOPES);
    const keys = Object.values(grants).map((g) => cacheKey(g.identity));
    expect(new Set(keys).size).toBe(3);
    expect(grants.users.identity).toEqual({ provider: 'NEWVOICEMEDIA', tokenUrl: creds.tokenUrl, clientId: 'abcde', scope: 'users:read' });
    for (const g of Object.values(grants)) expect(JSON.stringify(g.identity)).not.toContain(creds.clientSecret);
    for (const k of keys) expect(k).not.toContain(creds.clientSecret);
    // The same scope of the same credentials is the same token, whatever object asks.
    expect(cacheKey(new ScopedClientCredentialsGrant({ ...creds, scope: 'users:read' }).identity)).toBe(cacheKey(grants.users.identity));
  });

  it('refuses more than one scope in one grant', () => {
    expect(() => new ScopedClientCredentialsGrant({ ...creds, scope: 'users:read stats' })).toThrow(/exactly one scope/);
    expect(() => new ScopedClientCredentialsGrant({ ...creds, scope: '' })).toThrow(/exactly one scope/);
  });
});
