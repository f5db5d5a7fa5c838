import { defineConfig } from 'vitest/config';

/**
 * Tests that count real requests in real seconds against a limit (fleet-wide rate limits):
 * run alone, after everything else, because on a loaded 2-core machine a neighbour's CPU bunches their requests and
 * makes them measure the machine instead of the limiter.
 */
const REAL_TIME = ['test/reliability/fleet-limits.test.ts', 'test/reliability/fleet-limits-cluster.test.ts', 'test/reliability/slow-redis-limits.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2 cores: a few forks in parallel, each test file isolated.
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: REAL_TIME, maxWorkers: 3, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'real-time', include: REAL_TIME, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
