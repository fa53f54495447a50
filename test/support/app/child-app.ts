import { execFile } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type Child, spawnNode } from './child-process.js';
import { freePort } from '../http/free-port.js';

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

export interface ChildApp extends Child {
  base: string;
}

/** Spawns `node main` with `env` on a free port; does not wait for it to answer. */
export async function spawnApp(main: string, env: Record<string, string>): Promise<ChildApp> {
  const port = await freePort();
  // Single instance even when the shell sets REDIS_URL (see TEST_ENV).
  const child = spawnNode([main], { MONGODB_URI: '', REDIS_URL: '', PORT: String(port), ...env });
  return { ...child, base: `http://127.0.0.1:${port}` };
}

/** Spawns the app and waits until /api/health answers 200. */
export async function startApp(main: string, env: Record<string, string>): Promise<ChildApp> {
  const app = await spawnApp(main, env);
  const deadline = Date.now() + 60_000;
  let ended: string | undefined;
  void app.exited.then(({ code, signal }) => (ended = String(code ?? signal)));
  while (Date.now() < deadline) {
    if (ended !== undefined) throw new Error(`the app exited (${ended}):\n${app.output()}`);
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
