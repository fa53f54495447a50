// Shared by the benchmark scripts: starting dist/main.js, waiting for it, running and reporting autocannon.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';

export const seconds = Number(process.env.BENCH_SECONDS ?? 10);
export const password = 'bench-password-violet-kettle';

/** Starts `node dist/main.js` on a free port with `env`; resolves once /api/health answers. */
export async function startServer(env) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_AUTH_PER_MINUTE: '0',
      SWAGGER_ENABLED: 'false',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForHealth(base);
  return {
    base,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Signs a new user up through `base`; returns the session cookie and the email. */
export async function signUp(base) {
  const email = `bench-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fullName: 'Bench User', email, password }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status}`);
  return { cookie: signup.headers.get('set-cookie').split(';')[0], email };
}

export function printMachine(extra) {
  console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(`${extra}, ${seconds} s per scenario\n`);
}

export function run(options) {
  return autocannon({ duration: seconds, ...options });
}

export function report(name, result) {
  const ok = result['2xx'];
  const other = result.non2xx + result.errors + result.timeouts;
  console.log(
    `${name}: ${result.requests.average.toFixed(0)} req/s, latency p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms (${ok} ok, ${other} not ok)`,
  );
}

async function waitForHealth(base) {
  for (let i = 0; i < 150; i++) {
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
