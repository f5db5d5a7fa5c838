/**
 * The one token manager for every OAuth flavour (docs/architecture.md, "The token manager").
 *
 * Lookup order: in-process copy → shared store → a token request. Concurrent callers for one key share one
 * in-flight request (single-flight); across replicas a store lock lets one replica fetch while the others wait for
 * its result (lock-releases.ts: released once Redis answers when it stalled). Tokens are renewed a margin before
 * expiry that scales with their lifetime (10% clamped to [1 s, 5 min], with jitter), in the background while callers
 * keep using the current token — except where the platform forbids early renewal (Sangoma). A 401 invalidates
 * exactly the token that failed (one compare-and-set) and the call is retried once. Failed token requests back off
 * per grant (token-backoff.ts). Token requests go through the provider's UpstreamClient, the same path as its API
 * calls (time limit, size cap, breaker, bulkhead, error mapping): nothing here speaks HTTP itself.
 */
import { CxError, errorFromTokenResponse, isCxError } from '../errors/errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { KvStore } from '../store/kv-store.js';
import type { ProviderName } from '../domain/provider-name.js';
import { systemClock, type Clock } from '../domain/clock.js';
import type { UpstreamClient, UpstreamRequest } from '../upstream/upstream-client.js';
import { credentialsIn } from '../security/upstream-text.js';
import type { ConnectionStatus } from '../observability/connection-status.js';
import type { Grant, TokenHttpRequest } from './grant.js';
import { cacheKey, fingerprint } from './token-key.js';
import { LockReleases } from './lock-releases.js';
import { lockHolderBusy, waitOnLockHolder } from './lock-wait.js';
import { currentDeadline, withoutDeadline } from '../observability/request-context.js';
import { TokenBackoff } from './token-backoff.js';
import type { TokenSource } from '../upstream/token-source.js';
import { tokenSetFromResponse, withCappedLifetime, type TokenSet } from './token-set.js';
import { expiredOnIssue, sameTokenAgain, SkewedTokens } from './token-anomalies.js';

export { cacheKey } from './token-key.js';

/** What the token manager needs of a provider's upstream client. */
export type TokenTransport = Pick<UpstreamClient, 'json'>;

export interface TokenManagerOptions {
  store: KvStore;
  logger: Logger;
  /**
   * The transport of a provider's token requests (src/app/create-http.ts passes each provider's upstream client, so
   * token requests share its limits, metrics and status). The manager never builds HTTP clients itself.
   */
  http: (provider: ProviderName) => TokenTransport;
  clock?: Clock;
  metrics?: Metrics;
  status?: ConnectionStatus;
  /** Time limit of one token request, the base of the lock lease. */
  timeoutMs?: number;
  /** Lease of the cross-replica lock: must outlive the slowest token request. */
  lockLeaseMs?: number;
  /** How often a replica waiting on another's lock re-reads the store. */
  lockPollMs?: number;
  /** 0..1 random source for the renewal jitter (tests inject a constant). */
  random?: () => number;
  /** How long refresh tokens are kept in the store when the platform does not say (they outlive access tokens). */
  refreshTokenTtlMs?: number;
  /** Backoff of failed token requests per grant (default 1 s doubling to 60 s). */
  backoff?: { baseMs?: number; capMs?: number };
}

/** Token sets as kept in the store and the in-process copy, with the moment they should be renewed. */
interface CachedToken extends TokenSet {
  renewAt: number;
}

const MIN_MARGIN_MS = 1_000;
const MAX_MARGIN_MS = 5 * 60_000;

export class TokenManager implements TokenSource {
  private readonly memory = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  /** Fingerprints of tokens an API rejected, so a stale store copy is never served again. */
  private readonly rejected = new Set<string>();
  /** Grants whose refresh was refused (invalid_grant) with no other way to get a token: fail fast. */
  private readonly needsReauth = new Map<string, CxError>();
  private readonly http: (provider: ProviderName) => TokenTransport;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly lockLeaseMs: number;
  private readonly lockPollMs: number;
  private readonly random: () => number;
  private readonly refreshTokenTtlMs: number;
  /** Lock releases that wait for the store to answer again (lock-releases.ts). */
  private readonly releases: LockReleases;
  /** Per-grant backoff of failed token requests (token-backoff.ts). */
  private readonly backoff: TokenBackoff;
  /** Credentials of the grants asked for tokens so far (secretsFor). */
  private readonly credentials = new Set<string>();
  /** Tokens whose JWT `exp` had passed on arrival (token-anomalies.ts). */
  private readonly skewed: SkewedTokens;

  constructor(private readonly opts: TokenManagerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.http = opts.http;
    this.lockLeaseMs = opts.lockLeaseMs ?? this.timeoutMs + 5_000;
    this.lockPollMs = opts.lockPollMs ?? 50;
    this.random = opts.random ?? Math.random;
    this.refreshTokenTtlMs = opts.refreshTokenTtlMs ?? 30 * 24 * 3600_000;
    this.releases = new LockReleases(opts.store, opts.logger, (key, grant) => this.writeBack(key, grant));
    this.backoff = new TokenBackoff({ logger: opts.logger, random: this.random, ...opts.backoff });
    this.skewed = new SkewedTokens(opts.logger);
  }

  /** A valid access token for the grant. Throws CxError (PROVIDER_AUTH_FAILED, …) when none can be had. */
  async getToken(grant: Grant): Promise<TokenSet> {
    const key = cacheKey(grant.identity);
    const now = this.clock.now();
    const mem = this.memory.get(key);
    if (mem && this.usable(mem, grant, now)) {
      this.opts.metrics?.tokenCache.inc({ provider: grant.identity.provider, result: 'memory' });
      if (grant.renewBeforeExpiry && now >= mem.renewAt && !this.inflight.has(key) && !this.backoff.waiting(key, now)) {
        // Renew in the background; callers keep the current, still valid token meanwhile (also while it backs off).
        this.load(key, grant, mem).catch(() => undefined);
      }
      return mem;
    }
    const reauth = this.needsReauth.get(key);
    if (reauth) throw reauth;
    // The grant's last token request failed a moment ago: refused at once rather than asked again (token-backoff.ts).
    const paused = this.backoff.refusal(key, now);
    if (paused) throw paused;
    return this.load(key, grant, mem);
  }

  /**
   * The API answered 401 to `accessToken`. Forget exactly that token, here and in the store, unless a newer
   * one has replaced it meanwhile. Its refresh token (if any) is kept for the renewal.
   */
  async invalidate(grant: Grant, accessToken: string): Promise<void> {
    const key = cacheKey(grant.identity);
    this.rejected.add(fingerprint(accessToken));
    if (this.rejected.size > 10_000) this.rejected.clear();
    // A token whose exp was past on arrival, and the API says it really is expired: fetching at once brings another.
    if (this.skewed.delete(accessToken))
      this.backoff.failed(key, grant.identity.provider, expiredOnIssue(grant.identity.provider, this.opts.status), this.clock.now());
    const mem = this.memory.get(key);
    if (mem?.accessToken === accessToken) this.memory.set(key, { ...mem, expiresAt: 0, renewAt: 0 });
    const stored = await this.opts.store.get<CachedToken>(key);
    if (stored?.accessToken === accessToken) {
      // One compare-and-set: written only if the store still holds exactly what was read. A replica delayed between
      // the read and the write must not put its stale copy over a token another replica has just fetched.
      await this.opts.store.compareAndSet(key, stored, { ...stored, expiresAt: 0, renewAt: 0 }, stored.refreshToken ? this.refreshTokenTtlMs : 1);
    }
  }

  /**
   * Calls `fn` with a token; when it reports the token unauthorised (a 401), invalidates that token and
   * calls once more with a new one. A second 401 is returned to the caller to map.
   */
  async withToken<T>(grant: Grant, fn: (token: TokenSet) => Promise<T>, isUnauthorized: (result: T) => boolean): Promise<T> {
    const first = await this.getToken(grant);
    const r1 = await fn(first);
    if (!isUnauthorized(r1)) {
      if (this.skewed.has(first.accessToken)) this.backoff.succeeded(cacheKey(grant.identity));
      return r1;
    }
    await this.invalidate(grant, first.accessToken);
    const second = await this.getToken(grant);
    return fn(second);
  }

  /**
   * What an upstream answer must never be allowed to show (src/security/upstream-text.ts): the credentials of every
   * grant this manager has asked a token for (the configured secrets in use, PBX trusted-app secrets), and with a
   * grant, its own credentials and the access and refresh tokens held for it.
   */
  secretsFor(grant?: Grant): string[] {
    const out = [...this.credentials];
    if (!grant) return out;
    const held = this.memory.get(cacheKey(grant.identity));
    if (held) out.push(held.accessToken, ...(held.refreshToken ? [held.refreshToken] : []));
    const req = grant.buildRequest?.();
    if (req) out.push(...credentialsIn(req.headers, req.body));
    return out;
  }

  /** The cached token of a grant, if any, without fetching (for `providers`). */
  peek(grant: Grant): TokenSet | undefined {
    return this.memory.get(cacheKey(grant.identity));
  }

  /** Forgets a grant's state entirely (a PBX account connected anew, credentials replaced). */
  async forget(grant: Grant): Promise<void> {
    const key = cacheKey(grant.identity);
    this.memory.delete(key);
    this.needsReauth.delete(key);
    this.backoff.clear(key);
    await this.opts.store.delete(key);
  }

  private usable(t: TokenSet, grant: Grant, now: number): boolean {
    if (this.rejected.has(fingerprint(t.accessToken))) return false;
    // Tokens that may not be renewed early are used to their last millisecond; the others stop a little
    // before, so a request in flight does not arrive with a token that has just expired.
    const guard = grant.renewBeforeExpiry ? Math.min(500, (t.expiresAt - t.obtainedAt) / 20) : 0;
    return now < t.expiresAt - guard;
  }

  /** Single-flight around store read, lock and token request; shared, so without the starter's deadline (but for the
   *  lock wait): each caller waits within its own, and a token that comes later is there for the next request. */
  private load(key: string, grant: Grant, previous: CachedToken | undefined): Promise<CachedToken> {
    const deadline = currentDeadline();
    let p = this.inflight.get(key);
    if (p) this.opts.metrics?.tokenCache.inc({ provider: grant.identity.provider, result: 'joined' });
    else {
      const timeLeftMs = deadline?.remainingMs();
      p = withoutDeadline(() => this.loadUncoalesced(key, grant, previous, timeLeftMs)).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return deadline ? deadline.race(p, () => deadline.exceeded(grant.identity.provider, 'the token request')) : p;
  }

  private async loadUncoalesced(key: string, grant: Grant, previous: CachedToken | undefined, timeLeftMs: number | undefined): Promise<CachedToken> {
    const provider = grant.identity.provider;
    const fresh = await this.readStore(key, grant, previous);
    if (fresh) return fresh;

    const release = await this.opts.store.tryLock(key, this.lockLeaseMs);
    if (release) return this.fetchUnderLock(key, grant, previous, release);
    // Another replica holds the lock: wait for its result, bounded by the request's time (lock-wait.ts).
    const tryLock = () => this.opts.store.tryLock(key, this.lockLeaseMs);
    const waited = await waitOnLockHolder({
      leaseMs: this.lockLeaseMs,
      pollMs: this.lockPollMs,
      timeLeftMs,
      theirs: () => this.readStore(key, grant, previous),
      tryLock,
    });
    if ('token' in waited) return waited.token;
    if ('release' in waited) return this.fetchUnderLock(key, grant, previous, waited.release);
    if (waited.gaveUp === 'deadline' && !(await this.repeatableNow(key, grant, previous))) throw lockHolderBusy(provider, waited.waitedMs, this.lockLeaseMs);
    this.opts.logger.warn({ provider, waitedMs: waited.waitedMs, bound: waited.gaveUp }, 'token lock was not released in time; fetching without it');
    return this.fetchUnderLock(key, grant, previous, async () => {});
  }

  /** Whether the token request the grant would send now may be sent twice without harm (see exchange). */
  private async repeatableNow(key: string, grant: Grant, previous: CachedToken | undefined): Promise<boolean> {
    const base = (await this.opts.store.get<CachedToken>(key)) ?? previous;
    if (base?.refreshToken && grant.buildRefreshRequest) return false;
    return REPEATABLE_GRANTS.has(grant.buildRequest?.().body.get('grant_type') ?? '');
  }

  private async fetchUnderLock(key: string, grant: Grant, previous: CachedToken | undefined, release: () => Promise<void>): Promise<CachedToken> {
    try {
      // Re-read under the lock: the replica that held it before us may have just written a token.
      const theirs = await this.readStore(key, grant, previous);
      if (theirs) return theirs;
      const base = (await this.opts.store.get<CachedToken>(key)) ?? previous;
      let token: TokenSet;
      try {
        token = await this.fetchToken(grant, base);
        // The endpoint handed back the very token the API has just refused (401): using it would be refused again,
        // and asking again at once would bring it again, on every query. The grant backs off as after a failure.
        if (this.rejected.has(fingerprint(token.accessToken))) throw sameTokenAgain(grant.identity.provider, this.opts.status);
      } catch (e) {
        this.backoff.failed(key, grant.identity.provider, e, this.clock.now());
        throw e;
      }
      // A token whose exp had passed on arrival is no sign of health yet: only the API accepting it is (withToken).
      if (!this.skewed.has(token.accessToken)) this.backoff.succeeded(key);
      const cached = this.withRenewAt(token);
      this.memory.set(key, cached);
      await this.opts.store.set(key, cached, this.storeTtl(cached));
      this.opts.status?.tokenIssued(grant.identity.provider, cached.expiresAt);
      return cached;
    } finally {
      await this.releases.release(key, grant, release);
    }
  }

  private storeTtl(t: CachedToken): number {
    const left = t.expiresAt - this.clock.now();
    return Math.max(1, t.refreshToken ? Math.max(left, this.refreshTokenTtlMs) : left);
  }

  /** This replica's token for `key`, into the store unless the store holds a newer one (or one it cannot open). */
  private async writeBack(key: string, grant: Grant): Promise<void> {
    const mine = this.memory.get(key);
    if (!mine || !this.usable(mine, grant, this.clock.now())) return;
    const current = await this.opts.store.read<CachedToken>(key);
    if (current.status === 'unavailable' || current.status === 'unreadable') return;
    const theirs = current.status === 'found' ? current.value : undefined;
    if (theirs && typeof theirs.obtainedAt === 'number' && theirs.obtainedAt >= mine.obtainedAt) return;
    await this.opts.store.compareAndSet(key, theirs, mine, this.storeTtl(mine));
  }

  /** A usable token from the store that is newer than `previous`, copied into memory; else undefined. */
  private async readStore(key: string, grant: Grant, previous: CachedToken | undefined): Promise<CachedToken | undefined> {
    const stored = await this.opts.store.get<CachedToken>(key);
    if (!stored || typeof stored.accessToken !== 'string') return undefined;
    const now = this.clock.now();
    if (!this.usable(stored, grant, now)) return undefined;
    // During a background renewal the store still holds the token we are replacing: not an answer.
    if (previous && stored.accessToken === previous.accessToken && now >= previous.renewAt) return undefined;
    this.memory.set(key, stored);
    this.opts.metrics?.tokenCache.inc({ provider: grant.identity.provider, result: 'store' });
    return stored;
  }

  private async fetchToken(grant: Grant, previous: TokenSet | undefined): Promise<TokenSet> {
    const key = cacheKey(grant.identity);
    if (previous?.refreshToken && grant.buildRefreshRequest) {
      try {
        const t = await this.exchange(grant, grant.buildRefreshRequest(previous.refreshToken), previous);
        // RFC 6749 §6: the server may or may not rotate the refresh token; keep the old one if it did not.
        return { ...t, refreshToken: t.refreshToken ?? previous.refreshToken };
      } catch (e) {
        const refused = isCxError(e) && e.extensions.oauthError === 'invalid_grant';
        if (!refused || !grant.buildRequest) {
          if (refused) this.needsReauth.set(key, e as CxError);
          throw e;
        }
        this.opts.logger.info({ provider: grant.identity.provider }, 'refresh token refused (invalid_grant); using the primary grant');
      }
    }
    if (!grant.buildRequest) {
      const e = new CxError(`${grant.identity.provider} has no valid grant left; authorise again`, {
        code: 'PROVIDER_NEEDS_REAUTHORIZATION',
        provider: grant.identity.provider,
      });
      this.needsReauth.set(key, e);
      this.opts.status?.failed(grant.identity.provider, e);
      throw e;
    }
    const primary = grant.buildRequest();
    if (this.credentials.size > 1_000) this.credentials.clear();
    for (const c of credentialsIn(primary.headers, primary.body)) this.credentials.add(c);
    try {
      return await this.exchange(grant, primary, previous);
    } catch (e) {
      if (isCxError(e) && e.extensions.code === 'PROVIDER_NEEDS_REAUTHORIZATION') this.needsReauth.set(key, e);
      throw e;
    }
  }

  /**
   * One token request: the only place a token endpoint is called, through the provider's upstream client. The
   * client records the outcome in the connection status and logs failures; this counts them and logs successes.
   *
   * A form POST that never follows a redirect: a token endpoint that redirects is misconfigured, and the form
   * carries credentials that must not be posted on to another URL.
   *
   * Retried (5xx, connection errors, one Retry-After wait) only when repeating it cannot cost the grant: the client
   * credentials and password grants mint a new token from the same credentials each time, so a lost answer is
   * simply asked for again. A refresh_token or authorization_code request is sent once: a code is single-use, and a
   * refresh token may have been rotated by the request whose answer was lost — re-sending the spent one is, for
   * servers that detect refresh-token reuse (RFC 9700 §4.14.2), a replay that revokes the whole grant. Such a failure
   * reaches the caller, and the next token lookup tries again.
   */
  private async exchange(grant: Grant, req: TokenHttpRequest, held: TokenSet | undefined): Promise<TokenSet> {
    const provider = grant.identity.provider;
    const requestedAt = this.clock.now();
    const request: UpstreamRequest = {
      method: 'POST',
      url: req.url,
      operation: 'token',
      description: 'the token request',
      headers: req.headers,
      form: req.body,
      auth: { none: true },
      // A 429 from the token endpoint holds back this grant's account there, not the provider's other accounts.
      account: grant.identity.subject || grant.identity.clientId,
      idempotent: REPEATABLE_GRANTS.has(req.body.get('grant_type') ?? ''),
      followRedirects: false,
      errorFromResponse: errorFromTokenResponse,
      // Reported by the grant's backoff, once per change of state (token-backoff.ts).
      quiet: true,
      // An error body may echo the grant's current tokens, too: never shown (errors.ts).
      secrets: [...this.secretsFor(grant), ...(held ? [held.accessToken, held.refreshToken ?? ''] : [])],
    };
    try {
      const token = await this.http(provider).json(request, (body) =>
        withCappedLifetime(grant.processResponse ? grant.processResponse(body, requestedAt) : tokenSetFromResponse(provider, body, requestedAt)),
      );
      this.opts.metrics?.tokenRequests.inc({ provider, outcome: 'success' });
      this.opts.metrics?.tokenCache.inc({ provider, result: 'fetch' });
      this.skewed.note(cacheKey(grant.identity), provider, token, requestedAt);
      this.opts.logger.info({ provider, expiresInS: Math.round((token.expiresAt - requestedAt) / 1000) }, 'obtained access token');
      return token;
    } catch (e) {
      this.opts.metrics?.tokenRequests.inc({ provider, outcome: isCxError(e) ? e.extensions.code : 'PROVIDER_ERROR' });
      throw e;
    }
  }

  private withRenewAt(t: TokenSet): CachedToken {
    const lifetime = t.expiresAt - t.obtainedAt; // finite: capped by withCappedLifetime
    const margin = Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, lifetime * 0.1));
    // Jitter spreads the renewals of many replicas over up to half a margin earlier.
    const renewAt = t.expiresAt - margin * (1 + 0.5 * this.random());
    return { ...t, renewAt: Math.max(t.obtainedAt, renewAt) };
  }
}

/** grant_types whose request may be sent again (see TokenManager.exchange). */
const REPEATABLE_GRANTS = new Set(['client_credentials', 'password']);
