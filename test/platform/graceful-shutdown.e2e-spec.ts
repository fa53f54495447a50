import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { type AppProcess, startAppProcess } from '../support/app/app-process.js';
import { stopChild } from '../support/app/child-process.js';
import { pngOfSize } from '../support/images.js';
import { connectWithCookie } from '../support/sockets.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request whose body the test sends in two parts, so it is in flight for as long as the test wants. */
function trickledRequest(
  app: AppProcess,
  options: { method: string; path: string; headers: Record<string, string>; body: Buffer },
) {
  const half = Math.floor(options.body.length / 2);
  const req = httpRequest(`${app.base}${options.path}`, {
    method: options.method,
    agent: false,
    headers: { ...options.headers, 'content-length': String(options.body.length) },
  });
  const response = new Promise<{ res: IncomingMessage; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ res, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  // Handled by whoever awaits it; not an unhandled rejection meanwhile.
  response.catch(() => undefined);
  req.write(options.body.subarray(0, half));
  return { response, finish: () => req.end(options.body.subarray(half)), abandon: () => req.destroy() };
}

function multipartAvatar(image: Buffer) {
  const boundary = 'shutdown-test-boundary';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n` +
        'Content-Type: image/png\r\n\r\n',
    ),
    image,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A multipart avatar upload that stays in flight until the test calls finish() (or abandon()). */
function trickledAvatarUpload(app: AppProcess, token: string) {
  const { body, contentType } = multipartAvatar(pngOfSize(200_000));
  return trickledRequest(app, {
    method: 'PUT',
    path: '/api/users/me/avatar',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
}

/** A keep-alive connection that has had one answer and now sits idle. */
async function idleKeepAliveConnection(
  app: AppProcess,
): Promise<{ socket: Socket; closed: Promise<number> }> {
  const socket = connect(app.port, '127.0.0.1');
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  socket.on('error', () => undefined);
  socket.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nConnection: keep-alive\r\n\r\n`);
  await new Promise<void>((resolve) => {
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('"status":"ok"') && seen.endsWith('}')) resolve();
    });
  });
  return { socket, closed };
}

function connectionRefused(app: AppProcess): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(app.port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * Whether new connections are refused within `ms`. A connect that lands in the kernel's accept queue
 * in the instant before the listener closes is reset without an answer; the next one is refused.
 */
async function refusedWithin(app: AppProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await connectionRefused(app)) return true;
    await pause(20);
  }
  return false;
}

async function signUpOver(app: AppProcess, email = uniqueEmail('shutdown')) {
  const res = await fetch(`${app.base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fullName: 'Shutdown Test', email, password: GOOD_PASSWORD }),
  });
  expect(res.status).toBe(201);
  const token = res.headers.get('set-cookie')!.split(';')[0].slice('jwt='.length);
  return { email, token };
}

/**
 * The real app in a child process, stopped by a real signal in the middle of a request: the request
 * completes, nothing new gets in, idle connections close at once, and the process exits 0.
 */
describe('Reliability: graceful shutdown (e2e)', () => {
  let app: AppProcess | undefined;
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'shutdown-'));
  });
  afterEach(async () => {
    await stopChild(app);
    app = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes an in-flight upload, refuses new connections, closes idle ones and exits 0', async () => {
    app = await startAppProcess({ DATA_DIR: dataDir });
    const { token } = await signUpOver(app);
    const idle = await idleKeepAliveConnection(app);
    const upload = trickledAvatarUpload(app, token);
    await pause(300);

    const signalled = Date.now();
    app.process.kill('SIGTERM');
    // Idle keep-alive connections are not waited for.
    expect((await idle.closed) - signalled).toBeLessThan(2000);
    expect(await refusedWithin(app, 1000)).toBe(true);
    expect(app.process.exitCode).toBeNull();

    upload.finish();
    const { res, body: answer } = await upload.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(answer).profilePic).toMatch(/^http:\/\/localhost:\d+\/media\/.+\.webp$/);
    expect(await app.exited).toEqual({ code: 0, signal: null });
    expect(app.output()).toMatch(/SIGTERM received/);
  }, 120_000);

  it('on SIGINT finishes in-flight signups, even one whose client hung up, flushes the embedded store and exits 0', async () => {
    // A bcrypt cost high enough that a signup is still hashing when the signal comes, and a grace
    // period long enough for two such hashes on a busy machine.
    const env = { NODE_ENV: 'development', DATA_DIR: dataDir, BCRYPT_COST: '14', SHUTDOWN_GRACE_MS: '60000' };
    app = await startAppProcess(env);
    const signUpTrickled = (email: string) =>
      trickledRequest(app!, {
        method: 'POST',
        path: '/api/auth/signup',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ fullName: 'Signed Up Late', email, password: GOOD_PASSWORD })),
      });
    const [waited, abandoned] = [uniqueEmail('sigint'), uniqueEmail('hung-up')];
    const signup = signUpTrickled(waited);
    const hungUp = signUpTrickled(abandoned);
    await pause(300);
    app.process.kill('SIGINT');
    await pause(300);
    expect(await refusedWithin(app, 1000)).toBe(true);
    signup.finish();
    // Its client hangs up while the signup waits behind the first one's hash: it is still written.
    hungUp.finish();
    await pause(500);
    hungUp.abandon();
    expect((await signup.response).res.statusCode).toBe(201);
    expect(await app.exited).toEqual({ code: 0, signal: null });

    // Both signups are on disk: a new process on the same data lets each user log in.
    app = await startAppProcess(env);
    for (const email of [waited, abandoned]) {
      const login = await fetch(`${app.base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: GOOD_PASSWORD }),
      });
      expect(login.status, email).toBe(200);
    }
  }, 180_000);

  it.each(['websocket', 'polling'])(
    'closes live chat sockets (%s) at once so their clients can reconnect, and exits 0 long before the grace period',
    async (transport) => {
      app = await startAppProcess({ DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '30000' });
      const { token } = await signUpOver(app);
      const socket = await connectWithCookie(app.base, `jwt=${token}`, { transports: [transport] });
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      const signalled = Date.now();
      app.process.kill('SIGTERM');
      // The transport ends, not a server-side disconnect ("io server disconnect"), after which a
      // Socket.IO client would not reconnect by itself.
      expect(await disconnected).toMatch(/^transport (close|error)$/);
      expect(await app.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalled).toBeLessThan(15_000);
    },
    120_000,
  );

  it('cuts a request that outlasts SHUTDOWN_GRACE_MS and still exits (status 1)', async () => {
    app = await startAppProcess({ DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '1000' });
    const { token } = await signUpOver(app);
    const upload = trickledAvatarUpload(app, token);
    await pause(300);
    const signalled = Date.now();
    app.process.kill('SIGTERM');
    await expect(upload.response).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(await app.exited).toEqual({ code: 1, signal: null });
    const took = Date.now() - signalled;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(10_000);
    expect(app.output()).toMatch(/cut off/);
  }, 120_000);
});
