// Runs a TypeScript entry in a plain Node process, compiled as Vitest compiles it (Vite's module
// runner), so e2e tests can spawn the real app or a database server without a build.
// Usage: node test/support/app/run-ts.mjs <file.ts>
//
// What Vite's runnerImport() sets up, except that the runner stays open for the life of the process:
// runnerImport closes it once the entry has loaded, and the app imports some packages (sharp, the
// WebAuthn library, the embedded database) only when they are first needed.
import { createRunnableDevEnvironment, resolveConfig } from 'vite';

const config = await resolveConfig(
  {
    configFile: false,
    logLevel: 'error',
    envDir: false,
    cacheDir: process.cwd(),
    environments: {
      inline: {
        consumer: 'server',
        dev: { moduleRunnerTransform: true },
        resolve: {
          external: true,
          mainFields: [],
          conditions: ['node', ...(process.features.require_module ? ['module-sync'] : [])],
        },
      },
    },
  },
  'serve',
);
const environment = createRunnableDevEnvironment('inline', config, {
  runnerOptions: { hmr: { logger: false } },
  hot: false,
});
await environment.init();
await environment.runner.import(process.argv[2]);
