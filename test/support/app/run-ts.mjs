// Runs a TypeScript entry in a plain Node process, compiled as Vitest compiles it (Vite's module
// runner), so e2e tests can spawn the real app or a database server without a build.
// Usage: node test/support/app/run-ts.mjs <file.ts>
import { runnerImport } from 'vite';

await runnerImport(process.argv[2], { configFile: false, logLevel: 'error' });
