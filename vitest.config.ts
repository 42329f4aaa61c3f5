import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          env: { AERIE_LOG_LEVEL: 'silent' },
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 180_000,
          pool: 'forks',
          // A project with its own worker limit needs its own group (vitest runs groups in order).
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
    ],
  },
});
