import { defineConfig } from 'vitest/config';

/**
 * Tests that count real requests in real seconds against a limit: the fleet's window on Redis's own clock, and the
 * throughput through a slow Redis. Run alone, after everything else, because on a loaded 2-core machine a
 * neighbour's CPU bunches their requests and makes them measure the machine instead of the limiter. Everything else
 * about the limits runs on an injected clock (test/support/manual-clock.ts) in the other projects. They share one
 * module graph, as the 'shared' project's files do (they leave nothing global behind).
 */
const REAL_TIME = ['test/reliability/fleet-limits-real-time.test.ts', 'test/reliability/slow-redis-limits.test.ts'];

/**
 * Files that change process-wide state (module mocks, fake timers, spies on process, globals, OpenTelemetry's global
 * tracer provider): each in a fresh module graph. Every other file shares one per worker
 * (`isolate: false`), which saves most of the suite's module-loading time; they must leave nothing global behind.
 * A file that only spawns processes or drives a browser (most of test/e2e, config-fail-fast, tracing-export) needs
 * no fresh graph.
 */
const ISOLATED = [
  'test/e2e/command-line.test.ts',
  'test/observability/circuit-gauge.test.ts',
  'test/observability/tracing.test.ts',
  'test/federation/composition.test.ts',
  'test/reliability/circuit-breaker.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2 cores: a few forks in parallel.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...REAL_TIME, ...ISOLATED],
          isolate: false,
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, maxWorkers: 3, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'real-time', include: REAL_TIME, isolate: false, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
