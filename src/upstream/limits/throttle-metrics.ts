/**
 * The throttle's metrics (throttle.ts; README, "Operating it"), registered once per registry. The gauges are read at
 * each scrape from the sources registered on the registry (every UpstreamLimits of a server).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the gauges read. */
export interface ThrottleGaugeSource {
  coolDownCounts(): Map<string, number>;
  readonly latency: { readonly slow: boolean } | undefined;
}

const sources = new WeakMap<Registry, Set<ThrottleGaugeSource>>();

export function gaugeSources(registry: Registry): Set<ThrottleGaugeSource> {
  let set = sources.get(registry);
  if (!set) sources.set(registry, (set = new Set()));
  return set;
}

/** The throttle metrics, registered once per registry. */
export interface ThrottleMetrics {
  wait: Histogram<'provider' | 'reason'>;
  waiting: Gauge<'provider'>;
  refused: Counter<'provider' | 'reason'>;
  coolDowns: Counter<'provider' | 'origin'>;
  active: Gauge<'provider'>;
  perProcess: Gauge;
}

export function throttleMetrics(registry: Registry): ThrottleMetrics {
  const once = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  return {
    wait: once(
      'cxgraph_upstream_throttle_wait_seconds',
      () =>
        new Histogram({
          name: 'cxgraph_upstream_throttle_wait_seconds',
          help: 'How long upstream requests waited before being sent: for a turn within CXGRAPH_UPSTREAM_RATE_LIMITS (rate_limit) or for a shared 429 cool-down to end (cool_down). Requests that did not wait are not counted.',
          labelNames: ['provider', 'reason'] as const,
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
          registers: [registry],
        }),
    ),
    waiting: once(
      'cxgraph_upstream_throttle_waiting',
      () =>
        new Gauge({
          name: 'cxgraph_upstream_throttle_waiting',
          help: 'Upstream requests of this replica waiting for a turn within CXGRAPH_UPSTREAM_RATE_LIMITS now.',
          labelNames: ['provider'] as const,
          registers: [registry],
        }),
    ),
    refused: once(
      'cxgraph_upstream_throttle_refused_total',
      () =>
        new Counter({
          name: 'cxgraph_upstream_throttle_refused_total',
          help: 'Upstream requests answered PROVIDER_RATE_LIMITED without being sent: no turn within CXGRAPH_UPSTREAM_RATE_LIMIT_WAIT_MS (rate_limit), or a 429 cool-down longer than the wait allowed (cool_down).',
          labelNames: ['provider', 'reason'] as const,
          registers: [registry],
        }),
    ),
    coolDowns: once(
      'cxgraph_upstream_cool_downs_total',
      () =>
        new Counter({
          name: 'cxgraph_upstream_cool_downs_total',
          help: 'Cool-downs of a provider after a 429 with Retry-After: started by an answer to this replica (local) or announced by another replica (shared).',
          labelNames: ['provider', 'origin'] as const,
          registers: [registry],
        }),
    ),
    // Not `cxgraph_upstream_cool_downs`: OpenMetrics names the counter above's family so, and they would collide.
    active: once(
      'cxgraph_upstream_cool_downs_active',
      () =>
        new Gauge({
          name: 'cxgraph_upstream_cool_downs_active',
          help: 'Scopes (host and account) of a provider held back by a 429 cool-down now, as this replica knows them, those waiting for their one probe included.',
          labelNames: ['provider'] as const,
          registers: [registry],
          collect() {
            this.reset();
            for (const limits of gaugeSources(registry)) for (const [provider, n] of limits.coolDownCounts()) this.inc({ provider }, n);
          },
        }),
    ),
    perProcess: once(
      'cxgraph_upstream_rate_limit_per_process',
      () =>
        new Gauge({
          name: 'cxgraph_upstream_rate_limit_per_process',
          help: '1 while CXGRAPH_UPSTREAM_RATE_LIMITS are counted per replica (each its share) because Redis round trips are over CXGRAPH_RATE_LIMIT_REDIS_MAX_RTT_MS.',
          registers: [registry],
          collect() {
            let slow = 0;
            for (const limits of gaugeSources(registry)) if (limits.latency?.slow) slow = 1;
            this.set(slow);
          },
        }),
    ),
  };
}

