/**
 * Azure AD (Entra ID) client credentials, as CallJourney uses it: client secret in the form body and
 * scope `api://{client_id}/.default`. https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
import type { ProviderName } from '../../domain/provider-name.js';
import { formRequest, type Grant, type GrantIdentity, type TokenHttpRequest } from '../grant.js';

export interface AzureClientCredentials {
  provider: ProviderName;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

export class AzureClientCredentialsGrant implements Grant {
  readonly identity: GrantIdentity;
  readonly renewBeforeExpiry = true;
  constructor(private readonly c: AzureClientCredentials) {
    this.identity = { provider: c.provider, tokenUrl: c.tokenUrl, clientId: c.clientId, scope: c.scope };
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
