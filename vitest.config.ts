import { defineConfig } from 'vitest/config';

// Code that only runs against a real server is measured only when that server's suites run.
const needsServer = [
  ...(process.env['REDIS_URL'] ? [] : ['src/redis/**']),
  ...(process.env['DATABASE_URL'] ? [] : ['src/postgres/**']),
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // Builds dist/ once: the CLI tests run the built bin.
    globalSetup: ['test/helpers/build.ts', 'test/helpers/services-report.ts'],
    restoreMocks: true,
    // Room for a loaded 2-core machine under --coverage: no test may depend on speed, and a test waiting for
    // an event that never comes still fails, only later.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: needsServer,
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 100, functions: 100, statements: 100, branches: 95 },
    },
  },
});
