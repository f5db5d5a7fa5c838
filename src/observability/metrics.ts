/**
 * Prometheus metrics (prom-client). One registry per server so tests and several servers in one
 * process never share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
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
  /** Each provider's breaker, read at every scrape (watchCircuit). */
  private readonly circuits = new Map<string, () => string>();
  /**
   * Read from the breakers when scraped, not set when a request moves one: a circuit whose cool-down is over no
   * longer fails fast even if no request came since to move it.
   */
  readonly circuitState = new Gauge({
    name: 'cxgraph_circuit_breaker_open',
    help: '1 while the circuit breaker of a provider is open (failing fast); 0 once its cool-down is over (the next request probes) and while closed.',
    labelNames: ['provider'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [provider, state] of this.circuits) this.circuitState.set({ provider }, state() === 'open' ? 1 : 0);
    },
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'cxgraph_' });
  }

  /** `cxgraph_circuit_breaker_open{provider}` reports `state()` ('open' is 1) at every scrape from now on. */
  watchCircuit(provider: string, state: () => string): void {
    this.circuits.set(provider, state);
  }
}
