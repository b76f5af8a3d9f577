import { configDefaults, defineConfig } from 'vitest/config';

// Integration tests need DynamoDB Local (Java); they form their own project so that its global setup only
// starts the emulator when an integration test is part of the run.
const INTEGRATION = 'test/integration/**/*.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, INTEGRATION],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [INTEGRATION],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
