import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { signUp } from '../support/auth.js';
import { OutboxMailbox, tokenOf } from '../support/mail/mailbox.js';
import { createTestApp } from '../support/app/test-app.js';

const API_URL = 'https://api.chat.example';

/** Mail scanners and link previews fetch every link of a message before any person reads it. */
describe('The emailed verification link (e2e)', () => {
  let app: NestExpressApplication;
  let outbox: OutboxMailbox;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'verify-link-'));
    outbox = new OutboxMailbox(join(dataDir, 'outbox'));
    app = await createTestApp({ DATA_DIR: dataDir, API_URL });
  });
  afterAll(() => app.close());

  it('opens a page and changes nothing; the page’s POST confirms', async () => {
    const { email, cookie } = await signUp(app);
    const link = (await outbox.waitFor(email, 'Confirm your email address')).links[0];
    expect(link.startsWith(`${API_URL}/api/auth/verify-email?token=`)).toBe(true);
    const path = link.slice(API_URL.length);

    for (let fetches = 0; fetches < 3; fetches++) {
      const page = await http().get(path).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
    await http().head(path).expect(200);
    expect((await http().get('/api/auth/check').set('Cookie', cookie).expect(200)).body.emailVerified).toBe(
      false,
    );

    await http()
      .post('/api/auth/verify-email')
      .send({ token: tokenOf(link) })
      .expect(200);
    expect((await http().get('/api/auth/check').set('Cookie', cookie).expect(200)).body.emailVerified).toBe(
      true,
    );
  });

  it('serves a page whose script posts the token to POST /api/auth/verify-email', async () => {
    const page = (await http().get('/api/auth/verify-email').expect(200)).text;
    expect(page).toContain('<script src="verify-email.js" defer></script>');
    expect(page).not.toMatch(/<script>/);
    expect(page).toMatch(/<form id="verify-form" method="post" action="verify-email">/);
    const script = await http().get('/api/auth/verify-email.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.text).toMatch(/fetch\('verify-email', \{\s*method: 'POST'/);
    expect(script.text).toContain('JSON.stringify({ token })');
  });
});
