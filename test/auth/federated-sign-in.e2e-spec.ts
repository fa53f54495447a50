import { randomInt, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, databaseOf } from '../support/app/test-app.js';
import { LogCapture } from '../support/app/log-capture.js';
import { TestClock } from '../support/app/test-clock.js';
import { GOOD_PASSWORD, NEW_PASSWORD, uniqueEmail } from '../support/auth.js';
import { Browser } from '../support/federated/browser.js';
import type { GitHubAccount } from '../support/federated/github-stand-in.js';
import {
  APP_URL,
  CLIENT,
  callbackUrl,
  type ProviderId,
  TestProviders,
} from '../support/federated/test-providers.js';
import { TestOidcProvider } from '../support/federated/test-oidc-provider.js';
import { freePort } from '../support/http/free-port.js';
import { OutboxMailbox, SUBJECT, tokenOf } from '../support/mail/mailbox.js';
import { enableTwoFactor, totp } from '../support/two-factor.js';

/** Set-Cookie lines of a response, by cookie name. */
function setCookies(res: Response): Map<string, string> {
  return new Map(res.headers.getSetCookie().map((line) => [line.slice(0, line.indexOf('=')), line]));
}

describe('Sign-in with Google, GitHub and an OpenID Connect provider (e2e, real providers on 127.0.0.1)', () => {
  const clock = new TestClock(new Date());
  let providers: TestProviders;
  let app: NestExpressApplication;
  let api: string;
  let outbox: OutboxMailbox;
  let logs: LogCapture;

  const users = () => databaseOf(app).collection('users');
  const identities = () => databaseOf(app).collection('identities');
  const auditEvents = () => databaseOf(app).collection('auditevents');
  const userCount = () => users().countDocuments();

  /** A provider account that is new to the API: its subject, with a verified address and a name. */
  const oidcAccount = (
    provider: TestOidcProvider,
    claims: { email?: string; email_verified?: boolean; name?: string } = {},
  ) => {
    const subject = `sub-${randomUUID()}`;
    provider.accounts.set(subject, {
      email: uniqueEmail('oidc'),
      email_verified: true,
      name: 'Ada Lovelace',
      ...claims,
    });
    return { subject, ...provider.accounts.get(subject)! };
  };
  const githubAccount = (fields: Partial<GitHubAccount> = {}): GitHubAccount => ({
    id: randomInt(1, 2 ** 31),
    login: `octo-${randomUUID().slice(0, 6)}`,
    name: 'Grace Hopper',
    emails: [
      { email: uniqueEmail('gh-other'), primary: false, verified: true },
      { email: uniqueEmail('gh'), primary: true, verified: true },
    ],
    ...fields,
  });

  /** Starts a sign-in in `browser`: the start route's answer and the provider's authorization URL. */
  async function start(provider: ProviderId, browser: Browser, query = '') {
    const res = await browser.get(`${api}/api/auth/oauth/${provider}${query}`);
    expect(res.status, await res.clone().text()).toBe(302);
    return { res, authorizationUrl: res.headers.get('location')! };
  }

  /** A whole sign-in: start, the person at the provider (`who`, or null to cancel), the callback. */
  async function signIn(
    provider: ProviderId,
    who: string | GitHubAccount | null,
    browser = new Browser(),
    query = '',
  ) {
    const { authorizationUrl } = await start(provider, browser, query);
    const callback = await providers.visit(provider, browser, authorizationUrl, who);
    const res = await browser.get(callback);
    return { browser, res, callback, location: res.headers.get('location') };
  }

  const check = (browser: Browser) => browser.get(`${api}/api/auth/check`);

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    providers = await TestProviders.start(api);
    const dataDir = await mkdtemp(join(tmpdir(), 'federated-'));
    outbox = OutboxMailbox.of(dataDir);
    app = await createTestApp({ ...providers.env, DATA_DIR: dataDir }, { overrides: [clock.provider] });
    logs = LogCapture.attach(app);
    await app.listen(port, '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await providers?.stop();
  });

  describe('the providers and the start of a sign-in', () => {
    it('lists the configured providers with their start URLs', async () => {
      const res = await new Browser().get(`${api}/api/auth/providers`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([
        { id: 'google', name: 'Google', url: `${api}/api/auth/oauth/google` },
        { id: 'github', name: 'GitHub', url: `${api}/api/auth/oauth/github` },
        { id: 'oidc', name: 'Acme SSO', url: `${api}/api/auth/oauth/oidc` },
      ]);
    });

    it.each(['oidc', 'google'] as const)(
      'sends %s an authorization request with PKCE, state and nonce, and keeps them in a sealed cookie',
      async (provider) => {
        const browser = new Browser();
        const { res, authorizationUrl } = await start(provider, browser);
        const url = new URL(authorizationUrl);
        const issuer = provider === 'oidc' ? providers.oidc.issuer : providers.google.issuer;
        expect(url.href.startsWith(`${issuer}/auth?`)).toBe(true);
        const params = Object.fromEntries(url.searchParams);
        expect(params).toEqual({
          response_type: 'code',
          client_id: CLIENT.id,
          redirect_uri: callbackUrl(api, provider),
          scope: 'openid email profile',
          state: expect.stringMatching(/^[\w-]{43}$/),
          nonce: expect.stringMatching(/^[\w-]{43}$/),
          code_challenge: expect.stringMatching(/^[\w-]{43}$/),
          code_challenge_method: 'S256',
        });
        const cookie = setCookies(res).get('oauth_flow')!;
        expect(cookie).toMatch(
          new RegExp(
            `^oauth_flow=[\\w-]+; Max-Age=600; Path=/api/auth/oauth/${provider}/callback; Expires=.*; HttpOnly; SameSite=Lax$`,
          ),
        );
        for (const secret of [params.state, params.nonce]) expect(cookie).not.toContain(secret);
        expect(res.headers.get('cache-control')).toBe('no-store');
      },
    );

    it('sends GitHub an authorization request with PKCE and state, and its scopes', async () => {
      const { authorizationUrl } = await start('github', new Browser());
      const url = new URL(authorizationUrl);
      expect(`${url.origin}${url.pathname}`).toBe(`${providers.github.url}/login/oauth/authorize`);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        response_type: 'code',
        client_id: CLIENT.id,
        redirect_uri: callbackUrl(api, 'github'),
        scope: 'read:user user:email',
        state: expect.stringMatching(/^[\w-]{43}$/),
        code_challenge: expect.stringMatching(/^[\w-]{43}$/),
        code_challenge_method: 'S256',
      });
    });

    it('answers the same as JSON to a client that asks for it', async () => {
      const res = await new Browser().get(`${api}/api/auth/oauth/google`, { accept: 'application/json' });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { url: string };
      expect(Object.keys(body)).toEqual(['url']);
      expect(body.url.startsWith(`${providers.google.issuer}/auth?`)).toBe(true);
      expect(setCookies(res).get('oauth_flow')).toMatch(
        /^oauth_flow=[\w-]+; Max-Age=600; Path=\/api\/auth\/oauth\/google\/callback;/,
      );
    });

    it('answers 404 for a provider it does not know', async () => {
      for (const path of ['/api/auth/oauth/facebook', '/api/auth/oauth/facebook/callback?code=x&state=y']) {
        const res = await new Browser().get(`${api}${path}`);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ statusCode: 404, message: 'Unknown sign-in provider' });
      }
    });

    it.each([
      '//evil.example',
      '//evil.example/login',
      '/\\evil.example',
      'https://evil.example/',
      'evil.example',
      '/path with space',
    ])('refuses returnTo=%s (400), and starts no flow', async (returnTo) => {
      const res = await new Browser().get(
        `${api}/api/auth/oauth/oidc?returnTo=${encodeURIComponent(returnTo)}`,
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        message: 'returnTo must be a path of the app, starting with a single /',
      });
      expect(setCookies(res).has('oauth_flow')).toBe(false);
    });
  });

  describe('rule 2: a new person with a verified address gets a new account without a password', () => {
    it('through the generic OpenID provider (address from userinfo), landing on the app signed in', async () => {
      const account = oidcAccount(providers.oidc);
      const { browser, res, location } = await signIn('oidc', account.subject);
      expect(res.status).toBe(302);
      expect(location).toBe(`${APP_URL}/`);
      const cookies = setCookies(res);
      expect(cookies.get('jwt')).toMatch(
        /^jwt=[\w.-]+; Max-Age=\d+; Path=\/; Expires=.*; HttpOnly; SameSite=Lax$/,
      );
      expect(cookies.get('oauth_flow')).toMatch(
        /^oauth_flow=; Path=\/api\/auth\/oauth\/oidc\/callback; Expires=Thu, 01 Jan 1970/,
      );
      const me = await check(browser);
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({
        email: account.email,
        fullName: 'Ada Lovelace',
        emailVerified: true,
      });
      const sessions = await browser.get(`${api}/api/auth/sessions`);
      expect(((await sessions.json()) as unknown[]).length).toBe(1);
      const user = await users().findOne({ email: account.email });
      expect(user).not.toHaveProperty('password');
      expect(await auditEvents().findOne({ user: user!._id, type: 'signup' })).toMatchObject({
        method: 'oidc',
      });
      const linked = await browser.get(`${api}/api/auth/identities`);
      expect(await linked.json()).toEqual([
        { provider: 'oidc', email: account.email, linkedAt: expect.any(String) },
      ]);
      const stored = await identities().findOne({ user: user!._id });
      expect(Object.keys(stored!).sort()).toEqual([
        '_id',
        'email',
        'issuer',
        'linkedAt',
        'provider',
        'subject',
        'user',
      ]);
      expect(stored).toMatchObject({
        provider: 'oidc',
        issuer: providers.oidc.issuer,
        subject: account.subject,
      });
    });

    it('through Google (address in the ID token), with returnTo, and a name from the address when there is none', async () => {
      const account = oidcAccount(providers.google, { name: undefined, email: uniqueEmail('grace.hopper') });
      const { browser, location } = await signIn(
        'google',
        account.subject,
        new Browser(),
        '?returnTo=%2Fchat%3Froom%3D1',
      );
      expect(location).toBe(`${APP_URL}/chat?room=1`);
      expect(await (await check(browser)).json()).toMatchObject({
        email: account.email,
        fullName: account.email!.split('@')[0],
        emailVerified: true,
      });
    });

    it('through GitHub: the primary verified address of /user/emails, the name of /user', async () => {
      const account = githubAccount();
      const { browser, location } = await signIn('github', account);
      expect(location).toBe(`${APP_URL}/`);
      expect(await (await check(browser)).json()).toMatchObject({
        email: account.emails[1].email,
        fullName: 'Grace Hopper',
        emailVerified: true,
      });
    });

    it('refuses the password at login with the usual 401, and lets a reset link set one', async () => {
      const account = oidcAccount(providers.oidc);
      await signIn('oidc', account.subject);
      const login = await new Browser().postJson(`${api}/api/auth/login`, {
        email: account.email,
        password: GOOD_PASSWORD,
      });
      expect(login.status).toBe(401);
      expect(await login.json()).toMatchObject({ message: 'Invalid email or password' });
      const user = await users().findOne({ email: account.email });
      expect(await auditEvents().findOne({ user: user!._id, type: 'login.failed' })).toMatchObject({
        reason: 'no_password',
      });

      const forgot = await new Browser().postJson(`${api}/api/auth/forgot-password`, {
        email: account.email,
      });
      expect(forgot.status).toBe(202);
      const link = (await outbox.waitFor(account.email!, SUBJECT.reset)).links[0];
      const reset = await new Browser().postJson(`${api}/api/auth/reset-password`, {
        token: tokenOf(link),
        newPassword: NEW_PASSWORD,
      });
      expect(reset.status).toBe(204);
      const again = await new Browser().postJson(`${api}/api/auth/login`, {
        email: account.email,
        password: NEW_PASSWORD,
      });
      expect(again.status).toBe(200);
    });

    it('answers 403 with how to set a password where the current one must be confirmed', async () => {
      const account = oidcAccount(providers.oidc);
      const { browser } = await signIn('oidc', account.subject);
      const message =
        'This account has no password yet: set one with the link from POST /api/auth/forgot-password first';
      const attempts = [
        () =>
          browser.request(
            'PUT',
            `${api}/api/auth/password`,
            JSON.stringify({ currentPassword: 'x', newPassword: NEW_PASSWORD }),
            { 'content-type': 'application/json' },
          ),
        () =>
          browser.request('DELETE', `${api}/api/users/me`, JSON.stringify({ password: 'x' }), {
            'content-type': 'application/json',
          }),
        () => browser.postJson(`${api}/api/auth/2fa/setup`, { password: 'x' }),
        () =>
          browser.request(
            'PUT',
            `${api}/api/auth/email`,
            JSON.stringify({ newEmail: uniqueEmail(), password: 'x' }),
            { 'content-type': 'application/json' },
          ),
      ];
      for (const attempt of attempts) {
        const res = await attempt();
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ message });
      }
      expect((await check(browser)).status).toBe(200);
    });
  });
  /** A password account, its session in a Browser, and (optionally) its address verified by the emailed link. */
  async function passwordUser({ verified }: { verified: boolean }) {
    const email = uniqueEmail('pw');
    const browser = new Browser();
    const signup = await browser.postJson(`${api}/api/auth/signup`, {
      fullName: 'Pat Word',
      email,
      password: GOOD_PASSWORD,
    });
    expect(signup.status).toBe(201);
    const user = (await signup.json()) as { _id: string };
    if (verified) {
      const link = (await outbox.waitFor(email, SUBJECT.verify)).links[0];
      const res = await new Browser().postJson(`${api}/api/auth/verify-email`, { token: tokenOf(link) });
      expect(res.status).toBe(200);
    }
    return { email, browser, id: user._id };
  }

  /** Expects the failure redirect with `code`, and no session. */
  function expectFailure(res: Response, code: string) {
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${APP_URL}/login?error=${code}`);
    expect(setCookies(res).has('jwt')).toBe(false);
    expect(setCookies(res).get('oauth_flow')).toMatch(/^oauth_flow=; /);
  }

  describe('rules 1, 3, 4 and 5: which account a provider account signs in to', () => {
    it('1: a known identity signs its user in, whatever its address says today', async () => {
      const account = oidcAccount(providers.oidc);
      const first = await signIn('oidc', account.subject);
      const { _id: id } = (await (await check(first.browser)).json()) as { _id: string };
      const other = await passwordUser({ verified: true });
      providers.oidc.accounts.set(account.subject, {
        email: other.email,
        email_verified: false,
        name: 'Someone Else',
      });
      const again = await signIn('oidc', account.subject);
      expect(again.location).toBe(`${APP_URL}/`);
      expect(await (await check(again.browser)).json()).toMatchObject({ _id: id, email: account.email });
      expect(await (await again.browser.get(`${api}/api/auth/identities`)).json()).toEqual([
        { provider: 'oidc', email: other.email, linkedAt: expect.any(String) },
      ]);
      expect(
        await auditEvents().findOne({ user: await idOf(account.email!), type: 'login.succeeded' }),
      ).toMatchObject({ method: 'oidc' });
    });

    it('3: joins the account of a verified address, tells its owner, and records identity.linked', async () => {
      const owner = await passwordUser({ verified: true });
      const account = oidcAccount(providers.google, { email: owner.email });
      const { browser, location } = await signIn('google', account.subject);
      expect(location).toBe(`${APP_URL}/`);
      expect(await (await check(browser)).json()).toMatchObject({ _id: owner.id, email: owner.email });
      const notice = await outbox.waitFor(owner.email, 'Google sign-in was added to your account');
      expect(notice.text).toContain('If this was not you');
      const events = await auditEvents()
        .find({ user: await idOf(owner.email) })
        .toArray();
      expect(events.map(({ type, method }) => [type, method])).toEqual(
        expect.arrayContaining([
          ['identity.linked', 'google'],
          ['login.succeeded', 'google'],
        ]),
      );
      const login = await new Browser().postJson(`${api}/api/auth/login`, {
        email: owner.email,
        password: GOOD_PASSWORD,
      });
      expect(login.status).toBe(200);
    });

    it('4: refuses the address of an account that never verified it (email_in_use): nothing linked or changed', async () => {
      const squatter = await passwordUser({ verified: false });
      const before = await users().findOne({ email: squatter.email });
      const account = oidcAccount(providers.google, { email: squatter.email });
      const { res } = await signIn('google', account.subject);
      expectFailure(res, 'email_in_use');
      expect(await identities().countDocuments({ user: before!._id })).toBe(0);
      expect(await users().findOne({ email: squatter.email })).toEqual(before);
    });

    it.each([
      ['an unverified address', { email_verified: false }],
      ['no address', { email: undefined }],
    ])('5: refuses %s (email_not_verified), creating nothing', async (_, claims) => {
      const count = await userCount();
      const { res } = await signIn('oidc', oidcAccount(providers.oidc, claims).subject);
      expectFailure(res, 'email_not_verified');
      expect(await userCount()).toBe(count);
    });

    it('5: refuses a GitHub account whose primary address is not verified', async () => {
      const count = await userCount();
      const account = githubAccount({
        emails: [
          { email: uniqueEmail('verified-secondary'), primary: false, verified: true },
          { email: uniqueEmail('primary'), primary: true, verified: false },
        ],
      });
      expectFailure((await signIn('github', account)).res, 'email_not_verified');
      expect(await userCount()).toBe(count);
    });
  });

  describe('the errors of a callback: a redirect to the login page, never a session', () => {
    it('access_denied when the person cancels at the OpenID provider or at GitHub', async () => {
      expectFailure((await signIn('oidc', null)).res, 'access_denied');
      expectFailure((await signIn('github', null)).res, 'access_denied');
    });

    it('invalid_state without the flow cookie (another browser)', async () => {
      const account = oidcAccount(providers.oidc);
      const browser = new Browser();
      const { authorizationUrl } = await start('oidc', browser);
      const callback = await providers.visit('oidc', browser, authorizationUrl, account.subject);
      const count = await userCount();
      const logged = logs.lines.length;
      const res = await new Browser().get(callback);
      expectFailure(res, 'invalid_state');
      expect(await userCount()).toBe(count);
      // Logged for the operator with why, and the id of the request (the access line has its IP).
      const prefix = 'log [FederatedSignIn] ';
      const failure = logs.lines.slice(logged).find((line) => line.startsWith(prefix));
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(JSON.parse(failure?.slice(prefix.length) ?? '{}')).toEqual({
        msg: expect.stringMatching(/^Sign-in with oidc failed \(invalid_state\): no flow cookie/),
        requestId: res.headers.get('x-request-id'),
      });
    });

    it('invalid_state for a tampered state, or a tampered flow cookie', async () => {
      const account = oidcAccount(providers.oidc);
      for (const tamper of ['state', 'cookie'] as const) {
        const browser = new Browser();
        const { authorizationUrl } = await start('oidc', browser);
        const callback = await providers.visit('oidc', browser, authorizationUrl, account.subject);
        if (tamper === 'state') {
          callback.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}xx`);
        } else {
          const value = browser.cookie(callback, 'oauth_flow')!;
          const flipped = `${value.slice(0, 20)}${value[20] === 'A' ? 'B' : 'A'}${value.slice(21)}`;
          browser.setCookie(callback, 'oauth_flow', flipped, '/api/auth/oauth/oidc/callback');
        }
        expectFailure(await browser.get(callback), 'invalid_state');
      }
      expect(await users().countDocuments({ email: account.email })).toBe(0);
    });

    it('invalid_state for a replayed callback, even with its flow cookie', async () => {
      const account = oidcAccount(providers.oidc);
      const browser = new Browser();
      const { authorizationUrl } = await start('oidc', browser);
      const callback = await providers.visit('oidc', browser, authorizationUrl, account.subject);
      const flow = browser.cookie(callback, 'oauth_flow')!;
      expect((await browser.get(callback)).headers.get('location')).toBe(`${APP_URL}/`);

      const replay = new Browser();
      replay.setCookie(callback, 'oauth_flow', flow, '/api/auth/oauth/oidc/callback');
      expectFailure(await replay.get(callback), 'invalid_state');
      const user = await users().findOne({ email: account.email });
      expect(
        await auditEvents().countDocuments({ user: user!._id, type: { $in: ['signup', 'login.succeeded'] } }),
      ).toBe(1);
    });

    it('invalid_state once the flow is older than 10 minutes', async () => {
      const account = oidcAccount(providers.oidc);
      const browser = new Browser();
      const { authorizationUrl } = await start('oidc', browser);
      const callback = await providers.visit('oidc', browser, authorizationUrl, account.subject);
      clock.advance(10 * 60_000 + 1);
      expectFailure(await browser.get(callback), 'invalid_state');
    });

    it('provider_error for an ID token with another nonce than the one sent', async () => {
      const account = oidcAccount(providers.google);
      const browser = new Browser();
      const { authorizationUrl } = await start('google', browser);
      const forged = new URL(authorizationUrl);
      forged.searchParams.set('nonce', 'a-nonce-of-another-sign-in-0123456789abcdef');
      const callback = await providers.visit('google', browser, forged.href, account.subject);
      expectFailure(await browser.get(callback), 'provider_error');
      expect(await users().countDocuments({ email: account.email })).toBe(0);
    });

    it.each([
      [
        'a broken signature',
        (token: string) =>
          TestOidcProvider.breakSignature(token, (claims) => ({ ...claims, email: 'victim@example.com' })),
      ],
      [
        'another issuer',
        (token: string) =>
          providers.google.reSign(token, (claims) => ({ ...claims, iss: 'https://accounts.evil.example' })),
      ],
      [
        'another audience',
        (token: string) => providers.google.reSign(token, (claims) => ({ ...claims, aud: 'another-client' })),
      ],
      [
        'an expiry in the past',
        (token: string) =>
          providers.google.reSign(token, (claims) => ({
            ...claims,
            iat: Math.floor(Date.now() / 1000) - 7200,
            exp: Math.floor(Date.now() / 1000) - 3600,
          })),
      ],
    ])('provider_error for an ID token with %s', async (_, rewrite) => {
      const account = oidcAccount(providers.google);
      providers.google.rewriteIdToken = rewrite;
      try {
        expectFailure((await signIn('google', account.subject)).res, 'provider_error');
      } finally {
        providers.google.rewriteIdToken = undefined;
      }
      expect(await users().countDocuments({ email: account.email })).toBe(0);
    });

    it('signs in with an ID token that is only re-signed with the provider key (the control of the above)', async () => {
      const account = oidcAccount(providers.google);
      providers.google.rewriteIdToken = (token) => providers.google.reSign(token, (claims) => claims);
      try {
        expect((await signIn('google', account.subject)).location).toBe(`${APP_URL}/`);
      } finally {
        providers.google.rewriteIdToken = undefined;
      }
    });

    it('provider_error for a wrong iss response parameter (RFC 9207) or a code the token endpoint refuses', async () => {
      const account = oidcAccount(providers.oidc);
      for (const [name, value] of [
        ['iss', 'https://mix-up.example'],
        ['code', 'a-code-the-provider-never-issued'],
      ]) {
        const browser = new Browser();
        const { authorizationUrl } = await start('oidc', browser);
        const callback = await providers.visit('oidc', browser, authorizationUrl, account.subject);
        expect(callback.searchParams.get('iss')).toBe(providers.oidc.issuer);
        callback.searchParams.set(name, value);
        expectFailure(await browser.get(callback), 'provider_error');
      }
      const browser = new Browser();
      const { authorizationUrl } = await start('github', browser);
      const callback = await providers.visit('github', browser, authorizationUrl, githubAccount());
      callback.searchParams.set('code', 'not-a-github-code');
      expectFailure(await browser.get(callback), 'provider_error');
      expect(await users().countDocuments({ email: account.email })).toBe(0);
    });

    it('answers the end as JSON to a client that asks for it: the same URL, the error, the same cookies', async () => {
      const failed = new Browser();
      const failedStart = await start('oidc', failed);
      const failedCallback = await providers.visit('oidc', failed, failedStart.authorizationUrl, null);
      const refused = await failed.get(failedCallback, { accept: 'application/json' });
      expect(refused.status).toBe(200);
      expect(await refused.json()).toEqual({
        url: `${APP_URL}/login?error=access_denied`,
        error: 'access_denied',
      });

      const account = oidcAccount(providers.oidc);
      const browser = new Browser();
      const { authorizationUrl } = await start('oidc', browser);
      const callback = await providers.visit('oidc', browser, authorizationUrl, account.subject);
      const res = await browser.get(callback, { accept: 'application/json' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ url: `${APP_URL}/` });
      expect(setCookies(res).has('jwt')).toBe(true);
      expect((await check(browser)).status).toBe(200);
    });
  });

  describe('linking and unlinking', () => {
    const link = (
      browser: Browser,
      provider: string,
      body: object = {},
      headers: Record<string, string> = {},
    ) => browser.postJson(`${api}/api/auth/oauth/${provider}/link`, body, headers);

    it('links a provider account of any address to the signed-in user, who can then sign in with it', async () => {
      const user = await passwordUser({ verified: false });
      const account = githubAccount();
      const res = await link(user.browser, 'github', { returnTo: '/settings/security' });
      expect(res.status).toBe(200);
      const { url } = (await res.json()) as { url: string };
      expect(url.startsWith(`${providers.github.url}/login/oauth/authorize?`)).toBe(true);
      expect(setCookies(res).get('oauth_flow')).toMatch(
        /Path=\/api\/auth\/oauth\/github\/callback; .*HttpOnly; SameSite=Lax$/,
      );
      const callback = await providers.visit('github', user.browser, url, account);
      const end = await user.browser.get(callback);
      expect(end.headers.get('location')).toBe(`${APP_URL}/settings/security`);
      expect(setCookies(end).has('jwt')).toBe(false);
      expect(await (await user.browser.get(`${api}/api/auth/identities`)).json()).toEqual([
        { provider: 'github', email: account.emails[1].email, linkedAt: expect.any(String) },
      ]);
      await outbox.waitFor(user.email, 'GitHub sign-in was added to your account');
      expect(
        await auditEvents().findOne({ user: await idOf(user.email), type: 'identity.linked' }),
      ).toMatchObject({ method: 'github' });

      const later = await signIn('github', account);
      expect(await (await check(later.browser)).json()).toMatchObject({ _id: user.id });
    });

    it('refuses a provider account linked to another user (identity_in_use), and a second one of a provider (409)', async () => {
      const account = oidcAccount(providers.oidc);
      await signIn('oidc', account.subject);
      const user = await passwordUser({ verified: true });
      const { url } = (await (await link(user.browser, 'oidc')).json()) as { url: string };
      const callback = await providers.visit('oidc', user.browser, url, account.subject);
      expectFailure(await user.browser.get(callback), 'identity_in_use');
      expect(await (await user.browser.get(`${api}/api/auth/identities`)).json()).toEqual([]);

      const other = await passwordUser({ verified: true });
      await linkWith(other.browser, 'google', oidcAccount(providers.google).subject);
      const again = await link(other.browser, 'google');
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({
        message: 'Google sign-in is already linked: remove it first',
      });
    });

    it('needs a session (401), a page of this site (403), a known provider (404), and a session still live at the callback', async () => {
      expect((await link(new Browser(), 'github')).status).toBe(401);
      const user = await passwordUser({ verified: true });
      const crossSite = await link(
        user.browser,
        'github',
        {},
        { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      );
      expect(crossSite.status).toBe(403);
      expect((await link(user.browser, 'facebook')).status).toBe(404);

      const { url } = (await (await link(user.browser, 'github')).json()) as { url: string };
      const callback = await providers.visit('github', user.browser, url, githubAccount());
      expect((await user.browser.postJson(`${api}/api/auth/logout`, {})).status).toBe(200);
      expectFailure(await user.browser.get(callback), 'invalid_state');
      expect(await identities().countDocuments({ user: await idOf(user.email) })).toBe(0);
    });

    it('unlinks, but never the last way to sign in (409): no password, no other identity', async () => {
      const account = oidcAccount(providers.oidc);
      const { browser } = await signIn('oidc', account.subject);
      const unlink = (provider: string) =>
        browser.request('DELETE', `${api}/api/auth/identities/${provider}`);
      const last = await unlink('oidc');
      expect(last.status).toBe(409);
      expect(await last.json()).toMatchObject({
        message:
          'This is the last way to sign in to this account: set a password (forgot-password) or link another sign-in first',
      });
      expect((await unlink('github')).status).toBe(404);
      expect((await unlink('facebook')).status).toBe(404);

      await linkWith(browser, 'google', oidcAccount(providers.google).subject);
      expect((await unlink('oidc')).status).toBe(204);
      expect(
        ((await (await browser.get(`${api}/api/auth/identities`)).json()) as Array<{ provider: string }>).map(
          (identity) => identity.provider,
        ),
      ).toEqual(['google']);
      await outbox.waitFor(account.email!, 'Acme SSO sign-in was removed from your account');
      expect(
        await auditEvents().findOne({ user: await idOf(account.email!), type: 'identity.unlinked' }),
      ).toMatchObject({ method: 'oidc' });
      expect((await unlink('google')).status).toBe(409);
      expect(await identities().countDocuments({ user: await idOf(account.email!) })).toBe(1);

      // With a password set by a reset link, the last identity may go.
      await new Browser().postJson(`${api}/api/auth/forgot-password`, { email: account.email });
      const resetLink = (await outbox.waitFor(account.email!, SUBJECT.reset)).links[0];
      await new Browser().postJson(`${api}/api/auth/reset-password`, {
        token: tokenOf(resetLink),
        newPassword: NEW_PASSWORD,
      });
      const signedIn = new Browser();
      expect(
        (await signedIn.postJson(`${api}/api/auth/login`, { email: account.email, password: NEW_PASSWORD }))
          .status,
      ).toBe(200);
      expect((await signedIn.request('DELETE', `${api}/api/auth/identities/google`)).status).toBe(204);
      expect(await identities().countDocuments({ user: await idOf(account.email!) })).toBe(0);
    });

    it('removes the identities with the account: the provider account then makes a new one', async () => {
      const owner = await passwordUser({ verified: true });
      const account = oidcAccount(providers.google, { email: owner.email });
      await signIn('google', account.subject);
      const id = await idOf(owner.email);
      expect(await identities().countDocuments({ user: id })).toBe(1);
      const deleted = await owner.browser.request(
        'DELETE',
        `${api}/api/users/me`,
        JSON.stringify({ password: GOOD_PASSWORD }),
        { 'content-type': 'application/json' },
      );
      expect(deleted.status).toBe(204);
      expect(await identities().countDocuments({ user: id })).toBe(0);
      const again = await signIn('google', account.subject);
      const created = (await (await check(again.browser)).json()) as { _id: string; email: string };
      expect(created.email).toBe(owner.email);
      expect(created._id).not.toBe(owner.id);
    });
  });

  describe('two-factor sign-in', () => {
    it('asks a two-factor account for its second factor: no session, a challenge, the login page', async () => {
      const owner = await passwordUser({ verified: true });
      const account = oidcAccount(providers.google, { email: owner.email });
      const first = await signIn('google', account.subject);
      const { secret } = await enableTwoFactor(
        app,
        clock,
        `jwt=${first.browser.cookie(api, 'jwt')!}`,
        GOOD_PASSWORD,
      );

      const { browser, res, location } = await signIn(
        'google',
        account.subject,
        new Browser(),
        '?returnTo=%2Fchat',
      );
      expect(location).toBe(`${APP_URL}/login?twoFactorRequired=1&returnTo=%2Fchat`);
      const cookies = setCookies(res);
      expect(cookies.has('jwt')).toBe(false);
      expect(cookies.get('2fa_challenge')).toMatch(
        /^2fa_challenge=[\w-]+; Max-Age=300; Path=\/api\/auth\/2fa; .*HttpOnly; SameSite=Lax$/,
      );
      expect((await check(browser)).status).toBe(401);

      const verify = await browser.postJson(`${api}/api/auth/2fa/verify`, {
        code: await totp(secret, clock),
      });
      expect(verify.status).toBe(200);
      expect(await (await check(browser)).json()).toMatchObject({ _id: owner.id });
      const id = await idOf(owner.email);
      // The first sign-in, then the one the code finished: both recorded as Google's, none as a password's.
      const methods = (await auditEvents().find({ user: id, type: 'login.succeeded' }).toArray()).map(
        (event) => event.method as string,
      );
      expect(methods).toEqual(['google', 'google']);
    });
  });

  async function idOf(email: string) {
    return (await users().findOne({ email }))!._id;
  }

  /** Links a provider account (`subject` at oidc or google) to the user signed in in `browser`. */
  async function linkWith(browser: Browser, provider: 'oidc' | 'google', subject: string) {
    const res = await browser.postJson(`${api}/api/auth/oauth/${provider}/link`, {});
    expect(res.status).toBe(200);
    const { url } = (await res.json()) as { url: string };
    const callback = await providers.visit(provider, browser, url, subject);
    expect((await browser.get(callback)).headers.get('location')).toBe(`${APP_URL}/`);
  }
});
