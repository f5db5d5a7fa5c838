import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2 cores: a few forks in parallel, each test file isolated.
    pool: 'forks',
    maxWorkers: 3,
  },
});
