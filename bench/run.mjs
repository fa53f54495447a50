// Benchmarks for the hot paths (not tests): check-auth, login, and check-auth during a login storm.
// Usage: npm run bench   (builds, starts dist/main.js on a free port with the embedded database)
// Env: BENCH_SECONDS (default 10), BENCH_BCRYPT_COST (default 12, the production default).
import { report, run, seconds } from './support/autocannon.mjs';
import { describeMachine, signUp, startServer } from './support/server.mjs';

const bcryptCost = process.env.BENCH_BCRYPT_COST ?? '12';
const password = 'bench-password-violet-kettle';

const server = await startServer({ RATE_LIMIT_AUTH_PER_MINUTE: '0', BCRYPT_COST: bcryptCost, REDIS_URL: '' });
const { base } = server;

try {
  const email = `bench-${Date.now()}@example.com`;
  const { cookie } = await signUp(base, email, password);

  const check = { url: `${base}/api/auth/check`, headers: { cookie } };
  const login = {
    url: `${base}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  };

  console.log(`machine: ${describeMachine()}`);
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
  await server.stop();
}
