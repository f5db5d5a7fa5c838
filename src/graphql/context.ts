/**
 * Per-request context: the shared services plus fresh DataLoaders, so batching and deduplication never
 * leak between requests (or users).
 */
import DataLoader from 'dataloader';
import type { AgentModel, CallModel, PbxAccountModel, RecordingKeyModel, RecordingModel, UserModel } from '../domain/models.js';
import type { Logger } from '../observability/logger.js';
import type { Caller } from '../domain/caller.js';
import { inBatchSpan } from '../observability/tracing.js';
import type { AgentDirectory } from '../domain/capabilities.js';
import type { ProviderName } from '../domain/provider-name.js';
import type { Services } from '../app/services.js';
import { accountView, type AccountView } from '../tenancy/account-view.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT } from '../domain/tenant.js';

export type RecordingLoader = DataLoader<RecordingKeyModel, RecordingModel, string>;
export type PbxAccountLoader = DataLoader<string, PbxAccountModel | null>;

export interface Loaders {
  /** The recording-exists loader of the provider that offers recordings. Throws PROVIDER_NOT_CONFIGURED when it is not configured. */
  readonly recording: RecordingLoader;
  /** The recording loader of one named account of the tenant (undefined = its default). */
  recordingOf(account: string | null | undefined): RecordingLoader;
  /** Users by id of one provider; undefined when the platform has no get-by-id endpoint or is not configured. */
  user(provider: ProviderName, account?: string): DataLoader<string, UserModel | null> | undefined;
  /** Calls by id of one provider; undefined when the platform cannot look calls up by id. */
  call(provider: ProviderName, account?: string): DataLoader<string, CallModel | null> | undefined;
  /** One provider's agent list, fetched at most once per request (entity references resolve against it). */
  agentList(provider: ProviderName, dir: AgentDirectory, account?: string): Promise<AgentModel[]>;
  /** Connected accounts by id (PBX). Throws PROVIDER_NOT_CONFIGURED when the PBX is not configured. */
  readonly pbxAccount: PbxAccountLoader;
}

export interface Context {
  services: Services;
  loaders: Loaders;
  requestId: string;
  logger: Logger;
  /** Who called (src/server/caller-auth.ts); fields with `@requiresScopes` check it (src/server/scopes.ts). */
  caller: Caller;
  /** The request's tenant and its accounts, and nothing of another tenant's (docs/tenancy.md). */
  accounts: AccountView;
  /** False when `_service { sdl }` leaves `@requiresScopes` out (CXGRAPH_SCOPE_DIRECTIVES=off). */
  serveScopeDirectives: boolean;
  /** The absolute, signed link to a media path, on CXGRAPH_PUBLIC_URL (src/security/media-links.ts). */
  mediaUrl(path: string): string;
}

/** What the HTTP layer knows of a request before GraphQL runs. */
export interface RequestSecurity {
  caller: Caller;
  serveScopeDirectives: boolean;
  mediaUrl(path: string): string;
}

export function createContext(services: Services, requestId: string, security: RequestSecurity): Context {
  let pbxAccount: PbxAccountLoader | undefined;
  const view = accountView(services, security.caller.tenant);
  const recordings = new Map<string, RecordingLoader>();
  const users = new Map<string, DataLoader<string, UserModel | null>>();
  const calls = new Map<string, DataLoader<string, CallModel | null>>();
  const agentLists = new Map<string, Promise<AgentModel[]>>();
  const metrics = services.metrics;
  // Loaders are per (provider, account): one account's answers never satisfy another's keys.
  const k = (provider: ProviderName, account: string | null | undefined) => `${provider}\u0000${account ?? ''}`;
  const recordingOf = (named: string | null | undefined): RecordingLoader => {
    // One loader per account, however it was named (omitted = the tenant's default account).
    const account = view.soleAccount('recordings', named);
    let l = recordings.get(account);
    if (!l) {
      const inner = view.sole('recordings', account).loader();
      // Answers carry the account's name (Recording.ref; the cache hint of its own configuration), as stamp() does.
      l =
        view.tenant === DEFAULT_TENANT && account === DEFAULT_ACCOUNT
          ? inner
          : (new Proxy(inner, {
              get(target, prop, receiver) {
                if (prop === 'load') return (key: RecordingKeyModel) => target.load(key).then((r) => ({ ...r, account }));
                if (prop === 'loadMany')
                  return (keys: RecordingKeyModel[]) => target.loadMany(keys).then((rs) => rs.map((r) => (r instanceof Error ? r : { ...r, account })));
                const v = Reflect.get(target, prop, receiver) as unknown;
                return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
              },
            }) as RecordingLoader);
      recordings.set(account, l);
    }
    return l;
  };
  const loaders: Loaders = {
    get recording() {
      return recordingOf(undefined);
    },
    recordingOf,
    user(provider, named) {
      const account = view.accountName(provider, named);
      const dir = view.instance(provider, account)?.capabilities.users;
      if (!dir?.getUsers) return undefined;
      let l = users.get(k(provider, account));
      if (!l) {
        const getUsers = dir.getUsers.bind(dir);
        l = new DataLoader<string, UserModel | null>(async (ids) => {
          metrics.loaderBatchSize.observe({ loader: `user:${provider}` }, ids.length);
          return view.stamp(await inBatchSpan(`user:${provider}`, ids.length, () => getUsers(ids)), account);
        });
        users.set(k(provider, account), l);
      }
      return l;
    },
    call(provider, named) {
      const account = view.accountName(provider, named);
      const history = view.instance(provider, account)?.capabilities.calls;
      if (!history?.getCalls) return undefined;
      let l = calls.get(k(provider, account));
      if (!l) {
        const getCalls = history.getCalls.bind(history);
        l = new DataLoader<string, CallModel | null>(async (ids) => {
          metrics.loaderBatchSize.observe({ loader: `call:${provider}` }, ids.length);
          return view.stamp(await inBatchSpan(`call:${provider}`, ids.length, () => getCalls(ids)), account);
        });
        calls.set(k(provider, account), l);
      }
      return l;
    },
    get pbxAccount() {
      pbxAccount ??= view.sole('accounts').loader();
      return pbxAccount;
    },
    agentList(provider, dir, account) {
      let p = agentLists.get(k(provider, account));
      if (!p) {
        p = dir.listAgents();
        agentLists.set(k(provider, account), p);
      }
      return p;
    },
  };
  // The shared logger already stamps requestId on every line of the request (request-context mixin).
  return {
    services,
    loaders,
    requestId,
    logger: services.logger,
    caller: security.caller,
    accounts: view,
    serveScopeDirectives: security.serveScopeDirectives,
    mediaUrl: security.mediaUrl,
  };
}
