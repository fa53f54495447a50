import type { NestExpressApplication } from '@nestjs/platform-express';
import fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { decodePayload, forgeToken, GOOD_PASSWORD, signUp, uniqueEmail } from '../support/auth.js';
import { errorBody } from '../support/http/errors.js';
import {
  hostileRequests,
  type Credential,
  type HostileRequest,
  type Route,
  type TokenAttack,
} from '../support/http/hostile-requests.js';
import { createTestApp, TEST_ENV } from '../support/app/test-app.js';

describe('Hostile input: known cases (e2e)', () => {
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  describe('strings holding a lone UTF-16 surrogate (not text) answer 400', () => {
    it.each<[string, string, Record<string, unknown>, string, string]>([
      [
        'signup email',
        '/api/auth/signup',
        { fullName: 'Ada', email: 'a\ud800@x.io', password: GOOD_PASSWORD },
        'email',
        'email must be valid Unicode text',
      ],
      [
        'signup password',
        '/api/auth/signup',
        { fullName: 'Ada', email: uniqueEmail(), password: `${GOOD_PASSWORD}\udfff` },
        'password',
        'password must be valid Unicode text',
      ],
      [
        'login email',
        '/api/auth/login',
        { email: 'a\ud800@x.io', password: GOOD_PASSWORD },
        'email',
        'email must be valid Unicode text',
      ],
      [
        'a nested value',
        '/api/auth/signup',
        { fullName: { first: ['\ud800'] }, email: uniqueEmail(), password: GOOD_PASSWORD },
        'fullName.first.0',
        'fullName.first.0 must be valid Unicode text',
      ],
      [
        'a key',
        '/api/auth/login',
        { 'e\ud800': 'x', password: GOOD_PASSWORD },
        'body',
        'Field names must be valid Unicode text',
      ],
    ])('in the %s', async (_name, path, body, field, message) => {
      const res = await http().post(path).send(body).expect(400);
      expect(res.body).toEqual({ ...errorBody(400, message), errors: [{ field, message }] });
    });

    it('while a well-formed astral character (a surrogate pair) is fine', async () => {
      await http()
        .post('/api/auth/signup')
        .send({ fullName: 'Ada 🦊', email: uniqueEmail(), password: GOOD_PASSWORD })
        .expect(201);
    });
  });

  describe('a correctly signed token whose payload is not an object answers 401', () => {
    it.each<[string, unknown]>([
      ['null', null],
      ['a number', 42],
      ['an array', ['sub', 'sid']],
      ['a string', 'sub'],
      ['true', true],
    ])('%s', async (_name, payload) => {
      const token = forgeToken(payload, { secret: TEST_ENV.JWT_SECRET });
      for (const auth of [{ Cookie: `jwt=${token}` }, { Authorization: `Bearer ${token}` }]) {
        const res = await http().get('/api/auth/check').set(auth).expect(401);
        expect(res.body.message).toBe('Your session is invalid or has expired, please log in again');
      }
    });

    it('as does one whose claims are objects', async () => {
      const { user } = await signUp(app);
      const token = forgeToken(
        { sub: user._id, sid: { $ne: null }, exp: Math.floor(Date.now() / 1000) + 600 },
        { secret: TEST_ENV.JWT_SECRET },
      );
      await http().get('/api/auth/check').set('Authorization', `Bearer ${token}`).expect(401);
    });
  });

  describe('requests Node’s HTTP parser refuses get the JSON error shape too', () => {
    let port: number;
    beforeAll(async () => {
      await app.listen(0, '127.0.0.1');
      port = (app.getHttpServer().address() as AddressInfo).port;
    });

    it.each<[string, string, number, string]>([
      [
        'headers over 16 KB',
        `GET /api/health HTTP/1.1\r\nHost: x\r\nCookie: jwt=${'x'.repeat(20_000)}\r\n\r\n`,
        431,
        'The request headers are too large',
      ],
      ['a broken request line', 'GET /api/health HTTP/9\r\n\r\n', 400, 'The request is not valid HTTP'],
      [
        'a bad Content-Length',
        'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
        400,
        'The request is not valid HTTP',
      ],
    ])('%s', async (_name, raw, status, message) => {
      const answer = await rawExchange(port, raw);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(head).toMatch(/content-type: application\/json/i);
      const parsed = JSON.parse(body) as { requestId: string };
      expect(parsed).toEqual(errorBody(status, message));
      // The id a user would quote is the one the header carries.
      expect(head).toContain(`X-Request-Id: ${parsed.requestId}`);
    });
  });
});

/** Writes raw bytes to the server and reads the answer until it closes the connection. */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

/**
 * Generated hostile requests against every route the app documents: malformed, truncated and
 * invalid-UTF-8 bodies, wrong types, huge and deeply nested values, prototype keys, wrong content
 * types, tampered and foreign tokens, bad ids. Seeded, so a failure reproduces.
 */
describe('Hostile input: property-based, every route (e2e)', () => {
  const SEED = 20_260_930;
  const RUNS = 10_000;
  const WARM_UP_RUNS = 500;
  const MAX_HEAP_GROWTH_BYTES = 64 * 1024 * 1024;

  let app: NestExpressApplication;
  let port: number;
  let routes: Route[];
  let session: Awaited<ReturnType<typeof signUp>>;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const crashes: unknown[] = [];
  const recordCrash = (error: unknown) => crashes.push(error);

  beforeAll(async () => {
    process.on('uncaughtException', recordCrash);
    process.on('unhandledRejection', recordCrash);
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    routes = await documentedRoutes(port);
    session = await signUp(app);
  });
  afterAll(async () => {
    agent.destroy();
    await app.close();
    process.off('uncaughtException', recordCrash);
    process.off('unhandledRejection', recordCrash);
  });

  /** Turns a generated credential into headers, with the live session's tokens. */
  function authHeaders(credential: Credential): Record<string, string> {
    if (credential.kind === 'none') return {};
    if (credential.kind === 'raw-cookie') return { Cookie: credential.value };
    const token = credential.kind === 'session' ? session.token : attackToken(credential.token);
    return credential.via === 'cookie' ? { Cookie: `jwt=${token}` } : { Authorization: `Bearer ${token}` };
  }

  function attackToken(attack: TokenAttack): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: session.user._id, sid: decodePayload(session.token).sid, iat: now, exp: now + 600 };
    const secret = TEST_ENV.JWT_SECRET;
    switch (attack.attack) {
      case 'tampered': {
        const [head, payload, signature] = session.token.split('.');
        const at = attack.at % payload.length;
        const flipped = payload[at] === 'A' ? 'B' : 'A';
        return `${head}.${payload.slice(0, at)}${flipped}${payload.slice(at + 1)}.${signature}`;
      }
      case 'foreign-key':
        return forgeToken(claims, { secret: 'a-key-that-is-not-ours-but-long-enough-0123456789' });
      case 'alg-none':
        return forgeToken(claims, { alg: 'none' });
      case 'expired':
        return forgeToken({ ...claims, iat: now - 1000, exp: now - 10 }, { secret });
      case 'odd-payload':
        return forgeToken(attack.payload, { secret });
      case 'garbage':
        return attack.text;
    }
  }

  async function check(generated: HostileRequest): Promise<void> {
    const headers: Record<string, string> = { ...authHeaders(generated.credential) };
    if (generated.contentType !== undefined) headers['Content-Type'] = generated.contentType;
    if (generated.contentEncoding !== undefined) headers['Content-Encoding'] = generated.contentEncoding;
    // Node's client frames a GET's body only when told its length; unframed bytes would be a second request.
    if (generated.body !== undefined) headers['Content-Length'] = String(generated.body.length);
    const res = await send(port, agent, {
      method: generated.method,
      path: generated.path,
      headers,
      body: generated.body,
    });
    const context = `${generated.method} ${generated.path.slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
    expect(res.status, context).toBeLessThan(500);
    expect(res.text, context).not.toMatch(LEAK);
    if (res.status >= 400 && generated.method !== 'HEAD') {
      expect(parseJson(res.text), context).toMatchObject({
        statusCode: res.status,
        message: expect.any(String),
      });
    }
    // A write that succeeded with the live session may have ended it (logout): start a new one.
    if (
      generated.credential.kind === 'session' &&
      res.status < 300 &&
      !['GET', 'HEAD', 'OPTIONS'].includes(generated.method)
    ) {
      session = await signUp(app);
    }
  }

  it(`answers ${RUNS} generated requests without a 5xx, a leak, a crash, pollution or a memory leak`, async () => {
    expect(routes.length).toBeGreaterThanOrEqual(14);
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/api/auth/signup' },
        { method: 'DELETE', path: '/api/auth/sessions/{id}' },
        { method: 'PUT', path: '/api/users/me/avatar' },
      ]),
    );
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const property = fc.asyncProperty(hostileRequests(routes), check);

    await fc.assert(property, { seed: SEED + 1, numRuns: WARM_UP_RUNS });
    const heapBefore = settledHeapUsed();
    await fc.assert(property, { seed: SEED, numRuns: RUNS });
    const heapAfter = settledHeapUsed();

    expect(crashes).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(heapAfter - heapBefore).toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    // Still serving normal requests.
    await request(app.getHttpServer()).get('/api/health').expect(200);
    const { cookie } = await signUp(app);
    await request(app.getHttpServer()).get('/api/auth/check').set('Cookie', cookie).expect(200);
  }, 300_000);
});

/** A stack frame, a bcrypt or peppered hash, or a driver error: nothing of these may reach a client. */
const LEAK = /\s+at .+:\d+:\d+\)?$|\$2[aby]\$\d\d\$|hmac-sha384-bcrypt|Mongo[A-Za-z]*Error|node_modules/m;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

async function documentedRoutes(port: number): Promise<Route[]> {
  const res = await fetch(`http://127.0.0.1:${port}/api/docs-json`);
  const document = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path })),
  );
}

/** heapUsed after full garbage collections; gc is exposed at run time, no node flag needed. */
function settledHeapUsed(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function send(
  port: number,
  agent: Agent,
  options: { method: string; path: string; headers: Record<string, string>; body?: Buffer },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: options.method,
        path: options.path,
        headers: options.headers,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within 10 s: ${options.method} ${options.path.slice(0, 100)}`)),
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
