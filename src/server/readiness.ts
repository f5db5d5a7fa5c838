/**
 * The body of GET /readyz (docs/operating.md, "Health"): whether this replica can serve, and the state of each account
 * it serves from. Readiness is about this replica: it stays 200 `ready` (or `degraded` while Redis does not answer)
 * whatever the platforms do. An account whose platform is down, whose breaker is open or whose credentials are refused
 * is reported (`accounts.failing`, its `states` row), not made a reason to take the replica out of rotation: every
 * replica would see the same, and one tenant's platform outage must not stop every tenant being served.
 */
import { configuredProviders } from '../app/config.js';
import type { Services } from '../app/services.js';
import { DEFAULT_ACCOUNT, DEFAULT_TENANT } from '../domain/tenant.js';

/** One account as /readyz shows it: names and states, never a credential or an upstream error text. */
export interface AccountReadiness {
  tenant: string;
  provider: string;
  account: string;
  /** The outcome of its last token request or API call: CONNECTED, UNAVAILABLE, NEEDS_REAUTHORIZATION. */
  status: string;
  /** Its circuit breaker: closed, open (failing fast), half-open (the next request probes). */
  circuit: string;
  /** Scopes (host and credential) held back by a 429 now. */
  coolDowns: number;
  /** The rate limit it counts, and where that comes from; none when unlimited. */
  rateLimit?: { perSecond: number; from: string; entry?: string };
}

export async function readiness(services: Services, evictionPolicy: { current(): unknown }): Promise<Record<string, unknown>> {
  const { config, metrics, upstreamLimits: limits } = services;
  const reachable = await services.store.ping();
  metrics.storeDegraded.set(reachable ? 0 : 1);
  const states: AccountReadiness[] = [];
  // Tenant default's account default of each provider its variables configure, made at start.
  for (const provider of configuredProviders(config)) {
    states.push({
      tenant: DEFAULT_TENANT,
      provider,
      account: DEFAULT_ACCOUNT,
      status: services.status.get(provider).status,
      circuit: services.circuit(provider) ?? 'closed',
      coolDowns: limits.coolDowns(provider).length,
      ...withLimit(limits.limitOf(provider)),
    });
  }
  // The accounts of the file built in this replica (used since start or since they changed); one not used yet has
  // nothing to report, and listing only these keeps the answer as small as what this replica holds.
  for (const { ref, status, rateLimit } of services.accounts.builtAccounts()) {
    const who = { tenant: ref.tenant, account: ref.account };
    states.push({
      tenant: ref.tenant,
      provider: ref.provider,
      account: ref.account,
      status: status.get(ref.provider).status,
      circuit: services.circuit(ref.provider, who) ?? 'closed',
      coolDowns: limits.coolDowns(ref.provider, who).length,
      ...withLimit(limits.limitOf(ref.provider, { ...who, rateLimit })),
    });
  }
  const failing = states.filter((s) => s.status !== 'CONNECTED' || s.circuit === 'open').length;
  // A Redis outage degrades (in-process copies) but does not stop answering: stay in rotation, say so.
  // The memory store (REDIS_URL unset) is a deliberate single-replica choice, reported as such.
  return {
    status: reachable ? 'ready' : 'degraded',
    configuration: 'loaded',
    store: services.store.kind,
    storeReachable: reachable,
    ...(reachable
      ? {}
      : {
          degraded: 'Redis does not answer: tokens and connections are kept per replica until it does',
          degradedSince: services.store.degradedSince === undefined ? undefined : new Date(services.store.degradedSince).toISOString(),
        }),
    providers: configuredProviders(config),
    accounts: { known: services.accounts.knownCount, built: states.length, failing, states },
    // CXGRAPH_UPSTREAM_RATE_LIMITS: counted across the fleet (Redis), or per process (no Redis, or it does not answer).
    // …and per process also while Redis round trips are over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS (each replica its share).
    upstreamRateLimits: limits.describe(reachable),
    redisEvictionPolicy: evictionPolicy.current(),
  };
}

function withLimit(limit: AccountReadiness['rateLimit']): Pick<AccountReadiness, 'rateLimit'> {
  return limit ? { rateLimit: limit } : {};
}
