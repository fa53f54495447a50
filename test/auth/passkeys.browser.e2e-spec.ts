import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { createTestApp } from '../support/app/test-app.js';
import { launchBrowser } from '../support/browser.js';
import { freePort } from '../support/http/free-port.js';

/**
 * A page on http://localhost (a secure context, and the RP ID the API defaults to) that does what a
 * frontend does: options from the API, `navigator.credentials.create()` / `.get()`, the credential's
 * `toJSON()` back to the API. Served by the API itself (FRONTEND_DIR), so the session cookie is
 * same-origin.
 */
const INDEX = '<!doctype html><title>passkeys</title><script src="/passkeys.js"></script>';
const PASSKEYS_JS = `
const post = async (path, body) => {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { status: res.status, body: await res.json().catch(() => null) };
};
window.passkeys = {
  signUp: (fullName, email, password) => post('/api/auth/signup', { fullName, email, password }),
  logout: () => post('/api/auth/logout'),
  check: async () => (await fetch('/api/auth/check')).status,
  list: async () => (await fetch('/api/auth/passkeys')).json(),
  register: async (name) => {
    const options = await post('/api/auth/passkeys/registration-options');
    const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options.body);
    const credential = await navigator.credentials.create({ publicKey });
    return post('/api/auth/passkeys/registration', { response: credential.toJSON(), name });
  },
  // userVerification: a page altered to ask the authenticator for less than the API's options say.
  signIn: async (userVerification) => {
    const options = await post('/api/auth/passkeys/authentication-options');
    if (userVerification) options.body.userVerification = userVerification;
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options.body);
    let credential;
    try {
      credential = await navigator.credentials.get({ publicKey });
    } catch (error) {
      return { status: 0, error: error.name };
    }
    return post('/api/auth/passkeys/authentication', { response: credential.toJSON() });
  },
};
`;

declare global {
  interface Window {
    passkeys: {
      signUp(fullName: string, email: string, password: string): Promise<{ status: number }>;
      logout(): Promise<{ status: number }>;
      check(): Promise<number>;
      list(): Promise<Array<{ name: string; lastUsedAt: string | null }>>;
      register(name: string): Promise<{ status: number; body: { name: string } }>;
      signIn(
        userVerification?: string,
      ): Promise<{ status: number; body?: { email?: string; message?: string }; error?: string }>;
    };
  }
}

describe('Passkeys in headless Chromium with a virtual authenticator (e2e)', () => {
  let app: NestExpressApplication;
  let browser: Browser;
  let dir: string;
  let origin: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passkeys-browser-'));
    await mkdir(join(dir, 'site'));
    await writeFile(join(dir, 'site', 'index.html'), INDEX);
    await writeFile(join(dir, 'site', 'passkeys.js'), PASSKEYS_JS);
    const port = await freePort();
    origin = `http://localhost:${port}`;
    // The RP ID and the allowed origin follow APP_URL: localhost, and this page's origin.
    app = await createTestApp({
      FRONTEND_DIR: join(dir, 'site'),
      DATA_DIR: join(dir, 'data'),
      APP_URL: origin,
      API_URL: origin,
    });
    await app.listen(port, 'localhost');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A browser window with a CTAP2 platform authenticator that keeps resident keys and verifies its user. */
  async function windowWithAuthenticator(): Promise<{
    context: BrowserContext;
    page: Page;
    cdp: CDPSession;
    authenticatorId: string;
  }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { context, page, cdp, authenticatorId };
  }

  it('registers a passkey, signs in with it alone after logging out; refused without user verification', async () => {
    const { context, page, cdp, authenticatorId } = await windowWithAuthenticator();
    const email = uniqueEmail('chromium');
    expect(
      (await page.evaluate(([e, p]) => window.passkeys.signUp('Ada', e, p), [email, GOOD_PASSWORD])).status,
    ).toBe(201);

    const registered = await page.evaluate(() => window.passkeys.register('Chromium'));
    expect(registered).toMatchObject({ status: 201, body: { name: 'Chromium' } });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });

    expect((await page.evaluate(() => window.passkeys.logout())).status).toBe(200);
    expect(await page.evaluate(() => window.passkeys.check())).toBe(401);

    const signedIn = await page.evaluate(() => window.passkeys.signIn());
    expect(signedIn).toMatchObject({ status: 200, body: { email } });
    expect(await page.evaluate(() => window.passkeys.check())).toBe(200);
    expect((await page.evaluate(() => window.passkeys.list()))[0].lastUsedAt).not.toBeNull();

    await page.evaluate(() => window.passkeys.logout());
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    // The browser itself refuses: the API's options require user verification.
    expect(await page.evaluate(() => window.passkeys.signIn())).toEqual({
      status: 0,
      error: 'NotAllowedError',
    });
    // A page that asks for less gets an assertion without it, which the API refuses.
    expect(await page.evaluate(() => window.passkeys.signIn('discouraged'))).toEqual({
      status: 401,
      body: expect.objectContaining({ message: 'Passkey sign-in failed' }),
    });
    expect(await page.evaluate(() => window.passkeys.check())).toBe(401);
    await context.close();
  });
});
