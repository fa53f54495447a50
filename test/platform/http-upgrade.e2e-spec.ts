import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { signUp, WRONG_PASSWORD } from '../support/auth.js';
import { errorBody } from '../support/http/errors.js';
import { RawClient } from '../support/http/raw-http.js';
import { connectWithCookie, listenOnFreePort } from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';

const run = promisify(execFile);

/** What HTTP/2 clients add to an http:// request (curl --http2, Java's HttpClient). */
const H2C_UPGRADE =
  'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n';

/**
 * A request may ask to switch protocols (RFC 9110 §7.8); a server that does not switch answers it as
 * HTTP/1.1. Only a WebSocket upgrade to the Socket.IO path switches.
 */
describe('Platform: requests that offer a protocol upgrade (e2e)', () => {
  let app: NestExpressApplication;
  let base: string;
  let port: number;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    app = await createTestApp();
    base = await listenOnFreePort(app);
    port = Number(new URL(base).port);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(async () => {
    await app?.close();
  });

  const client = () => {
    const created = new RawClient(port);
    clients.push(created);
    return created;
  };

  it('answers curl --http2 on an http:// URL with an ordinary HTTP/1.1 response', async () => {
    const { stdout } = await run('curl', ['--http2', '-sS', '-i', '--max-time', '5', `${base}/api/health`]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(JSON.parse(stdout.slice(stdout.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 'ok' });
  });

  it('answers an h2c upgrade on a raw socket, and keeps the connection for the next request', async () => {
    const raw = client();
    raw.send(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n${H2C_UPGRADE}\r\n`);
    const [first] = await raw.responses(1);
    expect(first.status).toBe('HTTP/1.1 200 OK');
    expect(first.headers).not.toMatch(/\r\nupgrade:/i);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'ok' });

    raw.send('GET /api/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const [, second] = await raw.responses(2);
    expect(second.status).toBe('HTTP/1.1 404 Not Found');
  });

  it('reads the body of an h2c upgrade request like any other body', async () => {
    const { email } = await signUp(app);
    const body = JSON.stringify({ email, password: WRONG_PASSWORD });
    const raw = client();
    raw.send(
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${H2C_UPGRADE}\r\n${body}`,
    );
    const [response] = await raw.responses(1);
    expect(response.status).toBe('HTTP/1.1 401 Unauthorized');
    expect(JSON.parse(response.body)).toEqual(errorBody(401, 'Invalid email or password'));
  });

  it('answers a WebSocket upgrade to a path that is not the chat socket as a plain request', async () => {
    const raw = client();
    raw.send(
      'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const [response] = await raw.responses(1);
    expect(response.status).toBe('HTTP/1.1 200 OK');
  });

  it('still switches the chat socket to WebSocket', async () => {
    const { cookie } = await signUp(app);
    const socket = await connectWithCookie(base, cookie, { transports: ['websocket'] });
    expect(socket.io.engine.transport.name).toBe('websocket');
    socket.disconnect();
  });
});
