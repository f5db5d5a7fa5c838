/**
 * The token manager's own upstream clients, one per provider, for a manager made without the provider clients
 * (tools, tests): over `fetch`, with a policy that only keeps the time limit (no retries, breaker or bulkhead).
 */
import type { ProviderName } from '../domain/provider-name.js';
import { ResiliencePolicy } from '../http/resilience.js';
import { UpstreamClient, type UpstreamClientOptions } from '../http/upstream-client.js';

export function ownClients(opts: Omit<UpstreamClientOptions, 'policy'> & { timeoutMs: number }): (provider: ProviderName) => UpstreamClient {
  const clients = new Map<ProviderName, UpstreamClient>();
  return (provider) => {
    let c = clients.get(provider);
    if (!c) {
      c = new UpstreamClient(provider, { ...opts, policy: ResiliencePolicy.timeLimitOnly(provider, opts.timeoutMs) });
      clients.set(provider, c);
    }
    return c;
  };
}
