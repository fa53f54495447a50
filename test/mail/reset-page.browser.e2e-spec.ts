import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { GOOD_PASSWORD, NEW_PASSWORD, signUp } from '../support/auth.js';
import { freePort } from '../support/http/free-port.js';
import { type OutboxMailbox, SUBJECT } from '../support/mail/mailbox.js';
import { createOutboxApp } from '../support/mail/outbox-app.js';
import { launchBrowser } from '../support/browser.js';

/** A person who forgot their password, with nothing but the email and a browser (.ci/run installs chromium). */
describe('Reset page in headless Chromium (e2e)', () => {
  let app: NestExpressApplication;
  let browser: Browser;
  let outbox: OutboxMailbox;

  beforeAll(async () => {
    const port = await freePort();
    ({ app, outbox } = await createOutboxApp({ API_URL: `http://127.0.0.1:${port}` }));
    await app.listen(port, '127.0.0.1');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('sets a new password from the emailed link under the CSP, with readable results', async () => {
    const { email, cookie } = await signUp(app);
    await request(app.getHttpServer()).post('/api/auth/forgot-password').send({ email }).expect(202);
    const link = (await outbox.waitFor(email, SUBJECT.reset)).links[0];

    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    const response = await page.goto(link);
    expect(response!.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await expect(page.title()).resolves.toBe('Choose a new password');

    await page.fill('#new-password', NEW_PASSWORD);
    await page.fill('#confirm-password', `${NEW_PASSWORD}-typo`);
    await page.click('button[type=submit]');
    await page.waitForSelector('#result.error');
    expect(await page.textContent('#result')).toBe('The two passwords do not match.');

    await page.fill('#confirm-password', NEW_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('#result.ok');
    expect(await page.textContent('#result')).toBe(
      'Your password has been changed. You can now sign in with it.',
    );
    expect(await page.isHidden('#reset-form')).toBe(true);

    // The same link again: the server's message, shown as the person sees it.
    await page.goto(link);
    await page.fill('#new-password', 'another-quiet-meadow-31');
    await page.fill('#confirm-password', 'another-quiet-meadow-31');
    await page.click('button[type=submit]');
    await page.waitForSelector('#result.error');
    expect(await page.textContent('#result')).toBe('Invalid or expired token');
    expect(cspViolations).toEqual([]);

    const http = () => request(app.getHttpServer());
    await http().get('/api/auth/check').set('Cookie', cookie).expect(401);
    await http().post('/api/auth/login').send({ email, password: GOOD_PASSWORD }).expect(401);
    await http().post('/api/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
  });
});
