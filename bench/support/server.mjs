// Starts the built app (dist/main.js) on a free port with the embedded database in a temporary
import { readdirSync, readFileSync } from 'node:fs';
// DATA_DIR, for the benchmarks. `stop()` ends it and removes the data.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

/** The node options production runs with: the Dockerfile's CMD and `npm run start:prod`. */
export const PRODUCTION_NODE_FLAGS = [
  '--min-semi-space-size=8',
  '--max-semi-space-size=8',
  '--no-allocation-site-pretenuring',
];
/** And the environment it adds for glibc: the Dockerfile's ENV and `npm run start:prod`. */
export const PRODUCTION_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' };

export async function startServer(env) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'chat-auth-bench-'));
  // BENCH_NODE_ARGS: more flags for the server's node (`--cpu-prof`, `--trace-gc`), after production's.
  const extraArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, ...extraArgs, 'dist/main.js'], {
    env: {
      ...process.env,
      ...PRODUCTION_ENV,
      NODE_ENV: 'development',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SWAGGER_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
  /** Ends the server with SIGTERM; resolves to how it exited. */
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
    const result = await exited;
    await rm(dataDir, { recursive: true, force: true });
    return result;
  };
  try {
    await waitForHealth(base);
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, stop, cpuMicros: () => cpuMicros(server.pid) };
}

/**
 * CPU time of a process in µs: the scheduler's exact run time of each of its threads
 * (/proc/PID/task/TID/schedstat), not the tick-sampled utime + stime of /proc/PID/stat, which a busy
 * machine biases heavily for a process that runs in short bursts.
 */
export function cpuMicros(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1000;
}

export function describeMachine() {
  return `${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

/** Signs a user up; resolves to the `jwt=...` cookie and the user's id. */
export async function signUp(base, email, password) {
  const res = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fullName: email.split('@')[0], email, password }),
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status}`);
  return { cookie: res.headers.get('set-cookie').split(';')[0], id: (await res.json())._id };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Up to a minute: a large embedded store is replayed before the server answers. */
async function waitForHealth(base) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the server did not become healthy');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: found } = probe.address();
      probe.close(() => resolve(found));
    });
    probe.on('error', reject);
  });
}
