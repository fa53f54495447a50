import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedMongo } from '../../../src/database/embedded/embedded-mongo.js';
import { TEST_ENV } from './test-app.js';
import { freePort } from '../http/free-port.js';

/**
 * Several app instances side by side, each a real `node main.js` process as in production: two
 * Nest apps in one process would share Passport's strategy registry (see createTestApp).
 */
export class AppBuild {
  private constructor(readonly dir: string) {}

  /** tsc into a private folder under node_modules (so packages resolve), not dist/ which other tests build. */
  static async compile(): Promise<AppBuild> {
    const dir = resolve('node_modules/.cache/app-instances', randomBytes(6).toString('hex'));
    await mkdir(dir, { recursive: true });
    await promisify(execFile)(process.execPath, [
      'node_modules/typescript/bin/tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(dir, 'dist'),
      '--incremental',
      'false',
      '--declaration',
      'false',
      '--sourceMap',
      'false',
    ]);
    // Under node_modules Node looks no further up for "type": "module"; the app reads its name and
    // version from the package.json two levels above dist/config/.
    await copyFile('package.json', join(dir, 'package.json'));
    return new AppBuild(dir);
  }

  async start(env: Record<string, string>): Promise<AppInstance> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(this.dir, 'dist', 'main.js')], {
      env: {
        ...process.env,
        ...TEST_ENV,
        SWAGGER_ENABLED: 'false',
        LOG_LEVEL: 'log',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const instance = new AppInstance(child, `http://127.0.0.1:${port}`);
    await vi.waitFor(async () => expect((await instance.get('/api/health')).status).toBe(200), {
      timeout: 30_000,
      interval: 100,
    });
    return instance;
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

export class AppInstance {
  output = '';

  constructor(
    private readonly child: ChildProcess,
    readonly base: string,
  ) {
    const collect = (chunk: Buffer) => (this.output += chunk.toString());
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
  }

  request(
    method: string,
    path: string,
    options: { cookie?: string; body?: object; headers?: Record<string, string> } = {},
  ) {
    return fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(options.body ? { 'content-type': 'application/json' } : {}),
        ...(options.cookie ? { cookie: options.cookie } : {}),
        ...options.headers,
      },
      body: options.body ? JSON.stringify(options.body) : undefined,
    });
  }

  get(path: string, cookie?: string) {
    return this.request('GET', path, { cookie });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await once(this.child, 'exit');
  }
}

/** One embedded MongoDB-compatible server that every instance reaches through MONGODB_URI. */
export async function startSharedDatabase(): Promise<{ uri: string; stop: () => Promise<void> }> {
  const mongo = new EmbeddedMongo();
  const base = await mongo.start();
  // The embedded server does not speak the streaming heartbeat protocol (see DatabaseServer).
  return { uri: `${base}/chat_instances?serverMonitoringMode=poll`, stop: () => mongo.stop() };
}
