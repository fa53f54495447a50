// Benchmarks of the durable embedded store (not tests): what one fsync costs here, signups per second
// with the journal, and signup / login / first check-auth latency at 500 and at 20,000 users.
// Usage: npm run bench:store   (builds, then runs dist/main.js with DATA_DIR in a temporary folder)
// Env: BENCH_SECONDS (default 10) per throughput run; BENCH_SAMPLES (default 100) per latency figure.
import autocannon from 'autocannon';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EmbeddedMongo } from '../dist/database/embedded/embedded-mongo.js';
import { describeMachine, startServer } from './support/server.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const samples = Number(process.env.BENCH_SAMPLES ?? 100);
const password = 'bench-password-violet-kettle';
const SIZES = [500, 20_000];

console.log(`machine: ${describeMachine()}`);
console.log(`temporary folders in ${tmpdir()}\n`);

await measureFsync();
// bcrypt at the production cost is the bottleneck there; cost 4 shows what the store itself sustains.
await measureSignupThroughput('12', 4);
await measureSignupThroughput('4', 20);
const figures = {};
for (const users of SIZES) figures[users] = await measureLatencies(users);
const [small, large] = SIZES;
for (const name of Object.keys(figures[small])) {
  const ratio = figures[large][name].p50 / figures[small][name].p50;
  console.log(
    `${name}: p50 ${figures[small][name].p50} ms at ${small} users, ${figures[large][name].p50} ms at ${large}: ratio ${ratio.toFixed(2)}`,
  );
}

/** The floor under every acknowledged write: one small append followed by fdatasync. */
async function measureFsync() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-fsync-'));
  const handle = await open(join(dir, 'journal'), 'a');
  const record = Buffer.alloc(700, 'x');
  const count = 2000;
  const times = [];
  for (let n = 0; n < count; n++) {
    const started = process.hrtime.bigint();
    await handle.write(record);
    await handle.datasync();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await handle.close();
  await rm(dir, { recursive: true, force: true });
  const { p50, p99, p999, max } = percentiles(times);
  console.log(
    `one 700-byte append + fdatasync: p50 ${p50} ms, p99 ${p99} ms, p99.9 ${p999} ms, max ${max} ms (${count} in a row)\n`,
  );
}

async function measureSignupThroughput(bcryptCost, connections) {
  await withServer({ BCRYPT_COST: bcryptCost }, async (base) => {
    let n = 0;
    const result = await autocannon({
      url: base,
      duration: seconds,
      connections,
      requests: [
        {
          method: 'POST',
          path: '/api/auth/signup',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({
              fullName: 'Bench User',
              email: `tput-${n++}-${Date.now()}@bench.io`,
              password,
            }),
          }),
        },
      ],
    });
    const other = result.non2xx + result.errors + result.timeouts;
    console.log(
      `signups, bcrypt cost ${bcryptCost}, ${connections} connections: ${result.requests.average.toFixed(0)}/s, ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms (${result['2xx']} ok, ${other} not ok)`,
    );
  });
}

/**
 * Seeds `users` accounts straight into the store (copies of one real signup, so each can log in),
 * then times signups, logins and the first check-auth of each new session, one request at a time.
 * bcrypt cost 4, so the figures show the store and the pipeline rather than the password hash.
 */
async function measureLatencies(users) {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-store-'));
  try {
    const env = { BCRYPT_COST: '4', DATA_DIR: dataDir };
    await withServer(env, async (base) => {
      const res = await post(base, '/api/auth/signup', {
        fullName: 'Seed User',
        email: 'seed-0@bench.io',
        password,
      });
      if (res.status !== 201) throw new Error(`seed signup failed: ${res.status}`);
    });
    const seedStarted = Date.now();
    await seed(dataDir, users);
    console.log(`seeded ${users} users in ${Date.now() - seedStarted} ms`);
    return await withServer(env, async (base) => {
      const signup = [];
      const login = [];
      const check = [];
      for (let n = 0; n < samples; n++) {
        signup.push(
          await timed(
            () =>
              post(base, '/api/auth/signup', { fullName: 'New User', email: `new-${n}@bench.io`, password }),
            201,
          ),
        );
        const email = `seed-${Math.floor(((n + 1) * (users - 1)) / samples)}@bench.io`;
        let cookie;
        login.push(
          await timed(async () => {
            const res = await post(base, '/api/auth/login', { email, password });
            cookie = res.headers.get('set-cookie').split(';')[0];
            return res;
          }, 200),
        );
        check.push(await timed(() => fetch(`${base}/api/auth/check`, { headers: { cookie } }), 200));
      }
      const figures = {
        signup: percentiles(signup),
        login: percentiles(login),
        'first check-auth': percentiles(check),
      };
      for (const [name, { p50, p90 }] of Object.entries(figures)) {
        console.log(`  ${users} users, ${name}: p50 ${p50} ms, p90 ${p90} ms`);
      }
      return figures;
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function seed(dataDir, users) {
  const store = new EmbeddedMongo({ dataDir });
  const client = new MongoClient(`${await store.start()}/chat`, { serverMonitoringMode: 'poll' });
  try {
    const collection = client.db().collection('users');
    const { _id, email: _email, ...template } = await collection.findOne({ email: 'seed-0@bench.io' });
    for (let start = 1; start < users; start += 1000) {
      const batch = [];
      for (let n = start; n < Math.min(users, start + 1000); n++)
        batch.push({ ...template, email: `seed-${n}@bench.io` });
      await collection.insertMany(batch);
    }
  } finally {
    await client.close();
    await store.stop();
  }
}

async function timed(request, expected) {
  const started = process.hrtime.bigint();
  const res = await request();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== expected)
    throw new Error(`expected ${expected}, got ${res.status}: ${await res.text()}`);
  return ms;
}

function post(base, path, body) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: at(1) };
}

/** Runs dist/main.js on the embedded default with its journal, for the length of `work`. */
async function withServer(env, work) {
  const server = await startServer({
    MONGODB_URI: '',
    RATE_LIMIT_AUTH_PER_MINUTE: '0',
    JWT_SECRET: 'bench-secret-0123456789-0123456789-abcdef',
    PASSWORD_PEPPER: 'bench-pepper-0123456789-0123456789-abcdef',
    ...env,
  });
  try {
    return await work(server.base);
  } finally {
    await server.stop();
  }
}
