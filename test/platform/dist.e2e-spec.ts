import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { freePort } from '../support/http/free-port.js';
import { connectWithCookie, nextEvent } from '../support/sockets.js';

/**
 * The other e2e tests run the TypeScript through Vitest's compiler. Production runs what `nest build`
 * emits (tsc with the Swagger plugin), whose decorator metadata can differ: this boots the built app
 * as `node dist/main.js` and checks the routes whose behaviour depends on that metadata.
 */
describe('Built app: node dist/main.js (e2e)', () => {
  let server: ChildProcess;
  let base: string;
  let output = '';

  beforeAll(async () => {
    execFileSync(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build'], { stdio: 'pipe' });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ['dist/main.js'], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        MONGODB_URI: '',
        // The single-instance default; test/platform/multi-instance.e2e-spec.ts covers REDIS_URL (CI sets it).
        REDIS_URL: '',
        PORT: String(port),
        LOG_LEVEL: 'log',
        BCRYPT_COST: '4',
        RATE_LIMIT_AUTH_PER_MINUTE: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await vi.waitFor(async () => expect((await fetch(`${base}/api/health`)).status).toBe(200), {
      timeout: 20_000,
      interval: 200,
    });
  }, 120_000);

  afterAll(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });

  const call = (path: string, init: RequestInit & { cookie?: string } = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.headers as Record<string, string>),
      },
    });
  const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0];

  it('logs the database, the media store and the URLs at start-up', () => {
    expect(output).toMatch(/Database: embedded MongoDB-compatible server, in memory/);
    expect(output).toMatch(/Media store: local disk/);
    expect(output).toMatch(/Redis: not configured \(single instance/);
    expect(output).toMatch(/API: http:\/\/localhost:\d+\/api/);
    expect(output).toMatch(/Chat socket: http:\/\/localhost:\d+\/socket\.io/);
    expect(output).toMatch(/Swagger UI: http:\/\/localhost:\d+\/api\/docs/);
  });

  it('signs up, lists and revokes sessions by id', async () => {
    const email = uniqueEmail('dist');
    const body = JSON.stringify({ fullName: 'Dist User', email, password: GOOD_PASSWORD });
    const signup = await call('/api/auth/signup', { method: 'POST', body });
    expect(signup.status).toBe(201);
    const first = cookieOf(signup);
    const login = await call('/api/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email, password: GOOD_PASSWORD }),
    });
    const second = cookieOf(login);
    const sessions = (await (await call('/api/auth/sessions', { cookie: first })).json()) as Array<{
      id: string;
      current: boolean;
    }>;
    const other = sessions.find((session) => !session.current)!;
    expect((await call(`/api/auth/sessions/${other.id}`, { method: 'DELETE', cookie: first })).status).toBe(
      204,
    );
    expect((await call('/api/auth/check', { cookie: second })).status).toBe(401);
    expect((await call('/api/auth/sessions/nope', { method: 'DELETE', cookie: first })).status).toBe(400);
    expect((await call('/api/auth/check', { cookie: first })).status).toBe(200);
  });

  it('serves an OpenAPI document with typed path parameters and DTO schemas', async () => {
    const doc = (await (await call('/api/docs-json')).json()) as {
      paths: Record<string, Record<string, { parameters?: Array<{ schema: object }> }>>;
      components: { schemas: Record<string, { properties?: object }> };
    };
    const [param] = doc.paths['/api/auth/sessions/{id}'].delete.parameters!;
    expect(param.schema).toEqual({ type: 'string' });
    expect(doc.components.schemas.Function).toBeUndefined();
    expect(Object.keys(doc.components.schemas.SignupDto.properties!)).toEqual(
      expect.arrayContaining(['fullName', 'email', 'password']),
    );
    expect(Object.keys(doc.components.schemas.ErrorResponseDto.properties!)).toEqual(
      expect.arrayContaining(['statusCode', 'message', 'error', 'errors']),
    );
  });

  it("delivers a message sent over REST to the receiver's socket", async () => {
    const signUp = async (name: string) => {
      const body = JSON.stringify({ fullName: name, email: uniqueEmail('dist'), password: GOOD_PASSWORD });
      const res = await call('/api/auth/signup', { method: 'POST', body });
      return { cookie: cookieOf(res), id: ((await res.json()) as { _id: string })._id };
    };
    const alice = await signUp('Dist Alice');
    const bob = await signUp('Dist Bob');
    const socket = await connectWithCookie(base, bob.cookie);
    try {
      const delivered = nextEvent(socket, 'newMessage');
      const sent = await call(`/api/messages/send/${bob.id}`, {
        method: 'POST',
        cookie: alice.cookie,
        body: JSON.stringify({ text: 'from the built app' }),
      });
      expect(sent.status).toBe(201);
      expect(await delivered).toEqual(await sent.json());
    } finally {
      socket.disconnect();
    }
  });

  it('writes the served OpenAPI document with `npm run openapi` (dist/openapi.js), with no server or database', async () => {
    const file = join(tmpdir(), `openapi-${process.pid}-${Date.now()}.json`);
    try {
      // An unreachable database: the script must never try it (it would hang, then fail).
      execFileSync(process.execPath, ['dist/openapi.js', file], {
        env: { ...process.env, MONGODB_URI: 'mongodb://127.0.0.1:9/never' },
        stdio: 'pipe',
        timeout: 60_000,
      });
      const written = JSON.parse(await readFile(file, 'utf8')) as object;
      const served = (await (await call('/api/docs-json')).json()) as object;
      expect(written).toEqual(served);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('shuts down on SIGTERM with exit status 0', async () => {
    server.kill('SIGTERM');
    const [code, signal] = await once(server, 'exit');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });
});
