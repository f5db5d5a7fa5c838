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

export type RecordingLoader = DataLoader<RecordingKeyModel, RecordingModel, string>;
export type PbxAccountLoader = DataLoader<string, PbxAccountModel | null>;

export interface Loaders {
  /** The recording-exists loader of the provider that offers recordings. Throws PROVIDER_NOT_CONFIGURED when it is not configured. */
  readonly recording: RecordingLoader;
  /** Users by id of one provider; undefined when the platform has no get-by-id endpoint or is not configured. */
  user(provider: ProviderName): DataLoader<string, UserModel | null> | undefined;
  /** Calls by id of one provider; undefined when the platform cannot look calls up by id. */
  call(provider: ProviderName): DataLoader<string, CallModel | null> | undefined;
  /** One provider's agent list, fetched at most once per request (entity references resolve against it). */
  agentList(provider: ProviderName, dir: AgentDirectory): Promise<AgentModel[]>;
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
  let recording: RecordingLoader | undefined;
  let pbxAccount: PbxAccountLoader | undefined;
  const users = new Map<ProviderName, DataLoader<string, UserModel | null>>();
  const calls = new Map<ProviderName, DataLoader<string, CallModel | null>>();
  const agentLists = new Map<ProviderName, Promise<AgentModel[]>>();
  const metrics = services.metrics;
  const loaders: Loaders = {
    get recording() {
      recording ??= services.sole('recordings').loader();
      return recording;
    },
    user(provider) {
      const dir = services.instances.get(provider)?.capabilities.users;
      if (!dir?.getUsers) return undefined;
      let l = users.get(provider);
      if (!l) {
        const getUsers = dir.getUsers.bind(dir);
        l = new DataLoader<string, UserModel | null>(async (ids) => {
          metrics.loaderBatchSize.observe({ loader: `user:${provider}` }, ids.length);
          return inBatchSpan(`user:${provider}`, ids.length, () => getUsers(ids));
        });
        users.set(provider, l);
      }
      return l;
    },
    call(provider) {
      const history = services.instances.get(provider)?.capabilities.calls;
      if (!history?.getCalls) return undefined;
      let l = calls.get(provider);
      if (!l) {
        const getCalls = history.getCalls.bind(history);
        l = new DataLoader<string, CallModel | null>(async (ids) => {
          metrics.loaderBatchSize.observe({ loader: `call:${provider}` }, ids.length);
          return inBatchSpan(`call:${provider}`, ids.length, () => getCalls(ids));
        });
        calls.set(provider, l);
      }
      return l;
    },
    get pbxAccount() {
      pbxAccount ??= services.sole('accounts').loader();
      return pbxAccount;
    },
    agentList(provider, dir) {
      let p = agentLists.get(provider);
      if (!p) {
        p = dir.listAgents();
        agentLists.set(provider, p);
      }
      return p;
    },
  };
  // The shared logger already stamps requestId on every line of the request (request-context mixin).
  return { services, loaders, requestId, logger: services.logger, caller: security.caller, serveScopeDirectives: security.serveScopeDirectives, mediaUrl: security.mediaUrl };
}
