import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser } from 'playwright-core';
import { signUp } from '../support/auth.js';
import { createTestApp } from '../support/app/test-app.js';
import { launchBrowser } from '../support/browser.js';

/** Debian's chromium; .ci/run installs it when missing. */
const UI_TIMEOUT_MS = 20_000;

describe('Swagger UI in a real browser (e2e)', () => {
  let app: NestExpressApplication;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    app = await createTestApp();
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app.close();
  });

  it('signs in through Authorize (OAuth2 password flow), then "Try it out" on checkAuth answers 200 with the user', async () => {
    const { email, password } = await signUp(app);
    const page = await browser.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    const sent: Array<{ path: string; body: string; authorization?: string }> = [];
    page.on('request', (req) => {
      const { pathname } = new URL(req.url());
      if (pathname.startsWith('/api/auth/')) {
        sent.push({ path: pathname, body: req.postData() ?? '', authorization: req.headers().authorization });
      }
    });

    await page.goto(`${baseUrl}/api/docs`);
    await page.locator('.auth-wrapper button.authorize').click();
    const oauth = page.locator('.modal-ux .auth-container').filter({ hasText: 'oauth2' });
    await oauth.locator('#oauth_username').fill(email);
    await oauth.locator('#oauth_password').fill(password);
    await oauth.locator('button.authorize').click();
    await oauth.locator('button', { hasText: 'Logout' }).waitFor();
    await oauth.locator('button.btn-done').click();

    const operation = page.locator('#operations-Auth-checkAuth');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const live = operation.locator('.live-responses-table');
    const response = live.locator('tr.response');
    await response.waitFor();
    expect((await response.locator('.response-col_status').innerText()).trim()).toBe('200');
    expect(await response.locator('.response-col_description').innerText()).toContain(email);

    const [token, check] = sent;
    expect(token.path).toBe('/api/auth/token');
    expect(new URLSearchParams(token.body).get('grant_type')).toBe('password');
    // Swagger UI's default client authentication: an empty client id and secret as Basic.
    expect(token.authorization).toBe(`Basic ${Buffer.from(':').toString('base64')}`);
    expect(check.path).toBe('/api/auth/check');
    expect(check.authorization).toMatch(/^Bearer ey/);
    await page.close();
  });
});
