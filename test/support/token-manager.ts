/**
 * A token manager on its own, for tests of the token logic: its token requests go over `fetch` through one upstream
 * client per provider with only a time limit (no retries, breaker or bulkhead), as src/app/create-http.ts wires the
 * real one with each provider's full policy. The manager itself never builds HTTP clients.
 */
import { TokenManager, type TokenManagerOptions } from '../../src/auth/token-manager.js';
import type { ProviderName } from '../../src/domain/provider-name.js';
import { ResiliencePolicy } from '../../src/upstream/limits/resilience.js';
import { UpstreamClient } from '../../src/upstream/upstream-client.js';
import type { FetchLike } from '../../src/upstream/upstream-fetch.js';

export type { FetchLike };

export function tokenManagerOver(opts: Omit<TokenManagerOptions, 'http'> & { fetch?: FetchLike }): TokenManager {
  const clients = new Map<ProviderName, UpstreamClient>();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const manager: TokenManager = new TokenManager({
    ...opts,
    http: (provider) => {
      let c = clients.get(provider);
      if (!c) {
        const policy = ResiliencePolicy.timeLimitOnly(provider, timeoutMs);
        c = new UpstreamClient(provider, {
          fetch: opts.fetch,
          tokens: manager,
          logger: opts.logger,
          metrics: opts.metrics,
          status: opts.status,
          timeoutMs,
          policy,
        });
        clients.set(provider, c);
      }
      return c;
    },
  });
  return manager;
}
