import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: true,
    root: './',
    env: { NODE_ENV: 'test' },
    // Vitest's default (cores - 1) runs one file at a time on 2 cores, where most e2e files mostly wait
    // for child processes, sockets and timers: two at a time took the suite from 643 s to 388 s here.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // test/**/*.spec.ts: checks of files that are not code (Dockerfile, compose.yaml).
        test: { name: 'unit', include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e-spec.ts'],
          globalSetup: ['./test/support/app/global-setup.ts'],
          setupFiles: ['./test/support/app/contract-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
