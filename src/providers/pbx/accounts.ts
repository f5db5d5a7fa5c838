/**
 * The connected Telphin PBX accounts (each with its own trusted application and token) and what `providers`
 * says about them. The agent directory, call history, media route and consent flow run their upstream calls
 * for an account through withAccount(), one at a time per account.
 */
import type { ProviderState } from '../../domain/connection-state.js';
import type { PbxTrustedAppGrant } from '../../auth/grants/pbx-trusted-app.js';
import type { TokenManager } from '../../auth/token-manager.js';
import type { PbxConfig } from './config.js';
import { CxError, isCxError } from '../../errors/errors.js';
import type { PbxAccountModel } from '../../domain/models.js';
import type { Logger } from '../../observability/logger.js';
import type { KvStore } from '../../store/kv-store.js';
import type { PbxClient } from './client.js';
import { compareIds, PbxConnectionStore, unreadableRecord, type ConnectionStoreOptions } from './connection-store.js';
import { toPbxAccount } from './mappers.js';
import type { PbxConnectionRecord, PbxUnreadableAccount } from './types.js';

export interface PbxAccountsDeps {
  client: PbxClient;
  store: KvStore;
  tokens: TokenManager;
  logger: Logger;
  connectionStore?: ConnectionStoreOptions;
}

/**
 * Token endpoint errors no retry can cure: the trusted app was deleted, its secret reset, or it lost the right
 * to the grant. The account then needs its user to consent again.
 */
const REFUSED_GRANT = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

export class PbxAccounts {
  readonly connections: PbxConnectionStore;
  readonly client: PbxClient;
  /** Set while the PBX refuses the public app's own credentials (last code exchange): a configuration problem. */
  private appRejected: CxError | undefined;
  /** One request at a time per account: the PBX answers concurrent ones with 429 "concurrent request not allowed". */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    config: PbxConfig,
    private readonly d: PbxAccountsDeps,
  ) {
    this.client = d.client;
    this.connections = new PbxConnectionStore(d.store, config.baseUrl, d.connectionStore);
  }

  /** The consent flow tells whether the PBX accepted the public app's own credentials at the last code exchange. */
  recordAppCredentials(rejected: CxError | undefined): void {
    this.appRejected = rejected;
  }

  /** An account's trusted app changed: the previous app's token and any refusal state go; the new app starts clean. */
  async connected(previous: PbxConnectionRecord | undefined): Promise<void> {
    if (previous) await this.d.tokens.forget(this.d.client.trustedGrant(previous));
  }

  /**
   * Every account, ordered by id; one whose stored record cannot be opened here is listed as UNAVAILABLE, by its id
   * only. When the index an earlier version kept cannot be opened, PROVIDER_UNAVAILABLE: the list could be partial.
   */
  async listAccounts(): Promise<PbxAccountModel[]> {
    const { records, unreadable, indexProblem } = await this.connections.list();
    if (indexProblem) throw unreadableRecord({ problem: indexProblem });
    const all = [...records.map(toPbxAccount), ...unreadable.map(unavailableAccount)];
    return unreadable.length === 0 ? all : all.sort((a, b) => compareIds(a.id, b.id));
  }

  /**
   * Forgets a connected account and its trusted app's token (disconnectPbxAccount); false when it is not connected.
   * The trusted app itself stays in the user's PBX application list (no documented endpoint deletes it).
   */
  async disconnect(id: string): Promise<boolean> {
    const removed = await this.connections.remove(id);
    if (!removed) return false;
    await this.d.tokens.forget(this.d.client.trustedGrant(removed));
    this.d.logger.info({ provider: 'PBX', accountId: id }, 'PBX account disconnected');
    return true;
  }

  async getAccount(id: string): Promise<PbxAccountModel | null> {
    const r = await this.connections.lookup(id);
    return !r ? null : 'trustedApp' in r ? toPbxAccount(r) : unavailableAccount(r);
  }

  /**
   * The accounts calls can use. Accounts that need authorising again are left out (their state is what
   * `pbxAccounts` and `providers` report); when there are accounts but none is usable, that is the answer:
   * PROVIDER_NEEDS_REAUTHORIZATION. An account whose record cannot be opened here fails the field with
   * PROVIDER_UNAVAILABLE naming why, so a partial answer is never passed off as complete.
   */
  async usableAccounts(): Promise<PbxConnectionRecord[]> {
    const { records: all, unreadable, indexProblem } = await this.connections.list();
    if (indexProblem) throw unreadableRecord({ problem: indexProblem });
    if (unreadable[0]) throw unreadableRecord(unreadable[0]);
    const usable = all.filter((a) => a.status === 'CONNECTED');
    if (all.length > 0 && usable.length === 0) throw needsReauthorization(all);
    return usable;
  }

  /**
   * Runs `fn` with the account's trusted-app grant, one call at a time per account. A token request the PBX
   * refuses for good (invalid_client, invalid_grant) marks the account NEEDS_REAUTHORIZATION — persisted, so no
   * replica asks again — and answers PROVIDER_NEEDS_REAUTHORIZATION.
   */
  async withAccount<T>(account: PbxConnectionRecord, fn: (grant: PbxTrustedAppGrant) => Promise<T>): Promise<T> {
    if (account.status !== 'CONNECTED') throw needsReauthorization([account]);
    const grant = this.d.client.trustedGrant(account);
    try {
      return await this.serial(account.id, () => fn(grant));
    } catch (e) {
      const oauthError = isCxError(e) ? e.extensions.oauthError : undefined;
      if (!oauthError || !REFUSED_GRANT.has(oauthError)) throw e;
      const reason = `the PBX refused the account's trusted application (${oauthError})`;
      const marked = await this.connections.markNeedsReauthorization(account.id, account.trustedApp.clientId, reason);
      this.d.logger.warn({ provider: 'PBX', accountId: account.id, oauthError }, 'PBX account needs to be connected again');
      throw needsReauthorization([marked ?? { ...account, statusReason: reason }], e);
    }
  }

  /** True when `e` is the answer withAccount gives for an account that needs authorising again. */
  static isNeedsReauthorization(e: unknown): boolean {
    return isCxError(e) && e.extensions.code === 'PROVIDER_NEEDS_REAUTHORIZATION' && e.extensions.provider === 'PBX';
  }

  /**
   * What `providers` reports for PBX (when configured):
   * NEEDS_REAUTHORIZATION while any connected account needs its user to consent again, or while the PBX refuses
   * the public app's own credentials; else UNAVAILABLE while a stored connection cannot be opened here (lastError
   * names the account, the reason and the key id it needs), or when the last PBX call could not reach the
   * platform or was rate-limited; else NOT_CONNECTED while no account is connected, CONNECTED once one is;
   * `connectedAccounts` counts the usable ones (unknown while the list is partial). A refused consent attempt
   * (an expired code, a Deny) concerns one attempt, not the connection: it shows only as lastError.
   */
  async providerState(base: ProviderState): Promise<ProviderState> {
    const { records, unreadable, indexProblem } = await this.connections.list();
    // A partial list (an earlier version's index cannot be opened) cannot be counted.
    const counted: ProviderState = { ...base, connectedAccounts: indexProblem ? undefined : records.filter((a) => a.status === 'CONNECTED').length };
    const needing = records.filter((a) => a.status !== 'CONNECTED');
    if (needing.length > 0) {
      const who = needing
        .slice(0, 5)
        .map((a) => `${a.id} (${a.login})`)
        .join(', ');
      return {
        ...counted,
        status: 'NEEDS_REAUTHORIZATION',
        lastError: `PBX account${needing.length > 1 ? 's' : ''} ${who}${needing.length > 5 ? ', …' : ''} must be connected again (beginPbxConnection)`,
      };
    }
    if (this.appRejected) return { ...counted, status: 'NEEDS_REAUTHORIZATION', lastError: this.appRejected.message };
    if (indexProblem) return { ...counted, status: 'UNAVAILABLE', lastError: capitalised(indexProblem) };
    if (unreadable.length > 0) {
      const more =
        unreadable.length > 1
          ? ` (and ${unreadable.length - 1} more account${unreadable.length > 2 ? 's' : ''}: ${unreadable
              .slice(1, 6)
              .map((u) => u.id)
              .join(', ')}${unreadable.length > 6 ? ', …' : ''})`
          : '';
      return { ...counted, status: 'UNAVAILABLE', lastError: `${capitalised(unreadable[0]!.problem)}${more}` };
    }
    if (base.status === 'UNAVAILABLE') return counted;
    return { ...counted, status: counted.connectedAccounts === 0 ? 'NOT_CONNECTED' : 'CONNECTED' };
  }

  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }
}

/** An account known by its id only: its record cannot be opened here. */
function unavailableAccount(a: PbxUnreadableAccount): PbxAccountModel {
  return {
    id: a.id,
    login: '',
    admin: false,
    access: null,
    clientId: null,
    dealerId: null,
    extensionGroupId: null,
    extensionId: null,
    timezone: null,
    status: 'UNAVAILABLE',
  };
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** PROVIDER_NEEDS_REAUTHORIZATION naming the accounts (ids and logins only). */
export function needsReauthorization(accounts: Pick<PbxConnectionRecord, 'id' | 'login' | 'statusReason'>[], cause?: unknown): CxError {
  const first = accounts[0]!;
  const message =
    accounts.length === 1
      ? `PBX account ${first.id} (${first.login}) must be connected again: ${first.statusReason ?? 'the PBX refused its trusted application'}. Call beginPbxConnection and have the user allow access.`
      : `Every connected PBX account must be connected again (${accounts.map((a) => a.id).join(', ')}). Call beginPbxConnection for each.`;
  return new CxError(message, { code: 'PROVIDER_NEEDS_REAUTHORIZATION', provider: 'PBX', accountId: accounts.length === 1 ? first.id : undefined }, cause);
}
