import { connect, type Socket } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { BODY_TOO_SLOW } from '../../src/common/http/body-errors.js';
import { signUp } from '../support/auth.js';
import { listenOnFreePort } from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';
import { errorBody } from '../support/http/errors.js';

const CONNECTIONS = 20;

interface Upload {
  /** The first bytes of the answer. */
  answered: Promise<string>;
  closed: Promise<{ after: number; answer: string }>;
  stop: () => void;
}

/** Sends `head`, then the body in `chunk`-byte pieces every `everyMs`, until `total` bytes are sent. */
function upload(port: number, head: string, total: number, chunk: number, everyMs: number): Upload {
  const socket: Socket = connect(port, '127.0.0.1');
  const opened = Date.now();
  let answer = '';
  let sent = 0;
  const answered = new Promise<string>((resolve) =>
    socket.on('data', (data: Buffer) => {
      answer += data.toString();
      resolve(answer);
    }),
  );
  socket.on('error', () => undefined);
  socket.write(head);
  const timer = setInterval(() => {
    if (!socket.writable || sent >= total) return;
    const size = Math.min(chunk, total - sent);
    socket.write(' '.repeat(size));
    sent += size;
  }, everyMs);
  const closed = new Promise<{ after: number; answer: string }>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ after: Date.now() - opened, answer });
    }),
  );
  return { answered, closed, stop: () => socket.destroy() };
}

/** `promise`, or a failure naming `what` once `ms` have passed. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const post = (path: string, length: number, extra = '') =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${length}\r\n${extra}\r\n`;

/**
 * A body must keep arriving at HTTP_MIN_BODY_BYTES_PER_SECOND (1 KiB/s by default, averaged) once
 * HTTP_MIN_BODY_RATE_GRACE_MS (5 s) have passed; the request timeout stays at its 60 s default here.
 */
describe('Platform: request bodies that trickle in (e2e)', () => {
  let app: NestExpressApplication;
  let base: string;
  let port: number;
  const uploads: Upload[] = [];

  beforeAll(async () => {
    app = await createTestApp();
    base = await listenOnFreePort(app);
    port = Number(new URL(base).port);
  });
  afterEach(() => {
    for (const started of uploads.splice(0)) started.stop();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 408 to 20 bodies sent at 1 byte per second and closes them, while other requests are served', async () => {
    const { cookie } = await signUp(app);
    for (let i = 0; i < CONNECTIONS; i++) {
      uploads.push(upload(port, post('/api/auth/login', 100_000), 100_000, 1, 1000));
    }
    const served: number[] = [];
    let done = false;
    const traffic = (async () => {
      while (!done) {
        const res = await fetch(`${base}/api/auth/check`, { headers: { cookie } });
        served.push(res.status);
        await res.arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const closed = await within(
      25_000,
      'trickling connections still open',
      Promise.all(uploads.map((started) => started.closed)),
    ).finally(() => (done = true));
    await traffic;
    for (const { after, answer } of closed) {
      // Well before the 60 s request timeout: the 5 s grace, then the next check.
      expect(after).toBeLessThan(20_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(errorBody(408, BODY_TOO_SLOW));
    }
    expect(served.length).toBeGreaterThan(10);
    expect(new Set(served)).toEqual(new Set([200]));
  }, 40_000);

  it('closes a trickling body that was already answered (a 401 before the body was read)', async () => {
    const started = upload(
      port,
      post('/api/messages/send/0123456789abcdef01234567', 100_000),
      100_000,
      1,
      1000,
    );
    uploads.push(started);
    const { after, answer } = await within(25_000, 'the connection was still open', started.closed);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(after).toBeLessThan(20_000);
  }, 40_000);

  it('lets a slow but steady body through: 16 KiB at 2 KiB per second', async () => {
    const body = 16 * 1024;
    const started = upload(port, post('/api/auth/login', body), body, 512, 250);
    uploads.push(started);
    const answer = await started.answered;
    // The body (spaces only) arrives whole and is refused by the JSON parser, not by the rate check.
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  }, 40_000);
});
