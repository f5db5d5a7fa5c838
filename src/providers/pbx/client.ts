/**
 * Telphin PBX REST client (docs/providers/pbx.md#the-api): every call goes through the UpstreamClient (tokens, retries of reads,
 * Retry-After, error mapping). Bodies are checked before they are mapped, so a platform change shows up as a clear
 * PROVIDER_ERROR rather than as nulls. Creating the trusted application is a POST that makes something: never
 * retried once it may have reached the PBX.
 */
import { PbxTrustedAppGrant } from '../../auth/grants/pbx-trusted-app.js';
import type { PbxConfig } from './config.js';
import { CxError } from '../../errors/errors.js';
import type { Auth, UpstreamClient, UpstreamResponse } from '../../upstream/upstream-client.js';
import { isFetchableUrl } from '../../security/url-policy.js';
import { isCallHistory, isExtension, isPbxUser, trustedAppFromReply } from './mappers.js';
import type { PbxCallBody, PbxConnectionRecord, PbxExtensionBody, PbxTrustedAppCredentials, PbxUserBody } from './types.js';

export const API = '/api/ver1.0';
/** Extensions asked per page; the PBX's own maximum is undocumented. */
export const EXTENSION_PAGE_SIZE = 100;
/** A bound on extension pages, so a platform that ignores `page` cannot loop us forever. */
const MAX_EXTENSION_PAGES = 50;
/** "On any authorisation error, request a new token even if expires_in has not passed" (docs/providers/pbx.md). */
const TOKEN_REFUSED: readonly number[] = [401, 403];

export interface CallHistoryQuery {
  /** `YYYY-MM-DD HH:MM:SS` GMT */
  start: string;
  end: string;
  page: number;
  perPage: number;
}

export class PbxClient {
  readonly tokenUrl: string;
  readonly authorizeUrl: string;

  constructor(
    private readonly config: PbxConfig,
    private readonly http: UpstreamClient,
  ) {
    this.tokenUrl = `${config.baseUrl}/oauth/token`;
    this.authorizeUrl = `${config.baseUrl}/oauth/authorize`;
  }

  /** The client-credentials grant of an account's trusted application. */
  trustedGrant(conn: Pick<PbxConnectionRecord, 'id' | 'trustedApp'>): PbxTrustedAppGrant {
    return new PbxTrustedAppGrant({
      tokenUrl: this.tokenUrl,
      accountId: conn.id,
      clientId: conn.trustedApp.clientId,
      clientSecret: conn.trustedApp.clientSecret,
    });
  }

  /** `POST /api/ver1.0/application/ {"name","type":"trusted"}` with the user's consent token; the secret comes back once. */
  async createTrustedApp(userAccessToken: string, name: string): Promise<PbxTrustedAppCredentials> {
    const body = await this.http.json<unknown>({
      method: 'POST',
      url: `${this.config.baseUrl}${API}/application/`,
      operation: `POST ${API}/application/`,
      json: { name, type: 'trusted' },
      auth: { bearer: userAccessToken },
      idempotent: false,
    });
    return trustedAppFromReply(body);
  }

  /** `GET /api/ver1.0/user/`: who the token acts for. */
  async getUser(auth: Auth): Promise<PbxUserBody> {
    const body = await this.http.json<unknown>({
      method: 'GET',
      url: `${this.config.baseUrl}${API}/user/`,
      operation: `GET ${API}/user/`,
      auth,
      idempotent: true,
      tokenRefusedOn: TOKEN_REFUSED,
    });
    if (!isPbxUser(body)) throw unexpected(`GET ${API}/user/`, 'an object with id and login');
    return body;
  }

  /** Every phone extension the account sees (`@me` = the account's own PBX client), all pages. */
  async listPhoneExtensions(grant: PbxTrustedAppGrant): Promise<PbxExtensionBody[]> {
    const out: PbxExtensionBody[] = [];
    for (let page = 1; page <= MAX_EXTENSION_PAGES; page++) {
      const q = new URLSearchParams({ type: 'phone', page: String(page), per_page: String(EXTENSION_PAGE_SIZE) });
      const operation = `GET ${API}/client/@me/extension/`;
      const body = await this.http.json<unknown>({
        method: 'GET',
        url: `${this.config.baseUrl}${API}/client/@me/extension/?${q}`,
        operation,
        auth: { grant },
        idempotent: true,
        tokenRefusedOn: TOKEN_REFUSED,
      });
      if (!Array.isArray(body) || !body.every(isExtension)) throw unexpected(operation, 'a list of extensions with ids');
      // The type filter is asked for; the list is filtered again in case a platform ignores it.
      out.push(...body.filter((e) => !e.type || e.type === 'phone'));
      if (body.length < EXTENSION_PAGE_SIZE) break;
    }
    return out;
  }

  /** One page of a PBX client's call history, newest first. */
  async callHistory(grant: PbxTrustedAppGrant, clientKey: string, q: CallHistoryQuery): Promise<PbxCallBody[]> {
    const params = new URLSearchParams({ start_datetime: q.start, end_datetime: q.end, per_page: String(q.perPage), page: String(q.page), order: 'desc' });
    const operation = `GET ${API}/client/{id}/call_history/`;
    const body = await this.http.json<unknown>({
      method: 'GET',
      url: `${this.config.baseUrl}${API}/client/${encodeURIComponent(clientKey)}/call_history/?${params}`,
      operation,
      auth: { grant },
      tokenRefusedOn: TOKEN_REFUSED,
      idempotent: true,
    });
    if (!isCallHistory(body)) throw unexpected(operation, 'an object with a call_history list of calls with call_uuid');
    return body.call_history;
  }

  /** The storage URL of one record (`{"record_url"}`); a 404 `{"message":"Record not found"}` throws PROVIDER_ERROR 404. */
  async storageUrl(grant: PbxTrustedAppGrant, clientKey: string, recordUuid: string): Promise<string> {
    const operation = `GET ${API}/client/{id}/record/{uuid}/storage_url/`;
    const body = await this.http.json<unknown>({
      method: 'GET',
      url: `${this.config.baseUrl}${API}/client/${encodeURIComponent(clientKey)}/record/${encodeURIComponent(recordUuid)}/storage_url/`,
      operation,
      auth: { grant },
      tokenRefusedOn: TOKEN_REFUSED,
      idempotent: true,
    });
    const url = body && typeof body === 'object' ? (body as Record<string, unknown>).record_url : undefined;
    if (typeof url !== 'string' || !isFetchableUrl(url)) throw unexpected(operation, 'an object with an https record_url');
    return url;
  }

  /**
   * Opens a record's storage URL for streaming. The URL is the platform's own (pre-signed) storage link: it is
   * fetched without any Authorization header, so the account's token never reaches a storage host. The upstream
   * client holds it, and any redirect the storage host answers, to the https rule, and follows a redirect only
   * to the same origin (src/upstream/redirects.ts).
   */
  async openRecord(recordUrl: string): Promise<UpstreamResponse> {
    const req = {
      method: 'GET' as const,
      url: recordUrl,
      operation: 'GET record storage',
      auth: { none: true as const },
      idempotent: true,
      headers: { accept: '*/*' },
    };
    const res = await this.http.stream(req);
    if (res.status < 200 || res.status >= 300) throw this.http.fail(req, res);
    return res;
  }
}

function unexpected(operation: string, expected: string): CxError {
  return new CxError(`PBX answered ${operation} with an unexpected body: expected ${expected}`, {
    code: 'PROVIDER_ERROR',
    provider: 'PBX',
    upstreamStatus: 200,
  });
}
