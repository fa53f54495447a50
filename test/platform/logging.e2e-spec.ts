import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { startAppProcess, type AppProcess } from '../support/app/app-process.js';
import { type Child, freePort, spawnTs, stopChild } from '../support/app/child-process.js';
import { startDatabaseProcess } from '../support/db/database-process.js';
import { dataUri, png } from '../support/images.js';
import { OutboxMailbox, SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { connected, connectWithCookie, openSocket, refused } from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Request ids (e2e)', () => {
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp({ CORS_ORIGINS: 'https://chat.example' });
  });
  afterAll(() => app?.close());

  it('keeps a sane incoming X-Request-Id and returns it in the header and the error body', async () => {
    const res = await http().get('/api/auth/check').set('X-Request-Id', 'lb-7f3a.2026:11/30+x=1').expect(401);
    expect(res.headers['x-request-id']).toBe('lb-7f3a.2026:11/30+x=1');
    expect(res.body.requestId).toBe('lb-7f3a.2026:11/30+x=1');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'two words'],
    ['with quotes and braces', '"}{"admin":true'],
    ['with a CRLF-less header injection attempt', 'id;\tx'],
  ])('replaces an id %s with a new UUID', async (_name, incoming) => {
    const res = await http().get('/api/nope').set('X-Request-Id', incoming).expect(404);
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('does not echo a query string (where tokens travel) in a 404', async () => {
    const res = await http().get('/api/nope/x?access_token=Echoed-Secret-4455').expect(404);
    expect(res.body.message).toBe('Cannot GET /api/nope/x');
    expect(JSON.stringify(res.body)).not.toContain('Echoed-Secret');
  });

  it('gives every request a different id, successes included', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await http().get('/api/health').expect(200)).headers['x-request-id']),
    );
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });

  it('lets an allowed browser origin read the id (CORS exposes the header)', async () => {
    const res = await http().get('/api/auth/check').set('Origin', 'https://chat.example').expect(401);
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/i);
  });

  it('puts the id on answers refused before any route (a malformed JSON body)', async () => {
    const res = await http()
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'broken-body-1')
      .send('{"email":')
      .expect(400);
    expect(res.body).toMatchObject({
      message: 'The request body is not valid JSON',
      requestId: 'broken-body-1',
    });
  });
});

interface LogLine {
  level: number;
  time: string;
  msg: string;
  context?: string;
  requestId?: string;
  method?: string;
  route?: string;
  status?: number;
  durationMs?: number;
  userId?: string;
  ip?: string;
}

/** The JSON lines the app printed (anything else it printed is returned as `other`). */
function parseLog(output: string): { lines: LogLine[]; other: string[] } {
  const lines: LogLine[] = [];
  const other: string[] = [];
  for (const text of output.split('\n').filter(Boolean)) {
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      other.push(text);
    }
  }
  return { lines, other };
}

/**
 * The real process with JSON logs at the most verbose level, driven through every route with secrets
 * that are easy to recognise; then every byte it printed is searched for them.
 */
describe('Logs of a real process (e2e)', () => {
  let proc: AppProcess;
  let outbox: OutboxMailbox;
  const secrets: string[] = [];
  const ids = new Set<string>();
  /** The ids of the two refused sign-ins (a wrong password, an unknown address). */
  const failedLoginIds: string[] = [];

  const call = async (
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const isForm = init.body instanceof URLSearchParams || init.body instanceof FormData;
    const res = await fetch(`${proc.base}/api${path}`, {
      method,
      headers: {
        ...(init.body !== undefined && !isForm ? { 'Content-Type': 'application/json' } : {}),
        'User-Agent': 'log-test/1.0',
        ...init.headers,
      },
      body:
        init.body === undefined ? undefined : isForm ? (init.body as BodyInit) : JSON.stringify(init.body),
      redirect: 'manual',
    });
    ids.add(res.headers.get('x-request-id') ?? '');
    const text = await res.text();
    return {
      status: res.status,
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
      headers: res.headers,
    };
  };
  const cookieOf = (headers: Headers) => {
    const cookie = headers.getSetCookie().find((value) => value.startsWith('jwt='));
    if (!cookie) throw new Error('no session cookie');
    const pair = cookie.split(';')[0];
    secrets.push(pair.slice('jwt='.length));
    return pair;
  };

  let database: Child | undefined;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'logging-e2e-'));
    outbox = OutboxMailbox.of(dataDir);
    // A database of its own, so that the end of the drive can kill it and log the outage path too.
    const dbPort = await freePort();
    database = await startDatabaseProcess(dbPort, join(dataDir, 'db'));
    // A frontend served by the API: its page URLs are logged too, and an app's reset page can put the
    // token in the path (PASSWORD_RESET_URL=.../reset/{token}).
    await mkdir(join(dataDir, 'frontend'));
    await writeFile(join(dataDir, 'frontend', 'index.html'), '<!doctype html><title>chat</title>');
    proc = await startAppProcess({
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'verbose',
      DATA_DIR: dataDir,
      TRUST_PROXY: 'true',
      // Polling, as the app does for its own embedded server: the streaming heartbeat flaps here.
      MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/logs?serverMonitoringMode=poll`,
      FRONTEND_DIR: join(dataDir, 'frontend'),
    });

    const email = `log-${Date.now()}@example.com`;
    const other = `log-other-${Date.now()}@example.com`;
    const [password, password2, password3, wrong] = [
      'Secret-Signup-Pass-4417',
      'Secret-Changed-Pass-5528',
      'Secret-Reset-Pass-6639',
      'Secret-Wrong-Pass-7740',
    ];
    secrets.push(password, password2, password3, wrong);
    // A picture whose base64 holds a marker no log line may show.
    const picture = dataUri(Buffer.concat([png(2, 2), Buffer.from('PICTURE-BYTES-MARKER-0042')]));
    secrets.push(picture.slice(picture.indexOf(',') + 1, picture.indexOf(',') + 60), picture.slice(-40));

    const signup = await call('POST', '/auth/signup', {
      body: { fullName: 'Log Tester', email, password },
    });
    expect(signup.status).toBe(201);
    let cookie = cookieOf(signup.headers);
    const peer = await call('POST', '/auth/signup', {
      body: { fullName: 'Peer', email: other, password },
    });
    const peerId = peer.json()._id as string;

    for (const body of [
      { email, password: wrong },
      { email: 'nobody@example.com', password: wrong },
    ]) {
      const refused = await call('POST', '/auth/login', { body });
      expect(refused.status).toBe(401);
      failedLoginIds.push(refused.headers.get('x-request-id') ?? '');
    }
    // A password in a body that does not parse: the parser's error quotes the input.
    await call('POST', '/auth/login', {
      body: undefined,
      headers: { 'Content-Type': 'application/json' },
    });
    await fetch(`${proc.base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"email":"${email}","password":"${wrong}"`,
    });
    const login = await call('POST', '/auth/login', {
      body: { email, password },
      headers: { 'X-Forwarded-For': '203.0.113.9' },
    });
    cookie = cookieOf(login.headers);
    const token = await call('POST', '/auth/token', {
      body: new URLSearchParams({
        grant_type: 'password',
        username: email,
        password,
      }),
    });
    const bearer = token.json().access_token as string;
    secrets.push(bearer);
    await call('GET', '/auth/check', { headers: { Cookie: cookie } });
    // The chat socket: its handshake carries the cookie, or a token in `auth`.
    const socket = await connectWithCookie(proc.base, cookie);
    socket.disconnect();
    const bearerSocket = openSocket(proc.base, { auth: { token: bearer } });
    await connected(bearerSocket);
    bearerSocket.disconnect();
    expect(
      (await refused(openSocket(proc.base, { auth: { token: 'Forged.Socket.Token-Secret-3319' } }))).data,
    ).toEqual({
      status: 401,
    });
    secrets.push('Forged.Socket.Token-Secret-3319');
    await call('GET', '/auth/check', {
      headers: { Authorization: `Bearer ${bearer}` },
    });
    await call('GET', '/auth/check', {
      headers: { Authorization: 'Bearer Forged.Bearer.Token-Secret-8851' },
    });
    secrets.push('Forged.Bearer.Token-Secret-8851');
    const sessions = await call('GET', '/auth/sessions', {
      headers: { Cookie: cookie },
    });
    const otherSession = (sessions.json() as unknown as Array<{ id: string; current: boolean }>).find(
      (s) => !s.current,
    );
    expect(otherSession).toBeDefined();
    const revoked = await call('DELETE', `/auth/sessions/${otherSession?.id}`, {
      headers: { Cookie: cookie },
    });
    expect(revoked.status).toBe(204);
    await call('PUT', '/auth/update-profile', {
      body: { profilePic: picture },
      headers: { Cookie: cookie },
    });
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png(3, 3))], { type: 'image/png' }), 'me.png');
    await call('PUT', '/users/me/avatar', {
      body: form,
      headers: { Cookie: cookie },
    });
    await call('GET', '/users/me', { headers: { Cookie: cookie } });
    await call('PATCH', '/users/me', {
      body: { fullName: 'Log Tester Two' },
      headers: { Cookie: cookie },
    });
    await call('GET', `/messages/users`, { headers: { Cookie: cookie } });
    await call('POST', `/messages/send/${peerId}`, {
      body: { text: 'hello', image: picture },
      headers: { Cookie: cookie },
    });
    await call('GET', `/messages/${peerId}?limit=5`, {
      headers: { Cookie: cookie },
    });
    await call('PUT', '/auth/password', {
      body: { currentPassword: wrong, newPassword: password2 },
      headers: { Cookie: cookie },
    });
    expect(
      (
        await call('PUT', '/auth/password', {
          body: { currentPassword: password, newPassword: password2 },
          headers: { Cookie: cookie },
        })
      ).status,
    ).toBe(204);

    const verifyLink = (await outbox.waitFor(email, SUBJECT.verify)).links[0];
    secrets.push(tokenOf(verifyLink));
    await call('GET', `/auth/verify-email?token=${encodeURIComponent(tokenOf(verifyLink))}`);
    await call('POST', '/auth/resend-verification', {
      headers: { Cookie: cookie },
    });
    await call('PUT', '/auth/email', {
      body: {
        newEmail: `log-new-${Date.now()}@example.com`,
        password: password2,
      },
      headers: { Cookie: cookie },
    });
    await call('POST', '/auth/forgot-password', { body: { email } });
    const resetLink = (await outbox.waitFor(email, SUBJECT.reset)).links[0];
    const resetToken = tokenOf(resetLink);
    secrets.push(resetToken);
    await call('GET', `/auth/reset-password?token=${encodeURIComponent(resetToken)}`);
    await call('POST', '/auth/reset-password', {
      body: { token: 'Not-A-Real-Token-Secret-9962', newPassword: password3 },
    });
    secrets.push('Not-A-Real-Token-Secret-9962');
    expect(
      (
        await call('POST', '/auth/reset-password', {
          body: { token: resetToken, newPassword: password3 },
        })
      ).status,
    ).toBe(204);
    const again = await call('POST', '/auth/login', {
      body: { email, password: password3 },
    });
    cookie = cookieOf(again.headers);
    await call('POST', '/auth/logout-all', { headers: { Cookie: cookie } });
    cookie = cookieOf(
      (
        await call('POST', '/auth/login', {
          body: { email, password: password3 },
        })
      ).headers,
    );
    await call('POST', '/auth/logout', { headers: { Cookie: cookie } });
    cookie = cookieOf(
      (
        await call('POST', '/auth/login', {
          body: { email, password: password3 },
        })
      ).headers,
    );
    await call('DELETE', '/users/me', {
      body: { password: password3 },
      headers: { Cookie: cookie },
    });
    await call('GET', '/health');
    await call('GET', '/nope?token=Query-Token-Secret-1173');
    secrets.push('Query-Token-Secret-1173');
    await call('GET', '/auth/check', {
      headers: { 'X-Forwarded-For': '<script>not-an-ip</script>', 'X-Request-Id': 'garbage-xff-1' },
    });
    const page = await fetch(`${proc.base}/reset/${resetToken}`);
    expect(page.status).toBe(200);
    ids.add(page.headers.get('x-request-id') ?? '');
    // The database goes away: the errors the driver raises are logged, with what was asked of it.
    database.process.kill('SIGKILL');
    await database.exited;
    const outage = await call('POST', '/auth/signup', {
      body: {
        fullName: 'Outage',
        email: `log-outage-${Date.now()}@example.com`,
        password: 'Secret-Outage-Pass-8862',
      },
    });
    secrets.push('Secret-Outage-Pass-8862');
    expect(outage.status).toBe(503);
    expect((await call('POST', '/auth/login', { body: { email, password: password3 } })).status).toBe(503);
    // Every access line is written when its response finishes, before the next request here.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }, 120_000);

  afterAll(async () => {
    await stopChild(proc);
    await stopChild(database);
  });

  it('prints JSON lines only, Nest’s own lines included', () => {
    const { lines, other } = parseLog(proc.output());
    expect(other).toEqual([]);
    expect(
      lines.some((line) => line.context === 'NestApplication' && /successfully started/.test(line.msg)),
    ).toBe(true);
    expect(lines.some((line) => line.context === 'RouterExplorer')).toBe(true);
  });

  it('never prints a password, hash, cookie, Authorization header, token or picture bytes', () => {
    const output = proc.output();
    expect(secrets.length).toBeGreaterThan(12);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(15);
      expect(output.includes(secret), `the log contains ${secret.slice(0, 12)}…`).toBe(false);
    }
    expect(output).not.toMatch(/\$2[aby]\$\d\d\$/);
    expect(output).not.toMatch(/jwt=/);
    expect(output).not.toMatch(/Bearer /i);
    expect(output).not.toMatch(/PICTURE-BYTES-MARKER|data:image/);
    expect(output).not.toMatch(/[?&]token=/);
  });

  it('writes one access line per request, with its id, route template, status, duration, user and IP', () => {
    const access = parseLog(proc.output()).lines.filter((line) => line.route !== undefined);
    expect(ids.has('')).toBe(false);
    for (const id of ids) {
      expect(
        access.filter((line) => line.requestId === id),
        `access lines of request ${id}`,
      ).toHaveLength(1);
    }
    expect(access.find((line) => line.route === '/api/auth/sessions/:id')).toMatchObject({
      method: 'DELETE',
      status: 204,
    });

    const login = access.find(
      (line) => line.route === '/api/auth/login' && line.status === 200 && line.ip === '203.0.113.9',
    );
    expect(login).toMatchObject({ method: 'POST', level: 30 });
    const send = access.find((line) => line.route === '/api/messages/send/:id');
    expect(send).toMatchObject({
      method: 'POST',
      status: 201,
      level: 30,
      ip: '127.0.0.1',
    });
    expect(send?.userId).toMatch(/^[0-9a-f]{24}$/);
    expect(send?.durationMs).toEqual(expect.any(Number));
    // TRUST_PROXY=true believes X-Forwarded-For, but only an IP address: else the connection's.
    expect(access.find((line) => line.requestId === 'garbage-xff-1')).toMatchObject({ ip: '127.0.0.1' });
    expect(access.find((line) => line.route === '/api/nope')).toMatchObject({
      status: 404,
    });
  });

  it('logs socket handshakes, accepted and refused, without their tokens', () => {
    const { lines } = parseLog(proc.output());
    const connected = lines.filter((line) => line.msg === 'Socket connected');
    // The cookie's handshake and the bearer token's.
    expect(connected).toHaveLength(2);
    for (const line of connected)
      expect(line).toMatchObject({ userId: expect.stringMatching(/^[0-9a-f]{24}$/), ip: '127.0.0.1' });
    expect(
      lines.some((line) => line.msg.startsWith('Socket handshake refused: Your session is invalid')),
    ).toBe(true);
  });

  it('logs the outage: 503 access lines at error level and the driver error at warn, with their ids', () => {
    const { lines } = parseLog(proc.output());
    const failed = lines.filter((line) => line.status === 503);
    expect(failed.map((line) => [line.route, line.level])).toEqual([
      ['/api/auth/signup', 50],
      ['/api/auth/login', 50],
    ]);
    const warnings = lines.filter((line) => line.level === 40 && line.msg.startsWith('Database unavailable'));
    expect(warnings.map((line) => line.requestId)).toEqual(failed.map((line) => line.requestId));
  });

  it('keeps health probes below `log` level (pino debug), every other access line at info', () => {
    const access = parseLog(proc.output()).lines.filter((line) => line.route !== undefined);
    const health = access.filter((line) => line.route === '/api/health');
    expect(health.length).toBeGreaterThan(0);
    expect(new Set(health.map((line) => line.level))).toEqual(new Set([20]));
    expect(access.filter((line) => line.route !== '/api/health' && line.level < 30)).toEqual([]);
  });

  it('ties the lines a request caused (its security events) to its id', () => {
    const { lines } = parseLog(proc.output());
    const failed = lines.filter((line) => line.context === 'Audit' && /login\.failed/.test(line.msg));
    const byId = (a: unknown, b: unknown) => String(a).localeCompare(String(b));
    expect(failed.map((line) => line.requestId).sort(byId)).toEqual([...failedLoginIds].sort(byId));
  });
});

describe('Logs at the default level, pretty (e2e)', () => {
  let proc: AppProcess;

  beforeAll(async () => {
    proc = await startAppProcess({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'log' });
  }, 120_000);
  afterAll(() => stopChild(proc));

  it('prints readable lines, and no line at all for health probes', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${proc.base}/api/health`)).status).toBe(200);
    const check = await fetch(`${proc.base}/api/auth/check`, {
      headers: { 'X-Request-Id': 'pretty-check-1', 'X-Forwarded-For': '198.51.100.7' },
    });
    expect(check.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const output = proc.output();
    expect(output).toMatch(/INFO.*GET \/api\/auth\/check 401 \d+ms.*pretty-check-1/);
    // Without TRUST_PROXY the client's address is the connection's, whatever X-Forwarded-For says.
    expect(output).toMatch(/"ip":"127\.0\.0\.1"/);
    expect(output).not.toContain('198.51.100.7');
    expect(output).not.toMatch(/GET \/api\/health/);
    expect(output).not.toMatch(/^\{"level"/m);
  });
});

describe('Logs of a start that fails (e2e)', () => {
  it('reports a bad setting as JSON lines in production, and exits 1', async () => {
    const child = spawnTs('src/main.ts', {
      NODE_ENV: 'production',
      METRICS_TOKEN: 'too-short',
      LOG_FORMAT: '',
      LOG_LEVEL: '',
    });
    expect(await child.exited).toEqual({ code: 1, signal: null });
    const { lines, other } = parseLog(child.output());
    expect(other).toEqual([]);
    expect(lines.find((line) => line.level === 50)?.msg).toMatch(
      /METRICS_TOKEN must be at least 16 characters/,
    );
  }, 60_000);
});
