import { defineConfig } from 'vitest/config';

// Two projects: fast tests with no services, and integration tests that share one real
// Temporal dev server and one freshly migrated Postgres database per run (test/global-setup.ts).
export default defineConfig({
  test: {
    pool: 'forks', // Temporal's native bridge must not run in worker threads
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/simulators/**/*.test.ts'],
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
