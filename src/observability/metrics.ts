/**
 * Prometheus metrics (prom-client). One registry per server so tests and several servers in one
 * process never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the upstream-limit gauges read at each scrape (src/upstream/limits/upstream-limits.ts registers each UpstreamLimits). */
export interface LimitsGaugeSource {
  /** By provider, its accounts' together. */
  coolDownCounts(): Map<string, number>;
  /** By provider, its accounts' together. */
  waitingCounts(): Map<string, number>;
  readonly latency: { readonly slow: boolean } | undefined;
}

export class Metrics {
  readonly registry = new Registry();
  /** The upstream limits of this server, read by the gauges below at each scrape (watchLimits). */
  private readonly limitSources = new Set<LimitsGaugeSource>();
  readonly upstreamDuration = new Histogram({
    name: 'cxgraph_upstream_request_duration_seconds',
    help: 'Duration of requests to upstream provider APIs and token endpoints.',
    labelNames: ['provider', 'operation', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly tokenRequests = new Counter({
    name: 'cxgraph_token_requests_total',
    help: 'Requests to provider token endpoints, by outcome (success, error code).',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly tokenCache = new Counter({
    name: 'cxgraph_token_cache_total',
    help: 'Token lookups by where they were answered: memory, store, fetch (a token request), joined (an in-flight request).',
    labelNames: ['provider', 'result'] as const,
    registers: [this.registry],
  });
  readonly loaderBatchSize = new Histogram({
    name: 'cxgraph_dataloader_batch_size',
    help: 'Keys per DataLoader batch (after deduplication).',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  readonly storeDegraded = new Gauge({
    name: 'cxgraph_store_degraded',
    help: '1 while the shared store (Redis) does not answer and the in-process copies are used.',
    registers: [this.registry],
  });
  readonly operationDuration = new Histogram({
    name: 'cxgraph_graphql_operation_duration_seconds',
    help: 'Duration of GraphQL operations.',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly graphqlErrors = new Counter({
    name: 'cxgraph_graphql_errors_total',
    help: 'GraphQL errors returned to clients, by code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  /** Each provider's breaker, and each built file account's, read at every scrape (watchCircuit). */
  private readonly circuits = new Map<string, { labels: CircuitLabels; state: () => string }>();
  /**
   * Read from the breakers when scraped, not set when a request moves one: a circuit whose cool-down is over no
   * longer fails fast even if no request came since to move it.
   */
  readonly circuitState = new Gauge({
    name: 'cxgraph_circuit_breaker_open',
    help: '1 while the circuit breaker of a provider (or of one account of the accounts file: tenant, account) is open (failing fast); 0 once its cool-down is over (the next request probes) and while closed.',
    labelNames: ['provider', 'tenant', 'account'] as const,
    registers: [this.registry],
    collect: () => {
      // Only the breakers watched now: an account dropped by a reload leaves no series behind.
      this.circuitState.reset();
      for (const { labels, state } of this.circuits.values()) this.circuitState.set(labels, state() === 'open' ? 1 : 0);
    },
  });

  /** The upstream limits' metrics (src/upstream/limits/throttle.ts; docs/operating.md, "Metrics"). */
  readonly throttle = {
    wait: new Histogram({
      name: 'cxgraph_upstream_throttle_wait_seconds',
      help: 'How long upstream requests waited before being sent: for a turn within CXGRAPH_UPSTREAM_RATE_LIMITS (rate_limit) or for a shared 429 cool-down to end (cool_down). Requests that did not wait are not counted.',
      labelNames: ['provider', 'reason'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [this.registry],
    }),
    waiting: new Gauge({
      name: 'cxgraph_upstream_throttle_waiting',
      help: "Upstream requests of this replica waiting for a turn within their rate limit now (a provider's accounts together).",
      labelNames: ['provider'] as const,
      registers: [this.registry],
      collect: () => {
        this.throttle.waiting.reset();
        for (const limits of this.limitSources) for (const [provider, n] of limits.waitingCounts()) this.throttle.waiting.inc({ provider }, n);
      },
    }),
    refused: new Counter({
      name: 'cxgraph_upstream_throttle_refused_total',
      help: 'Upstream requests answered PROVIDER_RATE_LIMITED without being sent: no turn within CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS (rate_limit), or a 429 cool-down longer than the wait allowed (cool_down).',
      labelNames: ['provider', 'reason'] as const,
      registers: [this.registry],
    }),
    coolDowns: new Counter({
      name: 'cxgraph_upstream_cool_downs_total',
      help: 'Cool-downs of a provider after a 429 with Retry-After: started by an answer to this replica (local) or announced by another replica (shared).',
      labelNames: ['provider', 'origin'] as const,
      registers: [this.registry],
    }),
    // Not `cxgraph_upstream_cool_downs`: OpenMetrics names the counter above's family so, and they would collide.
    active: new Gauge({
      name: 'cxgraph_upstream_cool_downs_active',
      help: 'Scopes (host and account) of a provider held back by a 429 cool-down now, as this replica knows them, those waiting for their one probe included.',
      labelNames: ['provider'] as const,
      registers: [this.registry],
      collect: () => {
        this.throttle.active.reset();
        for (const limits of this.limitSources) for (const [provider, n] of limits.coolDownCounts()) this.throttle.active.inc({ provider }, n);
      },
    }),
    perProcess: new Gauge({
      name: 'cxgraph_upstream_rate_limit_per_process',
      help: '1 while CXGRAPH_UPSTREAM_RATE_LIMITS are counted per replica (each its share) because Redis round trips are over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS.',
      registers: [this.registry],
      collect: () => {
        let slow = 0;
        for (const limits of this.limitSources) if (limits.latency?.slow) slow = 1;
        this.throttle.perProcess.set(slow);
      },
    }),
  };
  /** Existence checks of recordings by where they were answered (src/providers/calljourney/recording-cache.ts). */
  readonly recordingCache = new Counter({
    name: 'cxgraph_recording_cache_total',
    help: 'Recording keys looked up in the shared recording cache, by result: hit (answered from the cache), miss (asked of CallJourney) or joined (answered by a check of the same key already in flight in this replica).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'cxgraph_' });
  }

  /**
   * `cxgraph_circuit_breaker_open{provider}` — with `tenant` and `account` for an account of the accounts file — reports
   * `state()` ('open' is 1) at every scrape until the returned function is called (the account was dropped). Watched
   * again under the same labels, the newer breaker is the one reported.
   */
  watchCircuit(provider: string, state: () => string, account?: { tenant: string; account: string }): () => void {
    const labels: CircuitLabels = account ? { provider, tenant: account.tenant, account: account.account } : { provider };
    const key = account ? `${provider}\u0000${account.tenant}\u0000${account.account}` : provider;
    const watch = { labels, state };
    this.circuits.set(key, watch);
    return () => {
      if (this.circuits.get(key) === watch) this.circuits.delete(key);
    };
  }

  /** The upstream-limit gauges read `source` at every scrape until the returned function is called. */
  watchLimits(source: LimitsGaugeSource): () => void {
    this.limitSources.add(source);
    return () => this.limitSources.delete(source);
  }
}

export type ThrottleMetrics = Metrics['throttle'];

type CircuitLabels = { provider: string; tenant?: string; account?: string };
