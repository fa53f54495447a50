import { randomInt, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestApp, databaseOf } from '../support/app/test-app.js';
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
    app = await createTestApp(
      { ...providers.env, DATA_DIR: dataDir, LOG_LEVEL: 'log' },
      { overrides: [clock.provider] },
    );
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
      expect(reset.status).toBe(200);
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
});
