import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

export { freePort };

const BUILD_DIR = resolve('node_modules/.cache/child-app-build');

/**
 * Builds the app as `nest build` does (tsc with the Swagger plugin) into a folder of its own, so a
 * test can run and kill real server processes without racing other tests that rebuild dist/.
 * Returns the path of main.js.
 */
export async function buildAppForChildren(): Promise<string> {
  await mkdir(BUILD_DIR, { recursive: true });
  const tsconfig = join(BUILD_DIR, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: resolve('tsconfig.build.json'),
      compilerOptions: { outDir: join(BUILD_DIR, 'dist') },
    }),
  );
  // Below node_modules Node looks no further up for "type": "module"; the app reads its name and
  // version from the package.json two levels above dist/config/.
  await copyFile('package.json', join(BUILD_DIR, 'package.json'));
  await promisify(execFile)(process.execPath, [
    'node_modules/@nestjs/cli/bin/nest.js',
    'build',
    '-p',
    relative(process.cwd(), tsconfig),
  ]);
  return join(BUILD_DIR, 'dist', 'main.js');
}

export interface ChildApp {
  process: ChildProcess;
  base: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when ended by a signal). */
  exited: Promise<number | null>;
}

/** Spawns `node main` with `env` on a free port; does not wait for it to answer. */
export async function spawnApp(main: string, env: Record<string, string>): Promise<ChildApp> {
  const port = await freePort();
  const child = spawn(process.execPath, [main], {
    // Single instance even when the shell sets REDIS_URL (see TEST_ENV).
    env: { ...process.env, MONGODB_URI: '', REDIS_URL: '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { process: child, base: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Spawns the app and waits until /api/health answers 200. */
export async function startApp(main: string, env: Record<string, string>): Promise<ChildApp> {
  const app = await spawnApp(main, env);
  const deadline = Date.now() + 60_000;
  let exitCode: number | null | undefined;
  void app.exited.then((code) => (exitCode = code ?? -1));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the app exited (${exitCode}):\n${app.output()}`);
    const status = await fetch(`${app.base}/api/health`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return app;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  app.process.kill('SIGKILL');
  throw new Error(`the app did not become healthy:\n${app.output()}`);
}
