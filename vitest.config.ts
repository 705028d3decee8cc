import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Process and model tests fork runners and load GGUF files: give them room on 2-core CI machines.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The console tests drive the built web console: build it first when stale.
    globalSetup: ['test/global-setup.ts', 'test/console/build-console.ts'],
  },
});
