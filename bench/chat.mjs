// Chat benchmarks (not tests):
// 1. delivery latency from POST /api/messages/send/:id to `newMessage` on the receiver's socket, at a
//    steady rate among connected users;
// 2. the latest page of a 10,000-message conversation (GET /api/messages/:id).
// Usage: npm run bench:chat   (builds, starts dist/main.js on a free port with the embedded database)
// Env: BENCH_SECONDS (default 20), BENCH_USERS (default 100), BENCH_RATE (messages/s, default 200),
//      BENCH_CONVERSATION (default 10000; 0 skips the second benchmark), BENCH_NODE_ARGS (more flags
//      for the server's node, e.g. `--trace-gc`).
import { io } from 'socket.io-client';
import { describeMachine, percentile, signUp, startServer } from './support/server.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const userCount = Number(process.env.BENCH_USERS ?? 100);
const rate = Number(process.env.BENCH_RATE ?? 200);
const conversationSize = Number(process.env.BENCH_CONVERSATION ?? 10_000);
const password = 'bench-password-violet-kettle';

const server = await startServer({ RATE_LIMIT_AUTH_PER_MINUTE: '0', BCRYPT_COST: '4' });
const { base } = server;
const sockets = [];

try {
  console.log(`machine: ${describeMachine()}`);
  const users = [];
  for (let i = 0; i < userCount; i++)
    users.push(await signUp(base, `chat-${i}-${Date.now()}@example.com`, password));
  for (const user of users) sockets.push(await connect(user.cookie));
  console.log(`${userCount} users connected, one socket each\n`);

  await deliveryLatency(users);
  if (conversationSize > 0) await latestPage(users[0], users[1]);
} finally {
  for (const socket of sockets) socket.disconnect();
  await server.stop();
}

async function deliveryLatency(users) {
  const sentAt = new Map();
  const latencies = [];
  const postLatencies = [];
  let failed = 0;
  sockets.forEach((socket, index) =>
    socket.on('newMessage', (message) => {
      if (message.receiverId !== users[index].id) return;
      const started = sentAt.get(message.text);
      if (started !== undefined) latencies.push(performance.now() - started);
    }),
  );
  const total = seconds * rate;
  const intervalMs = 1000 / rate;
  const startedAt = performance.now();
  const cpuAtStart = server.cpuMicros();
  const inFlight = [];
  for (let i = 0; i < total; i++) {
    // Open loop: each message leaves at its scheduled time, whether or not earlier ones were answered.
    const due = startedAt + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const from = users[i % users.length];
    const to = users[(i * 7 + 1 + Math.floor(i / users.length)) % users.length];
    const receiver = to === from ? users[(users.indexOf(from) + 1) % users.length] : to;
    const text = `bench ${i}`;
    const started = performance.now();
    sentAt.set(text, started);
    inFlight.push(
      post(from.cookie, receiver.id, text).then(
        (ok) => (ok ? postLatencies.push(performance.now() - started) : failed++),
        () => failed++,
      ),
    );
  }
  await Promise.all(inFlight);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const elapsed = (performance.now() - startedAt) / 1000;
  const cpuMsPerMessage = (server.cpuMicros() - cpuAtStart) / 1000 / total;
  latencies.sort((a, b) => a - b);
  postLatencies.sort((a, b) => a - b);
  console.log(
    `delivery at ${rate} messages/s among ${users.length} users, ${seconds} s ` +
      `(${(total / elapsed).toFixed(0)} messages/s achieved, ${failed} failed, ` +
      `${total - failed - latencies.length} not delivered):`,
  );
  console.log(`  POST → newMessage: ${summary(latencies)}`);
  console.log(`  POST answered:     ${summary(postLatencies)}`);
  console.log(`  server CPU (all its threads): ${cpuMsPerMessage.toFixed(2)} ms per message\n`);
}

async function latestPage(alice, bob) {
  const batch = 50;
  for (let i = 0; i < conversationSize; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, conversationSize - i) }, (_, j) =>
        post(
          i + j < conversationSize / 2 ? alice.cookie : bob.cookie,
          i + j < conversationSize / 2 ? bob.id : alice.id,
          `page ${i + j}`,
        ),
      ),
    );
  }
  const timings = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const res = await fetch(`${base}/api/messages/${bob.id}`, { headers: { cookie: alice.cookie } });
    const page = await res.json();
    timings.push(performance.now() - started);
    if (res.status !== 200 || page.length !== 50) throw new Error(`unexpected page: ${res.status}`);
  }
  timings.sort((a, b) => a - b);
  console.log(
    `latest page of a ${conversationSize}-message conversation (${timings.length} reads): ${summary(timings)}`,
  );
}

function post(cookie, to, text) {
  return fetch(`${base}/api/messages/send/${to}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ text }),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status === 201;
  });
}

function connect(cookie) {
  return new Promise((resolve, reject) => {
    const socket = io(base, {
      path: '/socket.io',
      transports: ['websocket'],
      extraHeaders: { cookie },
      reconnection: false,
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

function summary(sorted) {
  const format = (value) => `${value.toFixed(1)} ms`;
  return `p50 ${format(percentile(sorted, 50))}, p99 ${format(percentile(sorted, 99))}, max ${format(sorted.at(-1) ?? NaN)} (n=${sorted.length})`;
}
