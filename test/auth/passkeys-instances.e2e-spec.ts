import { inject } from 'vitest';
import { AppBuild, type AppInstance, startSharedDatabase } from '../support/app/app-instances.js';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { uniqueKeyPrefix } from '../support/db/redis.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';

const redisUrl = inject('redisUrl');
const cookieOf = (res: Response) => res.headers.get('set-cookie')!.split(';')[0];

/**
 * Challenges are kept where every instance sees them: behind a load balancer, the options and the
 * answer of one ceremony may reach different instances.
 */
describe.skipIf(!redisUrl)(
  'Passkey ceremonies across two instances on one MongoDB and one Redis (e2e)',
  () => {
    let build: AppBuild;
    let database: Awaited<ReturnType<typeof startSharedDatabase>>;
    let a: AppInstance;
    let b: AppInstance;

    beforeAll(async () => {
      [build, database] = await Promise.all([AppBuild.compile(), startSharedDatabase()]);
      const shared = { MONGODB_URI: database.uri, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: uniqueKeyPrefix() };
      [a, b] = await Promise.all([build.start(shared), build.start(shared)]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.stop();
      await build?.remove();
    });

    it("registers on one instance what the other offered, and signs in on one with the other's challenge", async () => {
      const email = uniqueEmail('passkey-instances');
      const signup = await a.request('POST', '/api/auth/signup', {
        body: { fullName: 'Two Instances', email, password: GOOD_PASSWORD },
      });
      expect(signup.status).toBe(201);
      const cookie = cookieOf(signup);
      const authenticator = new SoftwareAuthenticator();

      const creation = await a.request('POST', '/api/auth/passkeys/registration-options', {
        cookie,
        body: {},
      });
      expect(creation.status).toBe(200);
      const registered = await b.request('POST', '/api/auth/passkeys/registration', {
        cookie,
        body: { response: authenticator.create(await creation.json()) },
      });
      expect(registered.status, await registered.clone().text()).toBe(201);

      const request = await b.request('POST', '/api/auth/passkeys/authentication-options');
      expect(request.status).toBe(200);
      const response = authenticator.get(await request.json());
      const signedIn = await a.request('POST', '/api/auth/passkeys/authentication', { body: { response } });
      expect(signedIn.status, await signedIn.clone().text()).toBe(200);
      expect((await b.get('/api/auth/check', cookieOf(signedIn))).status).toBe(200);

      // Used up everywhere: the same answer on the other instance is refused.
      const replayed = await b.request('POST', '/api/auth/passkeys/authentication', { body: { response } });
      expect(replayed.status).toBe(401);
    });
  },
);
