import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import request from 'supertest';
import { createOpenApiDocument } from '../../src/api-docs/swagger.js';
import { GOOD_PASSWORD, signUp } from '../support/auth.js';
import { createTestApp } from '../support/app/test-app.js';
import { TestClock } from '../support/app/test-clock.js';
import { addPasskey, answered, passkeySignIn } from '../support/passkeys.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';
import { Browser } from '../support/federated/browser.js';
import { APP_URL, TestProviders } from '../support/federated/test-providers.js';
import { freePort } from '../support/http/free-port.js';
import { cookiesOf, enableTwoFactor, START, STEP_MS, totp } from '../support/two-factor.js';

/**
 * No way of signing in reaches a session for a two-factor account without its second factor. The
 * routes come from the OpenAPI document, so a sign-in route added later fails this test until the
 * table below says how to drive it (and then, unless it goes through the sign-in pipeline, fails it
 * for real).
 */

interface Account {
  email: string;
  password: string;
  secret: string;
  /** Holds a passkey registered for the account. */
  authenticator: SoftwareAuthenticator;
}

type Http = () => ReturnType<typeof request>;

interface Context {
  app: NestExpressApplication;
  http: Http;
  clock: TestClock;
  /** The sign-in providers the app is configured with (oidc-provider as Google, on 127.0.0.1). */
  providers: TestProviders;
}

interface SignInRoute {
  /** The account's first factor only (with whatever else the route takes but the second factor): no session. */
  firstFactorOnly(context: Context, account: Account): Promise<request.Response[]>;
  /** The same route when a session is due, so the test knows it would see one (the control). */
  control(context: Context, account: Account): Promise<request.Response>;
}

const login = (http: Http, { email, password }: Account) =>
  http().post('/api/auth/login').send({ email, password });

/** A Google account (oidc-provider through GOOGLE_ISSUER) with a verified address. */
function googleAccount(providers: TestProviders, email: string): string {
  const subject = `sub-${email}`;
  providers.google.accounts.set(subject, { email, email_verified: true, name: 'Pipeline Test' });
  return subject;
}

/**
 * A sign-in with Google as `subject` in a browser of its own, up to the provider's redirect back; then
 * the callback through supertest, with the browser's flow cookie (and `accept`, for the JSON answer).
 */
async function googleCallback({ http, providers }: Context, subject: string, accept?: string) {
  const browser = new Browser();
  const start = await browser.get(`${providers.apiUrl}/api/auth/oauth/google`);
  const callback = await providers.visit('google', browser, start.headers.get('location')!, subject);
  const call = http()
    .get(`${callback.pathname}${callback.search}`)
    .set('Cookie', `oauth_flow=${browser.cookie(callback, 'oauth_flow')!}`);
  return accept ? call.set('Accept', accept) : call;
}

/** How to call each route that can start a session. */
const SIGN_INS: Record<string, SignInRoute> = {
  'POST /api/auth/login': {
    firstFactorOnly: async ({ http }, account) => [await login(http, account)],
    // The control: an account without a second factor signs in here.
    control: async ({ app, http }) =>
      login(http, { ...(await signUp(app)), secret: '', authenticator: new SoftwareAuthenticator(APP_URL) }),
  },
  'POST /api/auth/token': {
    firstFactorOnly: async ({ http }, { email, password }) => [
      await http()
        .post('/api/auth/token')
        .type('form')
        .send(new URLSearchParams({ grant_type: 'password', username: email, password }).toString()),
      await http().post('/api/auth/token').send({ email, password }),
      await http().post('/api/auth/token').send({ email, password, otp: '' }),
    ],
    control: async ({ http, clock }, { email, password, secret }) =>
      http()
        .post('/api/auth/token')
        .send({ email, password, otp: await totp(secret, clock) }),
  },
  'GET /api/auth/oauth/{provider}/callback': {
    firstFactorOnly: async (context, account) => {
      const { http, clock, providers } = context;
      // Signed in with both factors, the account links a Google account (of its own address).
      const { challenge } = (await login(http, account)).body as { challenge: string };
      const verified = await http()
        .post('/api/auth/2fa/verify')
        .send({ challenge, code: await totp(account.secret, clock) });
      const subject = googleAccount(providers, account.email);
      const link = await http()
        .post('/api/auth/oauth/google/link')
        .set('Cookie', `jwt=${cookiesOf(verified).get('jwt')!}`)
        .send({})
        .expect(200);
      const browser = new Browser();
      const path = '/api/auth/oauth/google/callback';
      browser.setCookie(providers.apiUrl, 'oauth_flow', cookiesOf(link).get('oauth_flow')!, path);
      const linked = await providers.visit('google', browser, (link.body as { url: string }).url, subject);
      expect((await browser.get(linked)).headers.get('location')).toBe(`${APP_URL}/`);
      // Google alone is then the first factor: as a redirect, and as JSON.
      return [
        await googleCallback(context, subject),
        await googleCallback(context, subject, 'application/json'),
      ];
    },
    // The control: an account without a second factor (a new one, made by this sign-in).
    control: async (context) =>
      googleCallback(
        context,
        googleAccount(context.providers, `control-${Date.now()}@example.com`),
        'application/json',
      ),
  },
  'POST /api/auth/2fa/verify': {
    firstFactorOnly: async ({ http }, account) => {
      const { challenge } = (await login(http, account)).body as { challenge: string };
      return [
        await http().post('/api/auth/2fa/verify').send({ challenge }),
        await http().post('/api/auth/2fa/verify').send({ challenge, code: '' }),
        await http().post('/api/auth/2fa/verify').send({ challenge, recoveryCode: account.password }),
      ];
    },
    control: async ({ http, clock }, account) => {
      const { challenge } = (await login(http, account)).body as { challenge: string };
      return http()
        .post('/api/auth/2fa/verify')
        .send({ challenge, code: await totp(account.secret, clock) });
    },
  },
  // A passkey with user verification is both factors; one with user presence only is the first.
  'POST /api/auth/passkeys/authentication': {
    firstFactorOnly: async ({ app }, { authenticator }) => [
      await passkeySignIn(app, authenticator, { userVerified: false }),
    ],
    control: async ({ app }, { authenticator }) => passkeySignIn(app, authenticator),
  },
};

/** Public routes that start no session, and why. */
const NOT_SIGN_INS: Record<string, string> = {
  'POST /api/auth/signup': 'creates an account, which has no second factor yet',
  'POST /api/auth/passkeys/authentication-options': 'hands out a challenge for a passkey to sign',
  'GET /api/auth/providers': 'lists the sign-in providers',
  'GET /api/auth/oauth/{provider}': 'starts a sign-in at a provider (a flow cookie, no session)',
  'POST /api/auth/logout': 'ends a session',
  'POST /api/auth/forgot-password': 'mails a link',
  'GET /api/auth/reset-password': 'the reset page',
  'GET /api/auth/reset-password.js': "the reset page's script",
  'POST /api/auth/reset-password': 'sets a password and ends every session',
  'GET /api/auth/verify-email': 'the verification page (its button posts the token)',
  'GET /api/auth/verify-email.js': "the verification page's script",
  'POST /api/auth/verify-email': 'confirms an address',
  'GET /api/health': 'health',
  'GET /api': 'the index',
  'GET /api/metrics': 'metrics',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

type Operation = {
  security?: unknown[];
  responses: Record<
    string,
    { headers?: Record<string, { description?: string }>; content?: Record<string, { schema?: object }> }
  >;
};

/** Every operation anyone may call without a session, as `METHOD /path`. */
function publicOperations(document: OpenAPIObject): Array<{ route: string; op: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method])
      .map((method) => ({
        route: `${method.toUpperCase()} ${path}`,
        op: item[method] as unknown as Operation,
      }))
      .filter(({ op }) => (op.security ?? []).length === 0),
  );
}

/** Whether the document says a success of `op` sets the session cookie or carries an access token. */
function documentedAsSignIn(document: OpenAPIObject, op: Operation): boolean {
  const successes = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
  return successes.some(([, response]) => {
    const setsJwt = Object.values(response.headers ?? {}).some((header) =>
      header.description?.includes('jwt='),
    );
    const refs = JSON.stringify(response.content ?? {}).match(/#\/components\/schemas\/\w+/g) ?? [];
    const returnsToken =
      JSON.stringify(response.content ?? {}).includes('"access_token"') ||
      refs.some((ref) => {
        const schema = document.components?.schemas?.[ref.split('/').pop()!];
        return JSON.stringify(schema ?? {}).includes('"access_token"');
      });
    return setsJwt || returnsToken;
  });
}

describe('Every sign-in route goes through the second factor (e2e, from the OpenAPI document)', () => {
  const clock = new TestClock(START);
  let app: NestExpressApplication;
  let document: OpenAPIObject;
  let providers: TestProviders;
  const http: Http = () => request(app.getHttpServer());

  /** Each session a response could carry: its jwt cookie, or any string of its body sent as a bearer token. */
  const sessionsIn = async (res: request.Response): Promise<number> => {
    const candidates = [
      ...[...cookiesOf(res).entries()].map(([name, value]) => ({ Cookie: `${name}=${value}` })),
      ...[...cookiesOf(res).values()].map((value) => ({ Cookie: `jwt=${value}` })),
      ...stringsIn(res.body).map((value) => ({ Authorization: `Bearer ${value}` })),
    ];
    let found = 0;
    for (const headers of candidates) {
      if ((await http().get('/api/auth/check').set(headers)).status === 200) found++;
    }
    return found;
  };

  beforeAll(async () => {
    const port = await freePort();
    providers = await TestProviders.start(`http://127.0.0.1:${port}`);
    app = await createTestApp(providers.env, { overrides: [clock.provider] });
    await app.listen(port, '127.0.0.1');
    document = createOpenApiDocument(app);
  });
  afterAll(async () => {
    await app?.close();
    await providers?.stop();
  });

  it('knows every public route of the document: a sign-in with its driver, or why it is none', () => {
    const unknown = publicOperations(document)
      .map(({ route }) => route)
      .filter((route) => !(route in SIGN_INS) && !(route in NOT_SIGN_INS));
    expect(
      unknown,
      'new public route(s): add each to SIGN_INS (with how to call it) or NOT_SIGN_INS',
    ).toEqual([]);
    for (const { route, op } of publicOperations(document)) {
      if (route === 'POST /api/auth/signup') continue;
      expect(documentedAsSignIn(document, op), `${route}: starts a session, add it to SIGN_INS`).toBe(
        route in SIGN_INS,
      );
    }
  });

  it('gives no session to a two-factor account without its second factor, on any sign-in route', async () => {
    const routes = publicOperations(document)
      .map(({ route }) => route)
      .filter((route) => route in SIGN_INS);
    expect(routes.sort()).toEqual(Object.keys(SIGN_INS).sort());
    for (const route of routes) {
      const { email, cookie } = await signUp(app);
      const authenticator = new SoftwareAuthenticator(APP_URL);
      await answered(addPasskey(app, cookie, authenticator), 201);
      const { secret } = await enableTwoFactor(app, clock, cookie, GOOD_PASSWORD);
      const account = { email, password: GOOD_PASSWORD, secret, authenticator };

      const context = { app, http, clock, providers };
      for (const res of await SIGN_INS[route].firstFactorOnly(context, account)) {
        const where = `${route} answered ${res.status} ${res.text}`;
        expect(res.status, where).toBeLessThan(500);
        expect(cookiesOf(res).has('jwt'), where).toBe(false);
        expect(res.body, where).not.toHaveProperty('access_token');
        expect(await sessionsIn(res), where).toBe(0);
      }
      const control = await SIGN_INS[route].control(context, account);
      expect(control.status, `${route} control: ${control.text}`).toBe(200);
      expect(await sessionsIn(control), `${route} control`).toBeGreaterThan(0);
      clock.advance(STEP_MS);
    }
  });
});

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}
