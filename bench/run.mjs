// Benchmarks for the hot paths (not tests): check-auth, login, and check-auth during a login storm.
// Usage: npm run bench   (builds, starts dist/main.js on a free port with the embedded database)
// Env: BENCH_SECONDS (default 10), BENCH_BCRYPT_COST (default 12, the production default).
import autocannon from 'autocannon';
import { cpus, totalmem } from 'node:os';
import { startServer } from './server.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const bcryptCost = process.env.BENCH_BCRYPT_COST ?? '12';
const password = 'bench-password-violet-kettle';

const { base, stop } = await startServer({ RATE_LIMIT_AUTH_PER_MINUTE: '0', BCRYPT_COST: bcryptCost });

try {
  const email = `bench-${Date.now()}@example.com`;
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fullName: 'Bench User', email, password }),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status}`);
  const cookie = signup.headers.get('set-cookie').split(';')[0];

  const check = { url: `${base}/api/auth/check`, headers: { cookie } };
  const login = {
    url: `${base}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  };

  console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(`bcrypt cost ${bcryptCost}, ${seconds} s per scenario\n`);

  report('check-auth alone (50 connections)', await run({ ...check, connections: 50 }));
  report('login alone (8 connections)', await run({ ...login, connections: 8 }));
  const [storm, during] = await Promise.all([
    run({ ...login, connections: 16 }),
    run({ ...check, connections: 20 }),
  ]);
  report('login storm (16 connections)', storm);
  report('check-auth during the login storm (20 connections)', during);
} finally {
  await stop();
}

function run(options) {
  return autocannon({ duration: seconds, ...options });
}

function report(name, result) {
  const ok = result['2xx'];
  const other = result.non2xx + result.errors + result.timeouts;
  console.log(
    `${name}: ${result.requests.average.toFixed(0)} req/s, latency p50 ${result.latency.p50} ms, ` +
      `p99 ${result.latency.p99} ms, max ${result.latency.max} ms (${ok} ok, ${other} not ok)`,
  );
}

