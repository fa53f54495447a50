import { randomInt } from 'node:crypto';
import { inject } from 'vitest';
import { AppBuild, type AppInstance, startSharedDatabase } from '../support/app/app-instances.js';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { PrivateRedis, uniqueKeyPrefix } from '../support/db/redis.js';
import { connectWithCookie, disconnection, nextEvent, openSocket, record } from '../support/sockets.js';
import type { Socket } from 'socket.io-client';

const redisUrl = inject('redisUrl');
const RATE_LIMIT = 4;
const REVOCATION_BOUND_MS = 100;

/** Each test client has an address of its own (behind the trusted proxy), so rate limits do not mix. */
const clientIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0];

async function signUp(instance: AppInstance, ip = clientIp()) {
  const email = uniqueEmail('multi');
  const res = await instance.request('POST', '/api/auth/signup', {
    body: { fullName: 'Multi User', email, password: GOOD_PASSWORD },
    headers: { 'x-forwarded-for': ip },
  });
  expect(res.status).toBe(201);
  return { cookie: cookieOf(res), email, ip, user: (await res.json()) as { _id: string } };
}

/** Sends `check` until it is refused; fails if a request sent after `bound` ms was still accepted. */
async function expectRefusedWithin(instance: AppInstance, cookie: string, bound: number) {
  const start = performance.now();
  for (;;) {
    const sentAt = performance.now() - start;
    const status = (await instance.get('/api/auth/check', cookie)).status;
    if (status === 401) return sentAt;
    expect(status).toBe(200);
    expect(sentAt).toBeLessThan(bound);
  }
}

/** Waits until /api/health says `status` (ok: Redis connected and cache invalidations subscribed). */
async function untilHealth(instance: AppInstance, status: 'ok' | 'degraded') {
  await vi.waitFor(
    async () =>
      expect(((await (await instance.get('/api/health')).json()) as { status: string }).status).toBe(status),
    { timeout: 10_000, interval: 50 },
  );
}

describe.skipIf(!redisUrl)('Two instances on one MongoDB and one Redis (e2e)', () => {
  let build: AppBuild;
  let database: Awaited<ReturnType<typeof startSharedDatabase>>;
  let a: AppInstance;
  let b: AppInstance;
  const prefix = uniqueKeyPrefix();

  const settings = () => ({
    MONGODB_URI: database.uri,
    RATE_LIMIT_AUTH_PER_MINUTE: String(RATE_LIMIT),
    TRUST_PROXY: 'true',
  });

  beforeAll(async () => {
    [build, database] = await Promise.all([AppBuild.compile(), startSharedDatabase()]);
    const shared = { ...settings(), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix };
    [a, b] = await Promise.all([build.start(shared), build.start(shared)]);
    await Promise.all([a, b].map((instance) => untilHealth(instance, 'ok')));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.stop();
    await build?.remove();
  });

  it('reports Redis in /api/health', async () => {
    const health = (await (await b.get('/api/health')).json()) as { status: string; info: object };
    expect(health).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
  });

  it('counts the signup and login limit once for both instances', async () => {
    const ip = clientIp();
    const login = (instance: AppInstance) =>
      instance.request('POST', '/api/auth/login', {
        body: { email: uniqueEmail('nobody'), password: GOOD_PASSWORD },
        headers: { 'x-forwarded-for': ip },
      });
    for (let attempt = 0; attempt < RATE_LIMIT; attempt++) {
      expect((await login(attempt % 2 === 0 ? a : b)).status).toBe(401);
    }
    // Each instance has seen only half the limit: only a shared count refuses these.
    const refused = await login(a);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await login(b)).status).toBe(429);
    // Another client is not affected.
    await signUp(b);
  });

  it(`refuses a session logged out through A on B within ${REVOCATION_BOUND_MS} ms`, async () => {
    const { cookie } = await signUp(a);
    // B has validated (and cached) the session.
    expect((await b.get('/api/auth/check', cookie)).status).toBe(200);
    expect((await b.get('/api/auth/check', cookie)).status).toBe(200);
    expect((await a.request('POST', '/api/auth/logout', { cookie })).status).toBe(200);
    await expectRefusedWithin(b, cookie, REVOCATION_BOUND_MS);
  });

  it('applies every revocation and profile edit made on one instance on the other at once', async () => {
    const owner = await signUp(a);
    const login = async (instance: AppInstance) => {
      const res = await instance.request('POST', '/api/auth/login', {
        body: { email: owner.email, password: GOOD_PASSWORD },
        headers: { 'x-forwarded-for': owner.ip },
      });
      expect(res.status).toBe(200);
      return cookieOf(res);
    };
    const warm = async (cookie: string) => expect((await b.get('/api/auth/check', cookie)).status).toBe(200);

    // DELETE /auth/sessions/:id through A.
    const revoked = await login(b);
    await warm(revoked);
    const sessions = (await (await a.get('/api/auth/sessions', owner.cookie)).json()) as Array<{
      id: string;
      current: boolean;
    }>;
    const other = sessions.find((session) => !session.current)!;
    expect(
      (await a.request('DELETE', `/api/auth/sessions/${other.id}`, { cookie: owner.cookie })).status,
    ).toBe(204);
    await expectRefusedWithin(b, revoked, REVOCATION_BOUND_MS);

    // A profile edit through A is what B shows next.
    await warm(owner.cookie);
    const renamed = await a.request('PATCH', '/api/users/me', {
      cookie: owner.cookie,
      body: { fullName: 'Renamed On A' },
    });
    expect(renamed.status).toBe(200);
    expect(
      ((await (await b.get('/api/auth/check', owner.cookie)).json()) as { fullName: string }).fullName,
    ).toBe('Renamed On A');

    // A password change through A ends every other session, on B too; the changing one stays.
    const beforeChange = await login(b);
    await warm(beforeChange);
    const change = await a.request('PUT', '/api/auth/password', {
      cookie: owner.cookie,
      body: { currentPassword: GOOD_PASSWORD, newPassword: 'another-violet-kettle-43' },
    });
    expect(change.status).toBe(204);
    await expectRefusedWithin(b, beforeChange, REVOCATION_BOUND_MS);
    expect((await b.get('/api/auth/check', owner.cookie)).status).toBe(200);

    // logout-all through B ends the session A had cached.
    expect((await a.get('/api/auth/check', owner.cookie)).status).toBe(200);
    expect((await b.request('POST', '/api/auth/logout-all', { cookie: owner.cookie })).status).toBe(204);
    await expectRefusedWithin(a, owner.cookie, REVOCATION_BOUND_MS);
  });

  it('refuses the sessions of an account deleted through the other instance', async () => {
    const { cookie } = await signUp(b);
    expect((await a.get('/api/auth/check', cookie)).status).toBe(200);
    const deleted = await b.request('DELETE', '/api/users/me', { cookie, body: { password: GOOD_PASSWORD } });
    expect(deleted.status).toBe(204);
    await expectRefusedWithin(a, cookie, REVOCATION_BOUND_MS);
  });

  describe('chat', () => {
    const sockets: Socket[] = [];
    const connect = async (instance: AppInstance, cookie: string) => {
      const socket = await connectWithCookie(instance.base, cookie);
      sockets.push(socket);
      return socket;
    };
    const send = (instance: AppInstance, cookie: string, to: string, text: string) =>
      instance.request('POST', `/api/messages/send/${to}`, { cookie, body: { text } });
    /** The online list as a socket newly connected to `instance` is told it. */
    const onlineSeenFrom = async (instance: AppInstance, cookie: string) => {
      const socket = openSocket(instance.base, { extraHeaders: { cookie } });
      const list = nextEvent<string[]>(socket, 'getOnlineUsers');
      try {
        return await list;
      } finally {
        socket.disconnect();
      }
    };

    afterAll(() => {
      for (const socket of sockets) socket.disconnect();
    });

    it('delivers a message sent through A live to the sockets on B', async () => {
      const [alice, bob] = await Promise.all([signUp(a), signUp(b)]);
      const bobOnB = await connect(b, bob.cookie);
      const aliceOnB = await connect(b, alice.cookie);
      const toBob = nextEvent<{ text: string; senderId: string }>(bobOnB, 'newMessage');
      const toAlicesOtherTab = nextEvent<{ text: string }>(aliceOnB, 'newMessage');
      expect((await send(a, alice.cookie, bob.user._id, 'hello across instances')).status).toBe(201);
      expect(await toBob).toMatchObject({ text: 'hello across instances', senderId: alice.user._id });
      expect(await toAlicesOtherTab).toMatchObject({ text: 'hello across instances' });
    });

    it('leaves out the sending tab named by X-Socket-Id when that tab is on the other instance', async () => {
      const [alice, bob] = await Promise.all([signUp(a), signUp(b)]);
      const sendingTabOnB = await connect(b, alice.cookie);
      const otherTabOnA = await connect(a, alice.cookie);
      const bobOnB = await connect(b, bob.cookie);
      const gotBySendingTab = record(sendingTabOnB, 'newMessage');
      const toOtherTab = nextEvent<{ text: string }>(otherTabOnA, 'newMessage');
      const toBob = nextEvent<{ text: string }>(bobOnB, 'newMessage');
      const sent = await a.request('POST', `/api/messages/send/${bob.user._id}`, {
        cookie: alice.cookie,
        body: { text: 'from the tab on B' },
        headers: { 'x-socket-id': sendingTabOnB.id! },
      });
      expect(sent.status).toBe(201);
      expect(await toBob).toMatchObject({ text: 'from the tab on B' });
      expect(await toOtherTab).toMatchObject({ text: 'from the tab on B' });
      // Both deliveries went out through the adapter in one broadcast: the sending tab's would be here.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(gotBySendingTab).toEqual([]);
    });

    it('shows who is online on either instance to everyone', async () => {
      const [carol, dave] = await Promise.all([signUp(a), signUp(b)]);
      const daveOnB = await connect(b, dave.cookie);
      const seenByDave = record<string[]>(daveOnB, 'getOnlineUsers');
      const carolOnA = await connect(a, carol.cookie);
      await vi.waitFor(() => expect(seenByDave.at(-1)).toContain(carol.user._id));
      expect(seenByDave.at(-1)).toContain(dave.user._id);

      carolOnA.disconnect();
      await vi.waitFor(() => expect(seenByDave.at(-1)).not.toContain(carol.user._id));
    });

    it('disconnects a socket on B when its session logs out through A', async () => {
      const erin = await signUp(a);
      const erinOnB = await connect(b, erin.cookie);
      const ended = disconnection(erinOnB);
      expect((await a.request('POST', '/api/auth/logout', { cookie: erin.cookie })).status).toBe(200);
      expect(await ended).toBe('io server disconnect');
    });

    it('counts the send limit once for both instances', async () => {
      const [frank, grace] = await Promise.all([signUp(a), signUp(b)]);
      for (let i = 0; i < 30; i++) {
        expect((await send(i % 2 === 0 ? a : b, frank.cookie, grace.user._id, `message ${i}`)).status).toBe(
          201,
        );
      }
      const refused = await send(b, frank.cookie, grace.user._id, 'one too many');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await send(a, frank.cookie, grace.user._id, 'still too many')).status).toBe(429);
    });

    it('drops the users of an instance that dies from the list, once its entry expires', async () => {
      const [heidi, ivan] = await Promise.all([signUp(a), signUp(b)]);
      const doomed = await build.start({ ...settings(), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
      try {
        await connect(doomed, heidi.cookie);
        expect(await onlineSeenFrom(b, ivan.cookie)).toContain(heidi.user._id);
        const ivanOnB = await connect(b, ivan.cookie);
        const seenByIvan = record<string[]>(ivanOnB, 'getOnlineUsers');
        await vi.waitFor(() => expect(seenByIvan.at(-1)).toContain(heidi.user._id));
        const listsBefore = seenByIvan.length;
        await doomed.stop();
        // Told without anyone connecting or disconnecting, once the dead instance's entry expires.
        await vi.waitFor(
          () => {
            expect(seenByIvan.length).toBeGreaterThan(listsBefore);
            expect(seenByIvan.at(-1)).not.toContain(heidi.user._id);
          },
          { timeout: 30_000, interval: 200 },
        );
        expect(seenByIvan.at(-1)).toContain(ivan.user._id);
      } finally {
        await doomed.stop();
      }
    }, 60_000);
  });

  describe('when Redis stops and comes back', () => {
    let redis: PrivateRedis;
    let c: AppInstance;
    let d: AppInstance;

    beforeAll(async () => {
      redis = await PrivateRedis.start();
      const own = { ...settings(), REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniqueKeyPrefix() };
      [c, d] = await Promise.all([build.start(own), build.start(own)]);
      await Promise.all([c, d].map((instance) => untilHealth(instance, 'ok')));
    }, 60_000);

    afterAll(async () => {
      await Promise.all([c?.stop(), d?.stop()]);
      await redis?.kill();
    });

    it('keeps serving, stays correct while it is away, and shares state again once it is back', async () => {
      const { cookie } = await signUp(c);
      expect((await d.get('/api/auth/check', cookie)).status).toBe(200);

      await redis.kill();
      for (const instance of [c, d]) {
        await untilHealth(instance, 'degraded');
        expect((await instance.get('/api/health')).status).toBe(200);
      }
      expect(d.output).toMatch(
        /Unreachable: rate limits count in this process and session\/user caches are bypassed/,
      );

      // Nobody hears the invalidation, yet D (whose cache is bypassed) refuses the session at once.
      expect((await d.get('/api/auth/check', cookie)).status).toBe(200);
      expect((await c.request('POST', '/api/auth/logout', { cookie })).status).toBe(200);
      expect((await d.get('/api/auth/check', cookie)).status).toBe(401);

      // Rate limits fall back to each instance's own count: D still allows its full limit.
      const ip = clientIp();
      const attempt = (instance: AppInstance) =>
        instance.request('POST', '/api/auth/login', {
          body: { email: uniqueEmail('nobody'), password: GOOD_PASSWORD },
          headers: { 'x-forwarded-for': ip },
        });
      for (let i = 0; i < RATE_LIMIT; i++) expect((await attempt(c)).status).toBe(401);
      expect((await attempt(c)).status).toBe(429);
      expect((await attempt(d)).status).toBe(401);
      expect(c.output).toMatch(/RateLimits.*Redis unavailable .*counting in this process/);

      await redis.restart();
      for (const instance of [c, d]) await untilHealth(instance, 'ok');
      expect(d.output).toMatch(/Connected: rate limits and cache invalidations are shared/);

      // Shared again, without a restart: revocation through C reaches D's cache.
      const again = await signUp(c);
      expect((await d.get('/api/auth/check', again.cookie)).status).toBe(200);
      expect((await d.get('/api/auth/check', again.cookie)).status).toBe(200);
      expect((await c.request('POST', '/api/auth/logout', { cookie: again.cookie })).status).toBe(200);
      await expectRefusedWithin(d, again.cookie, REVOCATION_BOUND_MS);
    });
  });
});
