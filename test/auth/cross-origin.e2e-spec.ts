import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { GOOD_PASSWORD, sessionCookie, signUp, uniqueEmail } from '../support/auth.js';
import { errorBody } from '../support/http/errors.js';
import { startHostRewritingProxy, type HostRewritingProxy } from '../support/http/host-rewriting-proxy.js';
import { png } from '../support/images.js';
import { createTestApp } from '../support/app/test-app.js';
import { launchBrowser } from '../support/browser.js';

/** The default CORS_ORIGINS: the reference frontend's dev server. */
const LISTED_ORIGIN = 'http://localhost:5173';
const FOREIGN_ORIGIN = 'http://evil.example';
const PAGE = '<!doctype html><title>chat</title><p>frontend</p>';
const PICTURE = `data:image/png;base64,${png(2, 2).toString('base64')}`;

/** The API listening on 127.0.0.1, a Host-rewriting proxy in front of it. */
function apiBehindProxy(env: Record<string, string>, proxyOptions: { forwardedHeaders?: boolean } = {}) {
  const stack = {} as { app: NestExpressApplication; proxy: HostRewritingProxy; apiOrigin: string };
  beforeAll(async () => {
    stack.app = await createTestApp(env);
    await stack.app.listen(0, '127.0.0.1');
    const { port } = stack.app.getHttpServer().address() as AddressInfo;
    stack.apiOrigin = `http://127.0.0.1:${port}`;
    stack.proxy = await startHostRewritingProxy({ apiPort: port, page: PAGE, ...proxyOptions });
  });
  afterAll(async () => {
    await stack.proxy.close();
    await stack.app.close();
  });
  return stack;
}

/** A session created through the proxy, as the frontend's page creates it. */
async function signUpThroughProxy(proxy: HostRewritingProxy): Promise<string> {
  const res = await request(proxy.origin)
    .post('/api/auth/signup')
    .set({ Origin: proxy.origin, 'Sec-Fetch-Site': 'same-origin' })
    .send({ fullName: 'Proxied User', email: uniqueEmail('proxied'), password: GOOD_PASSWORD })
    .expect(201);
  return sessionCookie(res);
}

describe('Cross-origin protection behind a Host-rewriting proxy, default settings (e2e)', () => {
  const stack = apiBehindProxy({});
  const viaProxy = () => request(stack.proxy.origin);
  const logout = (cookie: string, headers: Record<string, string>) =>
    viaProxy().post('/api/auth/logout').set('Cookie', cookie).set(headers);
  const stillSignedIn = (cookie: string) =>
    viaProxy().get('/api/auth/check').set('Cookie', cookie).expect(200);

  it('lets the frontend’s same-origin writes through with CORS_ORIGINS unset', async () => {
    const sameOrigin = { Origin: stack.proxy.origin, 'Sec-Fetch-Site': 'same-origin' };
    const cookie = await signUpThroughProxy(stack.proxy);
    await viaProxy()
      .patch('/api/users/me')
      .set('Cookie', cookie)
      .set(sameOrigin)
      .send({ fullName: 'Renamed' })
      .expect(200);
    const profile = await viaProxy()
      .put('/api/auth/update-profile')
      .set('Cookie', cookie)
      .set(sameOrigin)
      .send({ profilePic: PICTURE })
      .expect(200);
    expect(profile.body).toMatchObject({ fullName: 'Renamed', profilePic: expect.stringMatching(/\.webp$/) });
    await logout(cookie, sameOrigin).expect(200);
    await viaProxy().get('/api/auth/check').set('Cookie', cookie).expect(401);
  });

  it.each([
    ['cross-site', FOREIGN_ORIGIN],
    ['same-site', 'http://127.0.0.1:1'],
  ])('refuses a %s write with the cookie from an unlisted Origin', async (fetchSite, origin) => {
    const cookie = await signUpThroughProxy(stack.proxy);
    const res = await logout(cookie, { Origin: origin, 'Sec-Fetch-Site': fetchSite }).expect(403);
    expect(res.body).toEqual(errorBody(403, 'Cross-site request refused'));
    await stillSignedIn(cookie);
  });

  it.each(['cross-site', 'same-site'])(
    'accepts a %s write with the cookie from an Origin in CORS_ORIGINS',
    async (fetchSite) => {
      const cookie = await signUpThroughProxy(stack.proxy);
      const res = await logout(cookie, { Origin: LISTED_ORIGIN, 'Sec-Fetch-Site': fetchSite }).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(LISTED_ORIGIN);
    },
  );

  it('does not apply to Bearer-authenticated writes', async () => {
    const { token } = await signUp(stack.app);
    await viaProxy()
      .patch('/api/users/me')
      .set('Authorization', `Bearer ${token}`)
      .set({ Origin: FOREIGN_ORIGIN, 'Sec-Fetch-Site': 'cross-site' })
      .send({ fullName: 'Script' })
      .expect(200);
  });

  describe('browsers without Sec-Fetch-Site: Origin against the request’s host', () => {
    it('accepts an Origin equal to the API’s own host', async () => {
      const { cookie } = await signUp(stack.app);
      await request(stack.apiOrigin)
        .post('/api/auth/logout')
        .set('Cookie', cookie)
        .set('Origin', stack.apiOrigin)
        .expect(200);
    });

    it('refuses a foreign Origin', async () => {
      const cookie = await signUpThroughProxy(stack.proxy);
      await logout(cookie, { Origin: FOREIGN_ORIGIN }).expect(403);
      await stillSignedIn(cookie);
    });

    it('refuses the proxy’s Origin once the proxy has rewritten Host (the host it names is unknown)', async () => {
      const cookie = await signUpThroughProxy(stack.proxy);
      await logout(cookie, { Origin: stack.proxy.origin }).expect(403);
    });

    it('ignores X-Forwarded-Host and -Proto when TRUST_PROXY is unset', async () => {
      const cookie = await signUpThroughProxy(stack.proxy);
      const proxyHost = new URL(stack.proxy.origin).host;
      await logout(cookie, {
        Origin: stack.proxy.origin,
        'X-Forwarded-Host': proxyHost,
        'X-Forwarded-Proto': 'http',
      }).expect(403);
    });
  });

  describe('CORS headers on every answer to an allowed origin, errors included', () => {
    it.each<[string, () => request.Test, number]>([
      ['a path outside /api', () => request(stack.apiOrigin).get('/not-the-api'), 404],
      ['an unknown route under /api', () => request(stack.apiOrigin).get('/api/nope'), 404],
      [
        'a body that is not JSON',
        () => request(stack.apiOrigin).post('/api/auth/login').type('text/plain').send('x'),
        415,
      ],
      [
        'malformed JSON',
        () => request(stack.apiOrigin).post('/api/auth/login').type('json').send('{"email":'),
        400,
      ],
      ['no session', () => request(stack.apiOrigin).get('/api/auth/check'), 401],
    ])('%s', async (_name, send, status) => {
      const res = await send().set('Origin', LISTED_ORIGIN).expect(status);
      expect(res.body).toMatchObject({ statusCode: status, message: expect.any(String) });
      expect(res.headers['access-control-allow-origin']).toBe(LISTED_ORIGIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });

    it('but none to a foreign origin', async () => {
      const res = await request(stack.apiOrigin).get('/nope').set('Origin', FOREIGN_ORIGIN).expect(404);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('Cross-origin protection behind a trusted proxy that sends X-Forwarded-Host (e2e)', () => {
  const stack = apiBehindProxy({ TRUST_PROXY: 'loopback' }, { forwardedHeaders: true });
  const logout = (cookie: string, origin: string) =>
    request(stack.proxy.origin).post('/api/auth/logout').set('Cookie', cookie).set('Origin', origin);

  it('accepts the proxy’s Origin from a browser without Sec-Fetch-Site', async () => {
    await logout(await signUpThroughProxy(stack.proxy), stack.proxy.origin).expect(200);
  });

  it('refuses a foreign Origin', async () => {
    await logout(await signUpThroughProxy(stack.proxy), FOREIGN_ORIGIN).expect(403);
  });

  it('refuses an Origin whose scheme is not the forwarded one', async () => {
    const httpsOrigin = stack.proxy.origin.replace(/^http:/, 'https:');
    await logout(await signUpThroughProxy(stack.proxy), httpsOrigin).expect(403);
  });
});

describe('Cross-origin protection in a real browser behind a Host-rewriting proxy (e2e)', () => {
  const stack = apiBehindProxy({});
  let browser: Browser;
  let otherSite: HostRewritingProxy;

  beforeAll(async () => {
    browser = await launchBrowser();
    const { port } = stack.app.getHttpServer().address() as AddressInfo;
    otherSite = await startHostRewritingProxy({ apiPort: port, page: PAGE });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await otherSite?.close();
  });

  /** Runs fetch() calls in the page, with the browser's own headers; returns the statuses. */
  async function statusesFrom(page: Page, calls: Array<[string, string, unknown?]>) {
    return page.evaluate(async (list) => {
      const statuses: number[] = [];
      for (const [method, url, body] of list) {
        const res = await fetch(url, {
          method,
          credentials: 'include',
          headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        statuses.push(res.status);
      }
      return statuses;
    }, calls);
  }

  it('signs up, edits the profile and logs out from the frontend’s own origin', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(stack.proxy.origin);
    const statuses = await statusesFrom(page, [
      [
        'POST',
        '/api/auth/signup',
        { fullName: 'Browser User', email: uniqueEmail('browser'), password: GOOD_PASSWORD },
      ],
      ['PUT', '/api/auth/update-profile', { profilePic: PICTURE }],
      ['PATCH', '/api/users/me', { fullName: 'Browser Renamed' }],
      ['GET', '/api/auth/check'],
      ['POST', '/api/auth/logout'],
      ['GET', '/api/auth/check'],
    ]);
    expect(statuses).toEqual([201, 200, 200, 200, 200, 401]);
    // The browser, not the test, said where the writes came from; the proxy had rewritten Host.
    const writes = stack.proxy.forwarded.filter((headers) => headers['content-type'] || headers.cookie);
    expect(writes.length).toBeGreaterThan(0);
    for (const headers of writes) expect(headers['sec-fetch-site']).toBe('same-origin');
    await context.close();
  });

  it('refuses a same-site page on another port that posts logout with the user’s cookie', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(stack.proxy.origin);
    const email = uniqueEmail('victim');
    expect(
      await statusesFrom(page, [
        ['POST', '/api/auth/signup', { fullName: 'Victim', email, password: GOOD_PASSWORD }],
      ]),
    ).toEqual([201]);

    // Same site (127.0.0.1), other origin: the Lax cookie goes along, and a bodiless POST needs no preflight.
    const attacker = await context.newPage();
    await attacker.goto(otherSite.origin);
    const seenBefore = stack.proxy.forwarded.length;
    await attacker.evaluate(async (url) => {
      // The answer is hidden from the page whatever it is (no-cors; helmet's Cross-Origin-Resource-Policy
      // even makes fetch reject): what matters is what the server did.
      await fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' }).catch(() => undefined);
    }, `${stack.proxy.origin}/api/auth/logout`);
    const attempt = stack.proxy.forwarded
      .slice(seenBefore)
      .find((headers) => headers.origin === otherSite.origin);
    expect(attempt).toMatchObject({
      'sec-fetch-site': 'same-site',
      cookie: expect.stringMatching(/(^|; )jwt=/),
    });

    expect(await statusesFrom(page, [['GET', '/api/auth/check']])).toEqual([200]);
    await context.close();
  });
});
