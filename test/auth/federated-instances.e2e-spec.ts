import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { startSharedDatabase } from '../support/app/app-instances.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';
import { uniqueEmail } from '../support/auth.js';
import { uniqueKeyPrefix } from '../support/db/redis.js';
import { Browser } from '../support/federated/browser.js';
import { APP_URL, TestProviders } from '../support/federated/test-providers.js';
import { freePort } from '../support/http/free-port.js';

const redisUrl = inject('redisUrl');

describe('Sign-in providers: none configured, one unreachable (e2e)', () => {
  let app: NestExpressApplication | undefined;
  let api: string;

  const boot = async (env: Record<string, string>) => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    app = await createTestApp({ API_URL: api, APP_URL, ...env });
    await app.listen(port, '127.0.0.1');
  };
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('lists no provider and answers 404 for each, when none is configured', async () => {
    await boot({});
    const browser = new Browser();
    const list = await browser.get(`${api}/api/auth/providers`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([]);
    const signup = await browser.postJson(`${api}/api/auth/signup`, {
      fullName: 'No Providers',
      email: uniqueEmail(),
      password: 'violet-kettle-harbour-42',
    });
    expect(signup.status).toBe(201);
    for (const provider of ['oidc', 'google', 'github']) {
      for (const res of [
        await browser.get(`${api}/api/auth/oauth/${provider}`),
        await browser.get(`${api}/api/auth/oauth/${provider}/callback?code=c&state=s`),
        await browser.postJson(`${api}/api/auth/oauth/${provider}/link`, {}),
      ]) {
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ message: 'Unknown sign-in provider' });
      }
    }
  });

  it('sends the browser to the login page with provider_error when the provider cannot be reached, and answers 502 to a link', async () => {
    const closedPort = await freePort();
    await boot({
      OIDC_ISSUER: `http://127.0.0.1:${closedPort}`,
      OIDC_CLIENT_ID: 'chat-app',
      OIDC_CLIENT_SECRET: 'secret',
    });
    const browser = new Browser();
    const res = await browser.get(`${api}/api/auth/oauth/oidc`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${APP_URL}/login?error=provider_error`);
    expect(res.headers.getSetCookie()).toEqual([]);
    const json = await browser.get(`${api}/api/auth/oauth/oidc`, { accept: 'application/json' });
    expect(await json.json()).toEqual({
      url: `${APP_URL}/login?error=provider_error`,
      error: 'provider_error',
    });

    const signup = await browser.postJson(`${api}/api/auth/signup`, {
      fullName: 'Unreachable',
      email: uniqueEmail(),
      password: 'violet-kettle-harbour-42',
    });
    expect(signup.status).toBe(201);
    const link = await browser.postJson(`${api}/api/auth/oauth/oidc/link`, {});
    expect(link.status).toBe(502);
    expect(await link.json()).toMatchObject({
      message: 'Single sign-on cannot be reached right now: try again later',
    });
  });
});

describe.skipIf(!redisUrl)(
  'A sign-in started on one instance, finished on another (e2e, one MongoDB, one Redis)',
  () => {
    let providers: TestProviders;
    let database: Awaited<ReturnType<typeof startSharedDatabase>>;
    let redis: Redis;
    let port: number;
    let api: string;
    let app: NestExpressApplication | undefined;
    const prefix = uniqueKeyPrefix();

    /** An instance on the shared database and Redis, at the one public URL (as behind a load balancer). */
    async function instance(): Promise<NestExpressApplication> {
      await app?.close();
      app = await createTestApp({
        ...providers.env,
        MONGODB_URI: database.uri,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
      });
      await app.listen(port, '127.0.0.1');
      await vi.waitFor(
        async () =>
          expect(((await (await fetch(`${api}/api/health`)).json()) as { status: string }).status).toBe('ok'),
        { timeout: 10_000, interval: 50 },
      );
      return app;
    }

    beforeAll(async () => {
      port = await freePort();
      api = `http://127.0.0.1:${port}`;
      [providers, database] = await Promise.all([TestProviders.start(api), startSharedDatabase()]);
      redis = new Redis(redisUrl, { keyPrefix: prefix });
    }, 60_000);

    afterAll(async () => {
      await app?.close();
      redis?.disconnect();
      await providers?.stop();
      await database?.stop();
    });

    it('finishes on the second instance what the first started (the first is gone), and refuses a replay there', async () => {
      const subject = `sub-${randomUUID()}`;
      const email = uniqueEmail('instances');
      providers.oidc.accounts.set(subject, { email, email_verified: true, name: 'Two Instances' });

      await instance();
      const browser = new Browser();
      const start = await browser.get(`${api}/api/auth/oauth/oidc`);
      expect(start.status).toBe(302);
      const callback = await providers.visit('oidc', browser, start.headers.get('location')!, subject);
      const flow = browser.cookie(callback, 'oauth_flow')!;

      const second = await instance();
      const end = await browser.get(callback);
      expect(end.headers.get('location')).toBe(`${APP_URL}/`);
      expect(await (await browser.get(`${api}/api/auth/check`)).json()).toMatchObject({
        email,
        emailVerified: true,
      });

      const replay = new Browser();
      replay.setCookie(callback, 'oauth_flow', flow, '/api/auth/oauth/oidc/callback');
      expect((await replay.get(callback)).headers.get('location')).toBe(
        `${APP_URL}/login?error=invalid_state`,
      );
      // The state was used up in Redis, not in the database.
      expect(await redis.keys(`${prefix}federated-state:*`)).toHaveLength(1);
      expect(await databaseOf(second).collection('federated_used_states').countDocuments()).toBe(0);
    });
  },
);
