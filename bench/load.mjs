// Load scenario (a check, not a speed target): 50 connections for 20 s mixing check-auth, login and
// signup, with the default rate limits and bcrypt cost. Every answer must be 2xx, 401, 409 or 429;
// anything else (a 5xx, a dropped connection, no answer within 30 s) makes the script exit 1.
// Usage: npm run bench:load   (builds, starts dist/main.js on a free port with the embedded database)
// Env: BENCH_SECONDS (default 20), BENCH_CONNECTIONS (default 50).
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { describeMachine, signUp, startServer } from './support/server.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const password = 'bench-password-violet-kettle';
const ALLOWED = /^(2\d\d|401|409|429)$/;

const { base, stop } = await startServer({});
let failed = true;
try {
  const email = `load-${Date.now()}@example.com`;
  const { cookie } = await signUp(base, email, password);

  // Each slot alternates between a request that should succeed and one that should not.
  const alternate = (...variants) => {
    let turn = 0;
    return (request) => ({ ...request, ...variants[turn++ % variants.length]() });
  };
  const check = alternate(
    () => ({ headers: { cookie } }),
    () => ({ headers: { cookie: 'jwt=not-a-token' } }),
  );
  const json = { 'content-type': 'application/json' };
  const login = alternate(
    () => ({ body: JSON.stringify({ email, password }) }),
    () => ({ body: JSON.stringify({ email, password: 'a-wrong-password-for-sure' }) }),
  );
  const signupBody = (address) => JSON.stringify({ fullName: 'Load User', email: address, password });
  const signup = alternate(
    () => ({ body: signupBody(`load-${randomUUID()}@example.com`) }),
    () => ({ body: signupBody(email) }),
  );
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    // Logins and signups that pass the rate limit wait their turn for bcrypt (cores - 1 hashes at
    // a time): on a busy machine the last of a burst waits many seconds. Unanswered after 30 s fails.
    timeout: 30,
    requests: [
      { method: 'GET', path: '/api/auth/check', setupRequest: check },
      { method: 'POST', path: '/api/auth/login', headers: json, setupRequest: login },
      { method: 'GET', path: '/api/auth/check', setupRequest: check },
      { method: 'POST', path: '/api/auth/signup', headers: json, setupRequest: signup },
    ],
  });

  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count]),
  );
  const unexpected = Object.keys(statuses).filter((status) => !ALLOWED.test(status));
  console.log(`machine: ${describeMachine()}`);
  console.log(`${connections} connections for ${seconds} s, default rate limits and bcrypt cost`);
  console.log(
    `${result.requests.total} requests, ${result.requests.average.toFixed(0)} req/s, latency p50 ` +
      `${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
  );
  console.log('status histogram:', JSON.stringify(statuses));
  console.log(`connection errors: ${result.errors}, timeouts: ${result.timeouts}`);
  failed = unexpected.length > 0 || result.errors > 0 || result.timeouts > 0;
  if (failed)
    console.error(`FAIL: unexpected statuses ${unexpected.join(', ') || 'none'}, or errors/timeouts`);
  else console.log('OK: only 2xx, 401, 409 and 429');
} finally {
  const { code } = await stop();
  console.log(`server exit status after SIGTERM: ${code}`);
}
process.exit(failed ? 1 : 0);
