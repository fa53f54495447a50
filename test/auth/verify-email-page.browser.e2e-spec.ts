import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { launchBrowser } from '../support/browser.js';
import { signUp } from '../support/auth.js';
import { freePort } from '../support/http/free-port.js';
import { OutboxMailbox } from '../support/mail/mailbox.js';
import { createTestApp } from '../support/app/test-app.js';

/** A person confirms their address with nothing but the email and a browser (.ci/run installs chromium). */
describe('Verification page in headless Chromium (e2e)', () => {
  let app: NestExpressApplication;
  let frontend: Server;
  let appUrl: string;
  let browser: Browser;
  let outbox: OutboxMailbox;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'verify-page-'));
    outbox = new OutboxMailbox(join(dataDir, 'outbox'));
    // The frontend people land on: APP_URL.
    frontend = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>The chat app</title>');
    });
    const frontendPort = await freePort();
    await new Promise<void>((resolve) => frontend.listen(frontendPort, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${frontendPort}/`;
    const port = await freePort();
    app = await createTestApp({ DATA_DIR: dataDir, API_URL: `http://127.0.0.1:${port}`, APP_URL: appUrl });
    await app.listen(port, '127.0.0.1');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((resolve) => frontend?.close(resolve));
  });

  it('confirms the address with the button under the CSP, then opens the app', async () => {
    const { email, cookie } = await signUp(app);
    const link = (await outbox.waitFor(email, 'Confirm your email address')).links[0];
    const verified = async () =>
      (await request(app.getHttpServer()).get('/api/auth/check').set('Cookie', cookie).expect(200)).body
        .emailVerified as boolean;

    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    const response = await page.goto(link);
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await expect(page.title()).resolves.toBe('Confirm your email address');
    // The page is open, its script has run: nothing is confirmed until the person presses the button.
    await page.waitForLoadState('load');
    expect(await verified()).toBe(false);

    await page.click('button[type=submit]');
    await page.waitForSelector('#result.ok');
    expect(await page.textContent('#result')).toBe('Your email address is confirmed. Opening the app…');
    await page.waitForURL(appUrl);
    await expect(page.title()).resolves.toBe('The chat app');
    expect(await verified()).toBe(true);

    // The same link again: the server's message, shown as the person sees it.
    await page.goto(link);
    await page.click('button[type=submit]');
    await page.waitForSelector('#result.error');
    expect(await page.textContent('#result')).toBe('Invalid or expired token');
    expect(page.url()).toBe(link);
    expect(cspViolations).toEqual([]);
  });
});
