import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { signUp } from '../support/auth.js';
import { createTestApp } from '../support/app/test-app.js';

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;
const KEEP_ALIVE_TIMEOUT_MS = 1000;
/** Node sweeps for expired connections once a second at most; plus slack for a loaded machine. */
const MARGIN_MS = 2500;
const SLOWLORIS_CONNECTIONS = 200;

interface SlowClient {
  opened: number;
  closed: Promise<{ after: number; answer: string }>;
  stop: () => void;
}

/** Opens a connection and sends `start`, then one more `drip` every 250 ms, never finishing. */
function slowClient(port: number, start: string, drip: string): SlowClient {
  const socket: Socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  socket.write(start);
  const timer = setInterval(() => socket.writable && socket.write(drip), 250);
  const closed = new Promise<{ after: number; answer: string }>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ after: Date.now() - opened, answer });
    }),
  );
  return { opened, closed, stop: () => socket.destroy() };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Slowloris and friends: clients that hold connections open by sending slowly, or not at all. */
describe('Reliability: slow clients (e2e)', () => {
  let app: NestExpressApplication;
  let port: number;
  let base: string;
  const clients: SlowClient[] = [];

  beforeAll(async () => {
    app = await createTestApp({
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.stop();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers normal requests (p99 under 1 s) while 200 slowloris connections trickle headers, and closes those within the headers timeout', async () => {
    const { cookie } = await signUp(app);
    for (let i = 0; i < SLOWLORIS_CONNECTIONS; i++) {
      clients.push(slowClient(port, `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n`, `X-Slow-${i}: 1\r\n`));
    }

    const latencies: number[] = [];
    const until = Date.now() + HEADERS_TIMEOUT_MS + 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < until) {
          const started = Date.now();
          const res = await fetch(`${base}/api/auth/check`, { headers: { cookie } });
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          latencies.push(Date.now() - started);
        }
      }),
    );
    expect(latencies.length).toBeGreaterThan(20);
    expect(percentile(latencies, 99)).toBeLessThan(1000);

    const closed = await Promise.all(clients.map((client) => client.closed));
    for (const { after, answer } of closed) {
      expect(after).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
      expect(after).toBeLessThan(HEADERS_TIMEOUT_MS + MARGIN_MS);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    }
  }, 60_000);

  it('closes a connection whose body trickles in beyond the request timeout', async () => {
    const headers =
      'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
      'Content-Length: 100000\r\n\r\n{"email":"';
    for (let i = 0; i < 20; i++) clients.push(slowClient(port, headers, 'a'));
    for (const { after } of await Promise.all(clients.map((client) => client.closed))) {
      expect(after).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
      expect(after).toBeLessThan(REQUEST_TIMEOUT_MS + MARGIN_MS);
    }
  }, 30_000);

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((resolve) => socket.once('data', resolve));
    const idleSince = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    const idleFor = Date.now() - idleSince;
    expect(idleFor).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 100);
    expect(idleFor).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + MARGIN_MS);
  });
});
