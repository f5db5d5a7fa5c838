/**
 * NewVoiceMedia / Vonage Contact Center REST client (docs/providers/newvoicemedia.md#the-apis): agents availability (v1), user admin
 * (v4) and interaction content (v3) on the regional API gateway `https://{region}.api.newvoicemedia.com`.
 *
 * A token is valid only for its scope's API, so each API has its own grant (one token per scope, each cached
 * under its own key), and each request names its API version in `Accept` — the gateway answers 400
 * "Version missing from Accept header!" otherwise. Every call here is a read, hence safe to retry; a 401 gets a
 * new token for that scope once, a 429 is retried once after a Retry-After within the cap (UpstreamClient).
 * Facts from the platform's guide "How to authenticate with a NewVoiceMedia API" and its API references.
 */
import { scopedGrants, type ScopedClientCredentialsGrant } from '../../auth/grants/scoped-client-credentials.js';
import type { NvmConfig } from './config.js';
import { CxError, isCxError } from '../../errors/errors.js';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../upstream/upstream-client.js';
import type { NvmAvailabilityBody, NvmInteraction, NvmInteractionPage, NvmUser, NvmUserPage } from './types.js';

/** The scope of each API this client uses (API Admin → API Credentials must grant all three). */
export const NVM_SCOPES = {
  availability: 'agents-availability:read',
  users: 'users:read',
  interactions: 'interaction-content:read',
} as const;
export type NvmApi = keyof typeof NVM_SCOPES;

/** The API version each API is called with, sent as `Accept: application/vnd.newvoicemedia.v{N}+json`. */
export const NVM_API_VERSIONS: Readonly<Record<NvmApi, number>> = { availability: 1, users: 4, interactions: 3 };

export const NVM_TOKEN_PATH = '/Auth/connect/token';
/** The User admin API's largest `limit`. */
export const NVM_MAX_USERS_PER_PAGE = 5000;
/** The interaction content API answers at most 7 days per request. */
export const NVM_MAX_INTERACTION_RANGE_MS = 7 * 24 * 3600_000;

/** Interaction guids are GUIDs; checked before any URL is built from one. */
export const NVM_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Content keys: the format is not documented; letters, digits, `_`, `-` and `.` (not first), so no key can be a path step. */
export const NVM_CONTENT_KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
/** User ids: the format is not documented; anything that is safe as one path segment. */
export const NVM_USER_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.@-]{0,127}$/;

const PROVIDER = 'NEWVOICEMEDIA';

export type UserInclude = 'Active' | 'Archived' | 'All';

export class NvmClient {
  readonly grants: Readonly<Record<NvmApi, ScopedClientCredentialsGrant>>;
  private readonly api: string;

  constructor(
    config: NvmConfig,
    private readonly http: UpstreamClient,
  ) {
    this.grants = scopedGrants(
      { provider: PROVIDER, tokenUrl: `${config.authBaseUrl}${NVM_TOKEN_PATH}`, clientId: config.clientId, clientSecret: config.clientSecret },
      NVM_SCOPES,
    );
    this.api = config.apiBaseUrl;
  }

  /** Agent counts per state for agents with any of the skills. `skillNames` must be non-empty (checked by the caller). */
  async availability(skillNames: readonly string[]): Promise<NvmAvailabilityBody> {
    if (skillNames.length === 0) throw new TypeError('availability needs at least one skill name');
    const body = await this.json(
      'availability',
      'GET /agents-availability',
      `/agents-availability?${new URLSearchParams({ skillNames: skillNames.join(',') })}`,
    );
    if (!isObject(body)) throw unexpected('GET /agents-availability', 'an object of counts per state');
    return body as NvmAvailabilityBody;
  }

  /** One page of users (1-based `page`, `limit` ≤ 5000), from either documented envelope. */
  async listUsers(q: { page: number; limit: number; include: UserInclude }): Promise<NvmUserPage> {
    const op = 'GET /useradmin/users';
    const query = new URLSearchParams({ include: q.include, page: String(q.page), limit: String(Math.min(q.limit, NVM_MAX_USERS_PER_PAGE)) });
    const body = await this.json('users', op, `/useradmin/users?${query}`);
    if (isObject(body) && Array.isArray(body.items)) {
      const meta = isObject(body.meta) ? body.meta : {};
      return { users: body.items.filter(isUser), totalCount: count(meta.totalCount), pageCount: count(meta.pageCount) };
    }
    if (isObject(body) && Array.isArray(body.users)) return { users: body.users.filter(isUser) };
    throw unexpected(op, '{"meta":{…},"items":[…]} or {"users":[…]}');
  }

  /** Every page of users, `limit` 5000 at a time. */
  async listAllUsers(include: UserInclude): Promise<NvmUser[]> {
    const all: NvmUser[] = [];
    for (let page = 1; ; page++) {
      const p = await this.listUsers({ page, limit: NVM_MAX_USERS_PER_PAGE, include });
      all.push(...p.users);
      const more = p.pageCount !== undefined ? page < p.pageCount : p.users.length === NVM_MAX_USERS_PER_PAGE;
      // A guard against a platform that keeps answering full pages: 200 pages of 5000 is a million users.
      if (!more || p.users.length === 0 || page >= 200) return all;
    }
  }

  /** One user, or null when the platform does not know the id (or it cannot be one). */
  async getUser(userId: string): Promise<NvmUser | null> {
    if (!NVM_USER_ID.test(userId)) return null;
    const op = 'GET /useradmin/users/{userId}';
    const body = await this.jsonOrNull('users', op, `/useradmin/users/${encodeURIComponent(userId)}`);
    if (body === null) return null;
    // The single-user answer is the user itself; tolerate a one-item envelope too.
    const user = isObject(body) && isObject(body.user) ? body.user : body;
    if (!isUser(user)) throw unexpected(op, 'a user with a userId');
    return user;
  }

  /** One page of interactions that started in [start, end] (at most 7 days apart; checked by the caller). */
  async listInteractions(q: { start: Date; end: Date; continuationToken?: string | null }): Promise<NvmInteractionPage> {
    const op = 'GET /interaction-content/interactions';
    const query = new URLSearchParams({ start: q.start.toISOString(), end: q.end.toISOString() });
    if (q.continuationToken) query.set('continuationToken', q.continuationToken);
    const body = await this.json('interactions', op, `/interaction-content/interactions?${query}`);
    if (!isObject(body) || !Array.isArray(body.items)) throw unexpected(op, '{"meta":{"nextContinuationToken"},"items":[…]}');
    const meta = isObject(body.meta) ? body.meta : {};
    const next = typeof meta.nextContinuationToken === 'string' && meta.nextContinuationToken !== '' ? meta.nextContinuationToken : null;
    return { meta: { nextContinuationToken: next }, items: body.items.filter(isInteraction) };
  }

  /** One interaction, or null when the platform does not know the guid (or it is not a GUID). */
  async getInteraction(guid: string): Promise<NvmInteraction | null> {
    if (!NVM_GUID.test(guid)) return null;
    const op = 'GET /interaction-content/interactions/{guid}';
    const body = await this.jsonOrNull('interactions', op, `/interaction-content/interactions/${guid}`);
    if (body === null) return null;
    if (!isInteraction(body)) throw unexpected(op, 'an interaction with a guid');
    return body;
  }

  /**
   * Opens one content file for streaming, passing `range` through. Returns the final upstream response: a 2xx
   * with an unread `stream`, or any other status (already read) for the caller to map with `fail`.
   */
  openContent(guid: string, contentKey: string, range?: string): Promise<UpstreamResponse> {
    if (!NVM_GUID.test(guid) || !NVM_CONTENT_KEY.test(contentKey)) throw new TypeError('guid and contentKey must be validated by the caller');
    const req = this.request(
      'interactions',
      'GET /interaction-content/interactions/{guid}/content/{contentKey}',
      `/interaction-content/interactions/${guid}/content/${encodeURIComponent(contentKey)}`,
    );
    if (range) req.headers = { ...req.headers, range };
    return withScopeHint(this.grants.interactions, () => this.http.stream(req));
  }

  /** Maps a non-2xx response of openContent to a CxError. */
  fail(res: UpstreamResponse): CxError {
    return this.http.fail(this.request('interactions', 'GET /interaction-content/interactions/{guid}/content/{contentKey}', ''), res);
  }

  private request(api: NvmApi, operation: string, pathAndQuery: string): UpstreamRequest {
    return {
      method: 'GET',
      url: `${this.api}${pathAndQuery}`,
      operation,
      headers: { accept: `application/vnd.newvoicemedia.v${NVM_API_VERSIONS[api]}+json` },
      auth: { grant: this.grants[api] },
      idempotent: true,
    };
  }

  private json(api: NvmApi, operation: string, pathAndQuery: string): Promise<unknown> {
    return withScopeHint(this.grants[api], () => this.http.json<unknown>(this.request(api, operation, pathAndQuery)));
  }

  /** A GET whose 404 means "no such thing" rather than a failure. */
  private async jsonOrNull(api: NvmApi, operation: string, pathAndQuery: string): Promise<unknown> {
    const req = this.request(api, operation, pathAndQuery);
    const res = await withScopeHint(this.grants[api], () => this.http.send(req));
    if (res.status === 404) return null;
    if (res.status < 200 || res.status >= 300) throw this.http.fail(req, res);
    if (!res.wellFormed)
      throw new CxError(`${PROVIDER} answered ${operation} with malformed JSON`, { code: 'PROVIDER_ERROR', provider: PROVIDER, upstreamStatus: res.status });
    return res.body;
  }
}

/**
 * Credentials lacking one of the scopes is the likeliest set-up mistake with this platform, and the token
 * endpoint's `invalid_scope` does not say which scope: say it, and where to add it.
 */
async function withScopeHint<T>(grant: ScopedClientCredentialsGrant, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isCxError(e) && e.extensions.oauthError === 'invalid_scope') {
      throw new CxError(
        `${e.message} — the API credentials must include the scope ${grant.scope} (NewVoiceMedia API Admin → API Credentials)`,
        e.extensions,
        e,
      );
    }
    throw e;
  }
}

function unexpected(operation: string, expected: string): CxError {
  return new CxError(`${PROVIDER} answered ${operation} with an unexpected body: expected ${expected}`, {
    code: 'PROVIDER_ERROR',
    provider: PROVIDER,
    upstreamStatus: 200,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The id's type is not documented: a string or a number is accepted (the mappers make it a string). */
function isUser(v: unknown): v is NvmUser {
  return isObject(v) && ((typeof v.userId === 'string' && v.userId !== '') || typeof v.userId === 'number');
}

function isInteraction(v: unknown): v is NvmInteraction {
  return isObject(v) && typeof v.guid === 'string' && v.guid !== '';
}

function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}
