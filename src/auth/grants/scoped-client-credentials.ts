/**
 * Client credentials where every token is for exactly ONE scope, as NewVoiceMedia (Vonage Contact Center)
 * requires: "When you request a bearer access token for your credentials, you need to specify which one of
 * the scopes the token is for" (docs/providers/newvoicemedia.md#token-request-and-response). `client_id` and `client_secret` go in the form body, as
 * the platform's guide sends them. One credential therefore yields one Grant per scope: each has its own
 * identity (the scope is part of it), so each scope's token is cached, renewed and invalidated on its own.
 */
import type { ProviderName } from '../../domain/provider-name.js';
import { formRequest, type Grant, type GrantIdentity, type TokenHttpRequest } from '../grant.js';

export interface ScopedClientCredentials {
  provider: ProviderName;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Exactly one scope value, e.g. `users:read`. */
  scope: string;
}

export class ScopedClientCredentialsGrant implements Grant {
  readonly identity: GrantIdentity;
  readonly renewBeforeExpiry = true;
  constructor(private readonly c: ScopedClientCredentials) {
    if (!/^\S+$/.test(c.scope)) {
      // A programming error, not user input: the scopes are constants of the provider's client.
      throw new TypeError(`a scoped client-credentials grant takes exactly one scope, got ${JSON.stringify(c.scope)}`);
    }
    this.identity = { provider: c.provider, tokenUrl: c.tokenUrl, clientId: c.clientId, scope: c.scope };
  }

  get scope(): string {
    return this.c.scope;
  }

  buildRequest(): TokenHttpRequest {
    return formRequest(this.c.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: this.c.clientId,
      client_secret: this.c.clientSecret,
      scope: this.c.scope,
    });
  }
}

/** One grant per scope of one credential, keyed by the caller's names for them. */
export function scopedGrants<K extends string>(
  credentials: Omit<ScopedClientCredentials, 'scope'>,
  scopes: Readonly<Record<K, string>>,
): Readonly<Record<K, ScopedClientCredentialsGrant>> {
  const out = {} as Record<K, ScopedClientCredentialsGrant>;
  for (const name of Object.keys(scopes) as K[]) out[name] = new ScopedClientCredentialsGrant({ ...credentials, scope: scopes[name] });
  return Object.freeze(out);
}
