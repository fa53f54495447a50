// What sharing state through Redis costs (not a test): check-auth throughput on one instance with
// REDIS_URL unset and set, then through a small round-robin proxy in front of one and of two instances.
// Usage: npm run bench:instances   (needs a Redis: BENCH_REDIS_URL, default redis://127.0.0.1:6379)
// Every instance uses one embedded MongoDB-compatible server started here, as several instances would.
import { randomBytes } from 'node:crypto';
import { createServer, request, Agent } from 'node:http';
import { EmbeddedMongo } from '../dist/database/embedded-mongo.js';
import { report, run, seconds } from './support/autocannon.mjs';
import { describeMachine, freePort, signUp, startServer } from './support/server.mjs';

const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const connections = 50;

const mongo = new EmbeddedMongo();
const shared = {
  MONGODB_URI: `${await mongo.start()}/bench?serverMonitoringMode=poll`,
  JWT_SECRET: randomBytes(32).toString('hex'),
  PASSWORD_PEPPER: randomBytes(32).toString('hex'),
  BCRYPT_COST: '4',
};
const withRedis = {
  ...shared,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: `bench-${randomBytes(4).toString('hex')}:`,
};
const running = new Set();
const start = async (env) => {
  const server = await startServer(env);
  running.add(server);
  return server;
};
const stop = async (server) => {
  running.delete(server);
  await server.stop();
};

try {
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `check-auth, ${connections} connections, one embedded database, Redis at ${redisUrl}, ${seconds} s per scenario\n`,
  );
  const plain = await start({ ...shared, REDIS_URL: '' });
  const { cookie } = await signUp(
    plain.base,
    `bench-${Date.now()}@example.com`,
    'bench-password-violet-kettle',
  );
  const checkAuth = (base) => run({ url: `${base}/api/auth/check`, headers: { cookie }, connections });

  report('one instance, REDIS_URL unset', await checkAuth(plain.base));
  await stop(plain);

  const [a, b] = await Promise.all([start(withRedis), start(withRedis)]);
  report('one instance, REDIS_URL set', await checkAuth(a.base));

  const proxyToA = await roundRobinProxy([a.base]);
  report('one instance behind the proxy, REDIS_URL set', await checkAuth(proxyToA.base));
  proxyToA.close();

  const proxyToBoth = await roundRobinProxy([a.base, b.base]);
  report('two instances behind the proxy, REDIS_URL set', await checkAuth(proxyToBoth.base));
  proxyToBoth.close();
} finally {
  await Promise.all([...running].map(stop));
  await mongo.stop();
}

/** The smallest load balancer: each request goes to the next target in turn, over kept-alive connections. */
async function roundRobinProxy(targets) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const proxy = createServer((incoming, outgoing) => {
    const target = new URL(targets[next++ % targets.length]);
    const forwarded = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  const port = await freePort();
  await new Promise((resolve) => proxy.listen(port, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${port}`,
    close() {
      proxy.closeAllConnections();
      proxy.close();
      agent.destroy();
    },
  };
}
