/**
 * CloudCX (Cloudfon CX) REST client: the user directory of a customer's own CX domain (docs/providers/cloudcx.md#the-api).
 *
 * Two ways in, chosen by configuration: the OAuth 2 password grant (tokens from `{domain}/oauth/token`,
 * renewed with the refresh token by the token manager), or a static API key sent as the bearer, which
 * has nothing to renew — a 401 then means the key is wrong or revoked and is reported at once.
 *
 * CloudCX wraps every answer in `{code, message, data}`; a `code` other than "0000" is a failure even with
 * HTTP 200, and carries the platform's code into `extensions.providerCode`. CloudCX documents no
 * get-user-by-id endpoint, so this directory has no `getUsers`: User references resolve to their keys.
 */
import { PasswordGrant } from '../../auth/grants/password-grant.js';
import type { CloudCxConfig } from './config.js';
import { CxError, errorFromResponse, type UpstreamFailure } from '../../errors/errors.js';
import type { Auth, UpstreamClient, UpstreamRequest } from '../../upstream/upstream-client.js';
import type { UserPageModel } from '../../domain/models.js';
import type { UserDirectory, UserQuery } from '../../domain/capabilities.js';
import { toUserPage } from './mappers.js';
import { CLOUDCX_SUCCESS_CODE, type CloudCxEnvelope, type CloudCxUserPage } from './types.js';

export const USER_PAGE_PATH = '/openapi/v2/user/page';
const OPERATION = `GET ${USER_PAGE_PATH}`;
const PROVIDER = 'CLOUDCX' as const;

export class CloudCxClient implements UserDirectory {
  /** The password grant, or undefined in API-key mode. */
  readonly grant: PasswordGrant | undefined;
  private readonly auth: Auth;
  private readonly apiKeyMode: boolean;

  constructor(
    private readonly config: CloudCxConfig,
    private readonly http: UpstreamClient,
  ) {
    const a = config.auth;
    this.apiKeyMode = a.kind === 'apiKey';
    if (a.kind === 'apiKey') {
      this.grant = undefined;
      this.auth = { bearer: a.apiKey };
    } else {
      this.grant = new PasswordGrant({
        provider: PROVIDER,
        tokenUrl: config.tokenUrl,
        clientId: a.clientId,
        clientSecret: a.clientSecret,
        username: a.username,
        password: a.password,
      });
      this.auth = { grant: this.grant };
    }
  }

  /** `GET /openapi/v2/user/page?pageIndex=<1-based>&pageSize=<n>[&keywords=<search>]`. */
  async listUsers(q: UserQuery): Promise<UserPageModel> {
    const url = new URL(`${this.config.baseUrl}${USER_PAGE_PATH}`);
    url.searchParams.set('pageIndex', String(q.page));
    url.searchParams.set('pageSize', String(q.pageSize));
    if (q.search) url.searchParams.set('keywords', q.search);
    const req: UpstreamRequest = {
      method: 'GET',
      url: url.toString(),
      operation: OPERATION,
      auth: this.auth,
      idempotent: true,
      errorFromResponse: (f) => this.httpFailure(f),
    };
    // The upstream client records the outcome in the connection status, the envelope's verdict included.
    const page = await this.http.json(req, (body, res) => {
      if (!isEnvelope(body)) throw this.unexpected(res.status, 'a {code, message, data} envelope');
      if (body.code !== CLOUDCX_SUCCESS_CODE) throw this.envelopeFailure(body, res.status);
      if (!isUserPage(body.data)) throw this.unexpected(res.status, 'data with totalElements, totalPages, size, number and a content list of users with an id');
      return body.data;
    });
    return toUserPage(page);
  }

  /**
   * A non-2xx answer, mapped by errors.ts from a body cut down to what is safe to show: the envelope's
   * message, or an OAuth error's code without its description — Spring's OAuth 2 resource server echoes
   * the rejected token there ("Invalid access token: …"), and in API-key mode that token is the key.
   */
  private httpFailure(f: UpstreamFailure): CxError {
    const body = f.body;
    let safe: unknown = typeof body === 'string' ? body : undefined;
    let providerCode: string | undefined;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      if (typeof b.code === 'string' || typeof b.code === 'number') {
        providerCode = String(b.code);
        safe = typeof b.message === 'string' ? { message: b.message } : undefined;
      } else if (typeof b.error === 'string') {
        safe = { error: b.error };
      }
    }
    const e = errorFromResponse({ ...f, body: safe });
    const hint =
      this.apiKeyMode && e.extensions.code === 'PROVIDER_AUTH_FAILED'
        ? '; check CLOUDCX_API_KEY (keys are managed under Global Settings > Security > API Key)'
        : '';
    if (!providerCode && !hint) return e;
    return new CxError(`${e.message}${hint}`, { ...e.extensions, providerCode: providerCode ?? e.extensions.providerCode });
  }

  /** HTTP 200 with a code other than "0000": the platform refused the request. */
  private envelopeFailure(envelope: CloudCxEnvelope<unknown>, status: number): CxError {
    const said = typeof envelope.message === 'string' && envelope.message.trim() ? `: ${firstLine(envelope.message)}` : '';
    return new CxError(`${PROVIDER} refused ${OPERATION} with code ${envelope.code}${said}`, {
      code: 'PROVIDER_ERROR',
      provider: PROVIDER,
      upstreamStatus: status,
      providerCode: envelope.code,
    });
  }

  private unexpected(status: number, expected: string): CxError {
    return new CxError(`${PROVIDER} answered ${OPERATION} with an unexpected body: expected ${expected}`, {
      code: 'PROVIDER_ERROR',
      provider: PROVIDER,
      upstreamStatus: status,
    });
  }
}

function isEnvelope(b: unknown): b is CloudCxEnvelope<unknown> {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
  const o = b as Record<string, unknown>;
  return typeof o.code === 'string' && (o.message === undefined || o.message === null || typeof o.message === 'string');
}

function isUserPage(d: unknown): d is CloudCxUserPage {
  if (!d || typeof d !== 'object') return false;
  const p = d as Record<string, unknown>;
  const counts = [p.totalElements, p.totalPages, p.size, p.number].every((n) => Number.isInteger(n) && (n as number) >= 0);
  return counts && Array.isArray(p.content) && p.content.every((u) => !!u && typeof u === 'object' && typeof (u as { id?: unknown }).id === 'string');
}

function firstLine(s: string): string {
  return (s.split(/\r?\n/, 1)[0] ?? '').trim().slice(0, 200);
}
