import { request as httpRequest } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import mongoose from 'mongoose';
import request from 'supertest';
import { EmbeddedMongo } from '../../src/database/embedded/embedded-mongo.js';
import { GOOD_PASSWORD, NEW_PASSWORD, uniqueEmail } from '../support/auth.js';
import { OutboxMailbox, SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { listenOnFreePort } from '../support/sockets.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';

const WRONG = 'definitely-not-the-password';
const ACCOUNT_CEILING = 12;

interface Reply {
  status: number;
  body: Record<string, unknown>;
  cookies: Record<string, string>;
  setCookie: string[];
}

/**
 * A browser or script at one client address: requests leave from `address` (a loopback address of its
 * own, as a real client's would be its own) and keep the cookies they are given, as a browser does.
 */
class Client {
  readonly cookies: Record<string, string> = {};

  constructor(
    private readonly base: string,
    readonly address: string,
  ) {}

  /** The same device, as a thief who copied its cookies would be, at another address. */
  copiedTo(address: string): Client {
    const thief = new Client(this.base, address);
    Object.assign(thief.cookies, this.cookies);
    return thief;
  }

  send(
    method: string,
    path: string,
    body?: object,
    options: { headers?: Record<string, string>; form?: boolean } = {},
  ): Promise<Reply> {
    const url = new URL(path, this.base);
    const payload =
      body === undefined
        ? undefined
        : options.form
          ? new URLSearchParams(body as Record<string, string>).toString()
          : JSON.stringify(body);
    const cookie = Object.entries(this.cookies)
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method,
          localAddress: this.address,
          headers: {
            ...(payload !== undefined && {
              'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
              'content-length': Buffer.byteLength(payload),
            }),
            ...(cookie && { cookie }),
            ...options.headers,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie'] ?? [];
            const cookies: Record<string, string> = {};
            for (const line of setCookie) {
              const [pair] = line.split(';');
              const [name, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
              cookies[name] = value;
              if (value === '') delete this.cookies[name];
              else this.cookies[name] = value;
            }
            resolve({
              status: res.statusCode ?? 0,
              body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
              cookies,
              setCookie,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  login(email: string, password: string): Promise<Reply> {
    return this.send('POST', '/api/auth/login', { email, password });
  }

  async signUp(email = uniqueEmail('owner')): Promise<string> {
    const res = await this.send('POST', '/api/auth/signup', {
      fullName: 'Owner',
      email,
      password: GOOD_PASSWORD,
    });
    expect(res.status).toBe(201);
    return email;
  }

  /** Signs out of the session only: the device stays known, as after closing a browser session. */
  async logout(): Promise<void> {
    expect((await this.send('POST', '/api/auth/logout')).status).toBe(200);
    expect(this.cookies.jwt).toBeUndefined();
  }
}

async function statuses(requests: Array<() => Promise<Reply>>): Promise<number[]> {
  const result: number[] = [];
  for (const request of requests) result.push((await request()).status);
  return result;
}
const times = <T>(count: number, make: () => T): T[] => Array.from({ length: count }, make);

/**
 * Issue 19, item 2: guessing slows and then stops the guesser (per account and client network, with a
 * ceiling per account across all networks), while the owner still signs in: on a device that signed
 * in before, or from another address below the ceiling. Re-confirming a signed-in session never
 * counts toward the login lock; cross-site posts to the token route are refused; a reset link is not
 * replaced by a request made minutes after it.
 */
describe('Brute-force protection that does not lock the owner out (e2e)', () => {
  let app: NestExpressApplication;
  let base: string;
  let outbox: OutboxMailbox;
  let addressCount = 0;
  /** A client at a loopback address no other test uses. */
  const newClient = () => {
    addressCount++;
    return new Client(base, `127.0.${Math.floor(addressCount / 250) + 10}.${(addressCount % 250) + 1}`);
  };

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'brute-force-'));
    app = await createTestApp({
      DATA_DIR: dataDir,
      // The per-IP request limit stays out of the way; the failure counts are what is tested.
      RATE_LIMIT_AUTH_PER_MINUTE: '1000',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_CEILING),
    });
    base = await listenOnFreePort(app);
    outbox = new OutboxMailbox(join(dataDir, 'outbox'));
  });
  afterAll(async () => {
    await app.close();
  });

  it('locks the guessing address, while the owner signs in on a known device and from another address', async () => {
    const owner = newClient();
    const email = await owner.signUp();
    await owner.logout();
    const attacker = newClient();

    expect(await statuses(times(5, () => () => attacker.login(email, WRONG)))).toEqual(times(5, () => 401));
    // The attacker's address is locked, even if it now guessed right.
    const locked = await attacker.login(email, GOOD_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.message).toBe('Too many attempts, please try again later');
    expect(locked.cookies.jwt).toBeUndefined();

    expect((await owner.login(email, GOOD_PASSWORD)).status).toBe(200);
    expect((await newClient().login(email, GOOD_PASSWORD)).status).toBe(200);
    expect((await attacker.login(email, GOOD_PASSWORD)).status).toBe(429);
  });

  it('stops a botnet at the account ceiling; then only known devices may still sign in', async () => {
    const owner = newClient();
    const email = await owner.signUp();
    const bots = times(4, newClient);
    for (const bot of bots) {
      expect(await statuses(times(3, () => () => bot.login(email, WRONG)))).toEqual([401, 401, 401]);
    }
    // ACCOUNT_CEILING failures from four addresses: a fifth address gets no password checked.
    expect((await newClient().login(email, GOOD_PASSWORD)).status).toBe(429);
    expect((await bots[0].login(email, GOOD_PASSWORD)).status).toBe(429);
    expect((await owner.login(email, GOOD_PASSWORD)).status).toBe(200);
    // And again: each success leaves a fresh known-device cookie behind.
    expect((await owner.login(email, GOOD_PASSWORD)).status).toBe(200);
  });

  it('gives a known device a small budget of its own: a copied cookie is no bypass', async () => {
    const owner = newClient();
    const email = await owner.signUp();
    const thief = owner.copiedTo(newClient().address);
    const guesses = await statuses(times(12, () => () => thief.login(email, WRONG)));
    // Five on the device's budget, then five more as any other address; then that address is locked.
    expect(guesses).toEqual([...times(10, () => 401), 429, 429]);
    expect((await thief.login(email, GOOD_PASSWORD)).status).toBe(429);
  });

  it('honours a known-device cookie only for its own account, and only as issued', async () => {
    const first = newClient();
    const other = await first.signUp();
    const second = newClient();
    const email = await second.signUp();
    const attacker = newClient();
    for (let i = 0; i < 5; i++) await attacker.login(email, WRONG);

    const cookie = first.cookies.known_device;
    const [user, device, expires, signature] = cookie.split('.');
    const forged = [
      cookie,
      [second.cookies.known_device.split('.')[0], device, expires, signature].join('.'),
      [user, device, String(Number(expires) + 1), signature].join('.'),
      `${cookie.slice(0, -1)}${cookie.endsWith('A') ? 'B' : 'A'}`,
    ];
    for (const value of forged) {
      attacker.cookies.known_device = value;
      expect((await attacker.login(email, GOOD_PASSWORD)).status).toBe(429);
    }
    expect((await first.login(other, GOOD_PASSWORD)).status).toBe(200);
  });

  it('sets the known-device cookie at signup and login: httpOnly, for the sign-in routes, a year', async () => {
    const owner = newClient();
    const email = uniqueEmail('owner');
    const signup = await owner.send('POST', '/api/auth/signup', {
      fullName: 'Owner',
      email,
      password: GOOD_PASSWORD,
    });
    const login = await owner.login(email, GOOD_PASSWORD);
    for (const res of [signup, login]) {
      const line = res.setCookie.find((value) => value.startsWith('known_device='));
      expect(line).toMatch(
        /^known_device=[a-f0-9]{24}\.[\w-]{22}\.\d+\.[\w-]{43}; Max-Age=31536000; Path=\/api\/auth; Expires=[^;]+; HttpOnly; SameSite=Lax$/,
      );
    }
    expect(login.cookies.known_device).not.toBe(signup.cookies.known_device);
    // A token client keeps no cookie: the token route sets none.
    const token = await newClient().send('POST', '/api/auth/token', { email, password: GOOD_PASSWORD });
    expect(token.status).toBe(200);
    expect(token.setCookie).toEqual([]);
  });

  it('never counts re-confirming a signed-in session toward the login lock', async () => {
    const owner = newClient();
    const email = await owner.signUp();
    const change = (currentPassword: string) =>
      owner.send('PUT', '/api/auth/password', { currentPassword, newPassword: NEW_PASSWORD });
    expect(await statuses(times(5, () => () => change(WRONG)))).toEqual(times(5, () => 401));
    // Its own budget is used up: a stolen session is no guessing oracle.
    expect((await change(GOOD_PASSWORD)).status).toBe(429);
    // The login of the same account, from the same address without a known device, is untouched.
    expect((await new Client(base, owner.address).login(email, GOOD_PASSWORD)).status).toBe(200);
  });

  it('lets the owner change the password and delete the account while their login is being guessed', async () => {
    const owner = newClient();
    const email = await owner.signUp();
    const attacker = newClient();
    for (let i = 0; i < 6; i++) await attacker.login(email, WRONG);
    expect((await attacker.login(email, GOOD_PASSWORD)).status).toBe(429);

    const changed = await owner.send('PUT', '/api/auth/password', {
      currentPassword: GOOD_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(changed.status).toBe(204);
    const deleted = await owner.send('DELETE', '/api/users/me', { password: NEW_PASSWORD });
    expect(deleted.status).toBe(204);
  });

  describe('the token route from another site', () => {
    it.each<[string, Record<string, string>]>([
      ['a foreign Origin', { origin: 'https://evil.example' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['both', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }],
    ])('refuses a form post with %s, before any password is checked or counted', async (_name, headers) => {
      const owner = newClient();
      const email = await owner.signUp();
      await owner.logout();
      const victim = newClient();
      const post = () =>
        victim.send(
          'POST',
          '/api/auth/token',
          { grant_type: 'password', username: email, password: WRONG },
          {
            form: true,
            headers,
          },
        );
      for (let i = 0; i < 8; i++) {
        const res = await post();
        expect(res.status).toBe(403);
        expect(res.body).toMatchObject({ message: 'Cross-site request refused', error: 'Forbidden' });
      }
      const failures = databaseOf(app).collection('login_failures');
      expect(await failures.countDocuments({ email })).toBe(0);
      expect((await victim.login(email, GOOD_PASSWORD)).status).toBe(200);
    });

    it('still serves REST clients, the frontend’s origin and same-origin pages', async () => {
      const email = await newClient().signUp();
      for (const headers of [
        {} as Record<string, string>,
        { origin: 'http://localhost:5173', 'sec-fetch-site': 'same-site' },
        { 'sec-fetch-site': 'same-origin' },
      ]) {
        const res = await newClient().send(
          'POST',
          '/api/auth/token',
          { grant_type: 'password', username: email, password: GOOD_PASSWORD },
          { form: true, headers },
        );
        expect(res.status).toBe(200);
        expect(res.body.access_token).toEqual(expect.any(String));
      }
    });
  });

  describe('password reset requests', () => {
    const forgot = async (client: Client, email: string) =>
      expect((await client.send('POST', '/api/auth/forgot-password', { email })).status).toBe(202);
    const reset = (client: Client, token: string, newPassword: string) =>
      client.send('POST', '/api/auth/reset-password', { token, newPassword });

    it('leaves the live link alone when asked again within minutes, by anyone', async () => {
      const owner = newClient();
      const email = await owner.signUp();
      await forgot(owner, email);
      const link = tokenOf((await outbox.waitFor(email, SUBJECT.reset)).links[0]);
      const stranger = newClient();
      await forgot(stranger, email);
      await forgot(stranger, email);
      // The later requests' work happens after their answers: the owner's link must survive it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await reset(owner, link, NEW_PASSWORD)).status).toBe(204);
      expect(await outbox.to(email, SUBJECT.reset)).toHaveLength(1);
      expect((await newClient().login(email, NEW_PASSWORD)).status).toBe(200);
    });

    it('replaces the link once it is a few minutes old', async () => {
      const owner = newClient();
      const email = await owner.signUp();
      await forgot(owner, email);
      const first = tokenOf((await outbox.waitFor(email, SUBJECT.reset)).links[0]);
      // Sent 6 minutes ago.
      await databaseOf(app)
        .collection('email_tokens')
        .updateOne(
          { purpose: 'password-reset', email },
          { $set: { expiresAt: new Date(Date.now() + 24 * 60_000) } },
        );
      await forgot(owner, email);
      const second = tokenOf((await outbox.waitFor(email, SUBJECT.reset, 2)).links[0]);
      expect((await reset(owner, first, NEW_PASSWORD)).status).toBe(400);
      expect((await reset(owner, second, NEW_PASSWORD)).status).toBe(204);
    });
  });
});

describe('Brute-force protection behind a trusted proxy (e2e)', () => {
  let app: NestExpressApplication;
  let base: string;

  beforeAll(async () => {
    app = await createTestApp({ RATE_LIMIT_AUTH_PER_MINUTE: '1000', TRUST_PROXY: 'true' });
    base = await listenOnFreePort(app);
  });
  afterAll(async () => {
    await app.close();
  });

  /** A login through the trusted proxy, for the client at `forwardedFor`. */
  const from = (forwardedFor: string) => ({
    login: (email: string, password: string) =>
      new Client(base, '127.0.0.1').send(
        'POST',
        '/api/auth/login',
        { email, password },
        { headers: { 'x-forwarded-for': forwardedFor } },
      ),
  });

  it('counts IPv6 clients by /64: a new address in the same /64 is still locked, another /64 is not', async () => {
    const email = uniqueEmail('v6');
    await new Client(base, '127.0.0.1').signUp(email);
    for (let i = 1; i <= 5; i++) {
      expect((await from(`2001:db8:aa:1::${i}`).login(email, WRONG)).status).toBe(401);
    }
    expect((await from('2001:db8:aa:1:ffff:ffff:ffff:fffe').login(email, GOOD_PASSWORD)).status).toBe(429);
    expect((await from('2001:db8:aa:2::1').login(email, GOOD_PASSWORD)).status).toBe(200);
  });

  it('counts IPv4 clients by address', async () => {
    const email = uniqueEmail('v4');
    await new Client(base, '127.0.0.1').signUp(email);
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.7').login(email, WRONG)).status).toBe(401);
    expect((await from('203.0.113.7').login(email, GOOD_PASSWORD)).status).toBe(429);
    expect((await from('203.0.113.8').login(email, GOOD_PASSWORD)).status).toBe(200);
  });
});

describe('Failure counts kept by an older version (e2e)', () => {
  it('drops the one-count-per-email index, which would refuse a second scope of an account', async () => {
    const server = new EmbeddedMongo();
    const uri = `${await server.start()}/older-counts?serverMonitoringMode=poll`;
    const seed = await mongoose.createConnection(uri).asPromise();
    let app: NestExpressApplication | undefined;
    try {
      await seed.collection('login_failures').createIndex({ email: 1 }, { unique: true });
      app = await createTestApp({ MONGODB_URI: uri, RATE_LIMIT_AUTH_PER_MINUTE: '1000' });
      const indexes = await seed.collection('login_failures').indexes();
      expect(indexes.map((index) => index.name)).not.toContain('email_1');

      const email = uniqueEmail('upgraded');
      const http = () => request(app!.getHttpServer());
      await http()
        .post('/api/auth/signup')
        .send({ fullName: 'Upgraded', email, password: GOOD_PASSWORD })
        .expect(201);
      // One failure is counted under two scopes (this network, the account).
      await http().post('/api/auth/login').send({ email, password: WRONG }).expect(401);
      expect(await seed.collection('login_failures').countDocuments({ email })).toBe(2);
      await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(200);
    } finally {
      await app?.close();
      await seed.close();
      await server.stop();
    }
  });
});
