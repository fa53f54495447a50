// How far check-auth is from the ceiling (not a test): the project (dist/main.js) with production
// defaults against a minimal NestJS express app (bench/support/minimal-app.mjs) that answers the same
// JSON bytes, on one machine, alternating the two in rounds. Then whether sign-in is bound by bcrypt.
// Usage: npm run bench:ceiling
// Env: CEILING_ROUNDS (3), CEILING_SECONDS (5) per measured run, CEILING_WARMUP_SECONDS (2) before
//      each, CEILING_WARMUP_REQUESTS (5000) to each app before the first round,
//      CEILING_LOGIN_SECONDS (8), CEILING_DIST (dist: the build of the project to run; another build
//      kept in a folder under node_modules/.cache/ beside a copy of package.json),
//      CEILING_PROFILE=1 (start the project with --cpu-prof; the profile and the time windows of its
//      measured runs go to CEILING_PROFILE_DIR, default ./profiles: read them with
//      `node bench/support/cpu-profile-summary.mjs profiles`), CEILING_NODE_ARGS (more node options
//      for the project, e.g. --trace-gc; after production's, so a V8 flag here overrides theirs), CEILING_LOG_FILE (keep the project's output there),
//      CEILING_IDLE_STARTS=N (only the project's idle RSS, over N fresh starts, then exit; with
//      CEILING_AGAINST, that build's too, started in turn),
//      CEILING_AGAINST (a build folder like CEILING_DIST: measure the project against that build of
//      it, in the minimal app's place, to see what a change did under the same load),
//      CEILING_HEAP_PROFILE=1 (sample what the project allocates during the first measured run at 32
//      connections, to CEILING_PROFILE_DIR: read it with `node bench/support/allocation-summary.mjs`;
//      =survivors: only what outlived the young generation).
//
// The project runs as production runs: NODE_ENV=production, JSON access lines at the default level
// (to a file in the temporary folder, as a log shipper would read them), METRICS_ENABLED with a
// METRICS_TOKEN, the audit trail, the default bcrypt cost, REDIS_URL unset (one instance). Production
// requires MONGODB_URI and SMTP_URL: an embedded server runs in a process of its own on a temporary
// DATA_DIR, and a mail sink listens here. RATE_LIMIT_AUTH_PER_MINUTE is raised (not disabled) so that
// the sign-in measurement is not answered 429; check-auth has no rate limit.
import autocannon from 'autocannon';
import bcrypt from 'bcrypt';
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SMTPServer } from 'smtp-server';
import {
  cpuMicros,
  describeMachine,
  freePort,
  PRODUCTION_ENV,
  PRODUCTION_NODE_FLAGS,
  signUp,
} from './support/server.mjs';

const env = process.env;
const ROUNDS = Number(env.CEILING_ROUNDS ?? 3);
const SECONDS = Number(env.CEILING_SECONDS ?? 5);
const WARMUP = Number(env.CEILING_WARMUP_SECONDS ?? 2);
const WARMUP_REQUESTS = Number(env.CEILING_WARMUP_REQUESTS ?? 5000);
const LOGIN_SECONDS = Number(env.CEILING_LOGIN_SECONDS ?? 8);
const LOGIN_CONNECTIONS = 4;
const CONNECTIONS = [32, 1];
/** The production default (BCRYPT_COST unset). */
const BCRYPT_COST = 12;
const PASSWORD = 'bench-password-violet-kettle';
const METRICS_TOKEN = randomBytes(24).toString('hex');
/** Shared by every build started, so that one session cookie is valid on each. */
const SECRETS = {
  JWT_SECRET: randomBytes(32).toString('hex'),
  PASSWORD_PEPPER: randomBytes(32).toString('hex'),
  TWO_FACTOR_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
};
const AGAINST = env.CEILING_AGAINST;
const IDLE_STARTS = Number(env.CEILING_IDLE_STARTS ?? 0);
const MiB = 2 ** 20;
const HEAP_PROFILE = Boolean(env.CEILING_HEAP_PROFILE);
const PROFILE_DIR =
  env.CEILING_PROFILE || HEAP_PROFILE ? resolve(env.CEILING_PROFILE_DIR ?? 'profiles') : undefined;
/** The project's measured runs, on the monotonic clock the CPU profile uses (µs). */
const profiledRuns = [];

const TARGETS = {
  throughput: 0.6, // project/minimal req/s at 32 connections, at least
  cpu: 1.7, // project/minimal CPU per request at 32 connections, at most
  p99: 2, // project/minimal p99 at 1 connection, at most
  rssIdle: 120 * MiB,
  rssLoaded: 250 * MiB,
  login: 0.9, // logins/s against (cores - 1) bcrypt hashes at a time, at least
};

const children = new Set();
const tmp = await mkdtemp(join(tmpdir(), 'chat-auth-ceiling-'));
const sink = await mailSink();
let exitCode = 0;

process.once('SIGINT', () => {
  cleanup().finally(() => process.exit(130));
});
// A last resort if the script dies between the start of a child and its stop.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

try {
  await main();
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);

async function main() {
  console.log(
    `machine: ${describeMachine()}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  );
  console.log(
    `${ROUNDS} rounds x (${WARMUP} s warm-up + ${SECONDS} s) at ${CONNECTIONS.join(' and ')} connections, alternating the apps; project: ${env.CEILING_DIST ?? 'dist'}/main.js\n`,
  );

  if (PROFILE_DIR) await mkdir(PROFILE_DIR, { recursive: true });
  const db = await startDatabase();
  if (IDLE_STARTS > 0) return idleStarts(db.uri);
  const project = await startProject(db.uri);
  const email = `ceiling-${Date.now()}@example.com`;
  const { cookie } = await signUp(project.base, email, PASSWORD);
  const check = await fetch(`${project.base}/api/auth/check`, { headers: { cookie } });
  const body = await check.text();
  if (check.status !== 200) throw new Error(`check-auth answered ${check.status}: ${body}`);

  const minimal = AGAINST ? await startProject(db.uri, AGAINST, 'against.log') : await startMinimal(body);
  const minimalBody = await (await fetch(`${minimal.base}/api/auth/check`, { headers: { cookie } })).text();
  if (minimalBody !== body) throw new Error(`the minimal app answers other bytes:\n${minimalBody}\n${body}`);
  console.log(
    `same ${Buffer.byteLength(body)} JSON bytes from both apps${AGAINST ? ` ("minimal" is ${AGAINST}/main.js)` : ''}`,
  );
  // What else the project answers with (the per-request ones left out), to compare builds.
  const varying = new Set(['date', 'x-request-id', 'content-length', 'keep-alive', 'connection']);
  const projectHeaders = [...check.headers].filter(([name]) => !varying.has(name));
  console.log(`project headers: ${projectHeaders.map(([name, value]) => `${name}: ${value}`).join(' | ')}`);

  const apps = { minimal, project };
  const headers = { minimal: AGAINST ? { cookie } : {}, project: { cookie } };
  await sleep(2000);
  const idle = { minimal: rssOf(minimal.pid), project: rssOf(project.pid) };

  const results = { minimal: {}, project: {} };
  const answered = { minimal: 0, project: 0 };
  // A number of requests, not seconds, before the first round: on a busy machine a few seconds may
  // be too few requests for the JIT to have compiled the hot path.
  for (const name of ['minimal', 'project']) {
    const warm = await measure(
      {
        url: `${apps[name].base}/api/auth/check`,
        headers: headers[name],
        connections: 32,
        amount: WARMUP_REQUESTS,
      },
      apps[name].pid,
    );
    answered[name] += warm.responses;
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? ['minimal', 'project'] : ['project', 'minimal'];
    for (const name of order) {
      for (const connections of CONNECTIONS) {
        const options = { url: `${apps[name].base}/api/auth/check`, headers: headers[name], connections };
        answered[name] += (await measure({ ...options, duration: WARMUP }, apps[name].pid)).responses;
        const sampled = HEAP_PROFILE && name === 'project' && round === 1 && connections === CONNECTIONS[0];
        if (sampled) process.kill(project.pid, 'SIGUSR2');
        const result = await measure({ ...options, duration: SECONDS }, apps[name].pid);
        answered[name] += result.responses;
        if (sampled) {
          process.kill(project.pid, 'SIGUSR2');
          writeFileSync(
            join(PROFILE_DIR, 'allocations.json'),
            JSON.stringify({ allocationRequests: result.responses }),
          );
        }
        if (name === 'project')
          profiledRuns.push({ connections, ...result.window, requests: result.responses });
        (results[name][connections] ??= []).push(result);
        console.log(
          `round ${round} ${name.padEnd(7)} ${String(connections).padStart(2)} conn: ${result.rps.toFixed(0)} req/s, ` +
            `${result.cpuUs.toFixed(0)} µs CPU/req, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms` +
            (result.failed ? `, ${result.failed} NOT 2xx/errors` : ''),
        );
      }
    }
  }
  const loaded = { minimal: rssOf(minimal.pid), project: rssOf(project.pid) };

  const summary = {};
  for (const name of ['minimal', 'project']) {
    summary[name] = { rssIdle: idle[name], rssLoaded: loaded[name] };
    for (const connections of CONNECTIONS) {
      const runs = results[name][connections];
      summary[name][connections] = Object.fromEntries(
        ['rps', 'cpuUs', 'p50', 'p99'].map((key) => [key, median(runs.map((run) => run[key]))]),
      );
      // The least disturbed round: other work on the machine only ever adds CPU time and latency.
      summary[name][connections].best = {
        rps: Math.max(...runs.map((run) => run.rps)),
        cpuUs: Math.min(...runs.map((run) => run.cpuUs)),
        p99: Math.min(...runs.map((run) => run.p99)),
      };
    }
  }
  console.log('\nmedians of the rounds:');
  for (const name of ['minimal', 'project']) {
    const s = summary[name];
    const cells = CONNECTIONS.map(
      (c) =>
        `${c} conn ${s[c].rps.toFixed(0)} req/s, ${s[c].cpuUs.toFixed(0)} µs CPU/req, p50 ${s[c].p50.toFixed(2)} ms, p99 ${s[c].p99.toFixed(2)} ms`,
    );
    console.log(
      `${name.padEnd(7)} ${cells.join(' | ')} | RSS idle ${mib(s.rssIdle)}, after load ${mib(s.rssLoaded)}`,
    );
  }

  const [many, one] = CONNECTIONS;
  const ratio = (key, c) => summary.project[c][key] / summary.minimal[c][key];
  console.log('\nproject against minimal:');
  verdict(`throughput at ${many} conn`, ratio('rps', many), '>=', TARGETS.throughput, 'x');
  verdict(`CPU per request at ${many} conn`, ratio('cpuUs', many), '<=', TARGETS.cpu, 'x');
  verdict(`p99 at ${one} conn`, ratio('p99', one), '<=', TARGETS.p99, 'x');
  const best = (key, c) => summary.project[c].best[key] / summary.minimal[c].best[key];
  console.log(
    `  best rounds: throughput at ${many} conn ${best('rps', many).toFixed(2)}x, CPU per request at ${many} conn ` +
      `${best('cpuUs', many).toFixed(2)}x (${summary.project[many].best.cpuUs.toFixed(0)} against ` +
      `${summary.minimal[many].best.cpuUs.toFixed(0)} µs), at ${one} conn ${best('cpuUs', one).toFixed(2)}x ` +
      `(${summary.project[one].best.cpuUs.toFixed(0)} against ${summary.minimal[one].best.cpuUs.toFixed(0)} µs), ` +
      `p99 at ${one} conn ${best('p99', one).toFixed(2)}x`,
  );
  console.log(
    `  (throughput at ${one} conn ${ratio('rps', one).toFixed(2)}x, CPU per request at ${one} conn ${ratio('cpuUs', one).toFixed(2)}x, ` +
      `p50 at ${one} conn ${ratio('p50', one).toFixed(2)}x, p99 at ${many} conn ${ratio('p99', many).toFixed(2)}x)`,
  );
  verdict('RSS idle', summary.project.rssIdle / MiB, '<=', TARGETS.rssIdle / MiB, ' MiB');
  verdict('RSS after the load', summary.project.rssLoaded / MiB, '<=', TARGETS.rssLoaded / MiB, ' MiB');

  await checkRecords(project, answered.project);
  if (PROFILE_DIR) {
    writeFileSync(join(PROFILE_DIR, 'runs.json'), JSON.stringify(profiledRuns, null, 2));
    console.log(`profile: ${PROFILE_DIR} (written when the project stops)`);
  }
  await measureLogins(project, email);
  console.log(`RSS of the project after the sign-ins: ${mib(rssOf(project.pid))}`);
}

/** One autocannon run; its latencies from every response (autocannon's own histogram has 1 ms steps). */
async function measure(options, pid) {
  const latencies = [];
  const cpuBefore = cpuMicros(pid);
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const run = autocannon(options);
  run.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const result = await run;
  const cpuUsed = cpuMicros(pid) - cpuBefore;
  const window = { startUs, endUs: Number(process.hrtime.bigint() / 1000n) };
  latencies.sort((a, b) => a - b);
  const ok = result['2xx'];
  return {
    responses: latencies.length,
    rps: ok / result.duration,
    cpuUs: cpuUsed / Math.max(1, latencies.length),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failed: result.non2xx + result.errors + result.timeouts,
    window,
  };
}

/** Access lines and metrics still say what production needs: one line per request, one series per route. */
async function checkRecords(project, answered) {
  const log = readFileSync(project.logFile, 'utf8');
  const lines = log.split('\n').filter((line) => line.includes('"route":"/api/auth/check"'));
  const sample = lines.at(-1) ?? '';
  console.log(
    `\naccess log: ${lines.length} check-auth lines for ${answered} answers seen by the client; last: ${sample}`,
  );
  const scrape = await fetch(`${project.base}/api/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await scrape.text();
  const series =
    /chat_auth_http_request_duration_seconds_count\{method="GET",route="\/api\/auth\/check",status="2xx"\} (\d+)/.exec(
      text,
    );
  console.log(`metrics: ${scrape.status}, check-auth 2xx count ${series?.[1] ?? 'missing'}`);
}

/** Sign-in throughput against what bcrypt allows: (cores - 1) hashes at a time, each one hash long. */
async function measureLogins(project, email) {
  const times = [];
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    await bcrypt.hash('x'.repeat(64), BCRYPT_COST);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const hashSeconds = median(times);
  const slots = Math.max(1, availableParallelism() - 1);
  const expected = slots / hashSeconds;
  const result = await autocannon({
    url: `${project.base}/api/auth/login`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
    connections: LOGIN_CONNECTIONS,
    duration: LOGIN_SECONDS,
    timeout: 30,
  });
  const logins = result['2xx'] / result.duration;
  const other = result.non2xx + result.errors + result.timeouts;
  console.log(
    `\nsign-in (${LOGIN_CONNECTIONS} conn, ${LOGIN_SECONDS} s): ${logins.toFixed(2)} logins/s` +
      (other ? ` (${other} NOT 2xx/errors)` : '') +
      `; bcrypt cost ${BCRYPT_COST} hash ${(hashSeconds * 1000).toFixed(0)} ms x ${slots} slot(s) allows ${expected.toFixed(2)}/s`,
  );
  verdict('sign-in bound by bcrypt', logins / expected, '>=', TARGETS.login, 'x');
}

function verdict(name, value, comparison, target, unit) {
  const pass = comparison === '>=' ? value >= target : value <= target;
  console.log(
    `  ${name}: ${value.toFixed(2)}${unit} (target ${comparison} ${target}${unit}) ${pass ? 'PASS' : 'FAIL'}`,
  );
}

async function startDatabase() {
  const dataDir = join(tmp, 'db');
  await mkdir(dataDir);
  const child = fork(resolve('bench/support/embedded-db.mjs'), [], {
    env: { PATH: env.PATH, DATA_DIR: dataDir },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child);
  const { uri } = await new Promise((ok, fail) => {
    child.once('message', ok);
    child.once('exit', (code) => fail(new Error(`the database exited (${code})`)));
  });
  return { uri: `${uri}/chat?serverMonitoringMode=poll`, pid: child.pid };
}

async function startProject(mongoUri, dist = env.CEILING_DIST ?? 'dist', logName = 'project.log') {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = env.CEILING_LOG_FILE && !AGAINST ? resolve(env.CEILING_LOG_FILE) : join(tmp, logName);
  const out = openSync(logFile, 'a');
  const args = [...PRODUCTION_NODE_FLAGS, join(dist, 'main.js')];
  const measured = logName === 'project.log';
  // After production's flags, so that a V8 flag given here wins over production's.
  if (measured && env.CEILING_NODE_ARGS)
    args.splice(PRODUCTION_NODE_FLAGS.length, 0, ...env.CEILING_NODE_ARGS.split(' ').filter(Boolean));
  if (measured && env.CEILING_PROFILE)
    args.unshift('--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${PROFILE_DIR}`);
  if (measured && HEAP_PROFILE) args.unshift('--import', resolve('bench/support/allocation-sampling.mjs'));
  const child = spawn(process.execPath, args, {
    env: {
      PATH: env.PATH,
      ...PRODUCTION_ENV,
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: join(tmp, `${logName}-data`),
      MONGODB_URI: mongoUri,
      ...SECRETS,
      ...(HEAP_PROFILE && {
        ALLOCATION_PROFILE: join(PROFILE_DIR, 'allocations.heapprofile'),
        ...(env.CEILING_HEAP_PROFILE === 'survivors' && { ALLOCATION_SURVIVORS: '1' }),
      }),
      CORS_ORIGINS: 'https://chat.example.com',
      APP_URL: 'https://chat.example.com',
      API_URL: 'https://api.example.com',
      MEDIA_PUBLIC_URL: 'https://api.example.com/media',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_TLS: 'off',
      MAIL_FROM: 'Chat <no-reply@example.com>',
      METRICS_ENABLED: 'true',
      METRICS_TOKEN,
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  track(child);
  try {
    await waitForHealth(base, child);
  } catch (error) {
    console.error(readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n'));
    throw error;
  }
  return { base, pid: child.pid, logFile, child };
}

async function startMinimal(body) {
  const port = await freePort();
  const child = fork(resolve('bench/support/minimal-app.mjs'), [], {
    env: { PATH: env.PATH, NODE_ENV: 'production', PORT: String(port), MINIMAL_BODY: body },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child);
  await new Promise((ok, fail) => {
    child.once('message', ok);
    child.once('exit', (code) => fail(new Error(`the minimal app exited (${code})`)));
  });
  return { base: `http://127.0.0.1:${port}`, pid: child.pid };
}

/**
 * CEILING_IDLE_STARTS=N: only the idle RSS, read as the full run reads it (2 s after a sign-up and a
 * check), over N fresh starts of the project: it varies by several MiB from one start to the next.
 */
async function idleStarts(mongoUri) {
  // With CEILING_AGAINST, that build is started in turn with the project's, under the same conditions.
  const builds = { project: env.CEILING_DIST ?? 'dist', ...(AGAINST && { against: AGAINST }) };
  const readings = Object.fromEntries(Object.keys(builds).map((name) => [name, []]));
  for (let i = 0; i < IDLE_STARTS; i++) {
    for (const [name, dist] of Object.entries(builds)) {
      // As in the full run, CEILING_NODE_ARGS go to the project's build only.
      const app = await startProject(mongoUri, dist, `${name}.log`);
      const { cookie } = await signUp(app.base, `idle-${name}-${i}-${Date.now()}@example.com`, PASSWORD);
      await fetch(`${app.base}/api/auth/check`, { headers: { cookie } });
      await sleep(2000);
      readings[name].push(rssOf(app.pid));
      const exited = new Promise((ok) => app.child.once('exit', ok));
      app.child.kill('SIGTERM');
      await exited;
    }
  }
  const inMiB = (bytes) => (bytes / MiB).toFixed(1);
  for (const [name, values] of Object.entries(readings)) {
    console.log(
      `${name} (${builds[name]}) RSS idle over ${values.length} starts: ${values.map(inMiB).join(', ')} MiB; ` +
        `median ${inMiB(median(values))}, min ${inMiB(Math.min(...values))}, max ${inMiB(Math.max(...values))} ` +
        `(target <= ${TARGETS.rssIdle / MiB} MiB)`,
    );
  }
}

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** SIGTERM to every child (the project first, then the database), SIGKILL after 15 s. */
async function cleanup() {
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((ok) => child.once('exit', ok));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  await new Promise((ok) => sink.server.close(ok));
  await rm(tmp, { recursive: true, force: true });
}

/** Accepts and drops the mail production sends (the signup's verification link). */
async function mailSink() {
  const port = await freePort();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return { server, port };
}

async function waitForHealth(base, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the project exited (${child.exitCode})`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error('the project did not become healthy');
}

function rssOf(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match[1]) * 1024;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function mib(bytes) {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

function sleep(ms) {
  return new Promise((ok) => setTimeout(ok, ms));
}
