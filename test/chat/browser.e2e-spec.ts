import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { GOOD_PASSWORD, uniqueEmail } from '../support/auth.js';
import { png } from '../support/images.js';
import { listenOnFreePort } from '../support/sockets.js';
import { createTestApp } from '../support/app/test-app.js';
import { launchBrowser } from '../support/browser.js';

/**
 * A minimal chat page, served by the API itself (FRONTEND_DIR) as a production frontend is: the
 * browser keeps the session cookie, the socket is same-origin and carries nothing but that cookie.
 */
const INDEX = `<!doctype html><title>chat</title>
<script src="/socket.io/socket.io.js"></script><script src="/chat.js"></script>`;
const CHAT_JS = `
window.chat = { messages: [], online: [], error: null };
const json = (method, body) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
chat.signUp = async (fullName, email, password) => (await fetch('/api/auth/signup', json('POST', { fullName, email, password }))).json();
chat.connect = () => new Promise((resolve) => {
  const socket = io({ query: { userId: 'ignored' } });
  socket.on('getOnlineUsers', (ids) => { chat.online = ids; });
  socket.on('newMessage', (message) => chat.messages.push(message));
  socket.on('connect', () => resolve('connected'));
  socket.on('connect_error', (error) => { chat.error = error.message; resolve(error.message); });
  chat.socket = socket;
});
// X-Socket-Id: this tab needs no newMessage copy of what it sent itself.
chat.send = async (to, body) => {
  const request = json('POST', body);
  request.headers['x-socket-id'] = chat.socket.id;
  return (await fetch('/api/messages/send/' + to, request)).json();
};
chat.history = async (withId) => (await fetch('/api/messages/' + withId)).json();
chat.showImage = (url) => new Promise((resolve) => {
  const img = new Image();
  img.onload = () => resolve(img.naturalWidth);
  img.onerror = () => resolve(0);
  img.src = url;
});
`;

interface Person {
  context: BrowserContext;
  page: Page;
  id: string;
}

describe('Chat in a real browser, frontend served by the API (e2e)', () => {
  let app: NestExpressApplication;
  let browser: Browser;
  let dir: string;
  let origin: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chat-browser-'));
    await mkdir(join(dir, 'site'));
    await writeFile(join(dir, 'site', 'index.html'), INDEX);
    await writeFile(join(dir, 'site', 'chat.js'), CHAT_JS);
    // A path: pictures load from whatever origin the page (and the API) has.
    app = await createTestApp({
      FRONTEND_DIR: join(dir, 'site'),
      DATA_DIR: join(dir, 'data'),
      MEDIA_PUBLIC_URL: '/media',
    });
    origin = await listenOnFreePort(app);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** One person in a browser window of their own (own cookie jar), signed up and connected. */
  async function person(name: string): Promise<Person> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const user = await page.evaluate(
      ([fullName, email, password]) => window.chat.signUp(fullName, email, password),
      [name, uniqueEmail(name.toLowerCase()), GOOD_PASSWORD],
    );
    expect(await page.evaluate(() => window.chat.connect())).toBe('connected');
    return { context, page, id: user._id };
  }

  // Functions, not strings: the page's CSP (script-src 'self') forbids evaluating strings.
  const isOnline = (page: Page, id: string) =>
    page.waitForFunction((userId) => window.chat.online.includes(userId), id, { timeout: 10_000 });
  const isOffline = (page: Page, id: string) =>
    page.waitForFunction((userId) => !window.chat.online.includes(userId), id, { timeout: 10_000 });
  const hasMessages = (page: Page, count: number) =>
    page.waitForFunction((n) => window.chat.messages.length === n, count, { timeout: 10_000 });

  it('two people see each other online, exchange text and pictures live, and keep the history', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    await isOnline(alice.page, bob.id);
    expect(await bob.page.evaluate(() => window.chat.online)).toEqual(
      expect.arrayContaining([alice.id, bob.id]),
    );

    const sent = await alice.page.evaluate((to) => window.chat.send(to, { text: 'Hello Bob' }), bob.id);
    await hasMessages(bob.page, 1);
    expect(await bob.page.evaluate(() => window.chat.messages[0])).toEqual(sent);

    const picture = `data:image/png;base64,${png(3, 2).toString('base64')}`;
    const withPicture = await bob.page.evaluate(
      ([to, image]) => window.chat.send(to, { text: '', image }),
      [alice.id, picture],
    );
    await hasMessages(alice.page, 1);
    const received = await alice.page.evaluate(() => window.chat.messages[0]);
    expect(received).toMatchObject({ senderId: bob.id, text: null, image: withPicture.image });
    // The picture's URL loads in the page (CSP img-src, /media).
    expect(await alice.page.evaluate((url) => window.chat.showImage(url), withPicture.image as string)).toBe(
      3,
    );

    await alice.page.reload();
    const history = await alice.page.evaluate((withId) => window.chat.history(withId), bob.id);
    expect(history.map((message: { _id: string }) => message._id)).toEqual([sent._id, withPicture._id]);

    await bob.context.close();
    await alice.page.evaluate(() => window.chat.connect());
    await isOffline(alice.page, bob.id);
    await alice.context.close();
  });

  it('a browser without a session gets a connect_error that says so', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    expect(await page.evaluate(() => window.chat.connect())).toMatch(/^Not authenticated/);
    await context.close();
  });
});

declare global {
  interface Window {
    // The test page's helpers (CHAT_JS).
    chat: {
      messages: Array<Record<string, unknown>>;
      online: string[];
      signUp(fullName: string, email: string, password: string): Promise<{ _id: string }>;
      connect(): Promise<string>;
      send(to: string, body: object): Promise<Record<string, unknown> & { _id: string; image: unknown }>;
      history(withId: string): Promise<Array<{ _id: string }>>;
      showImage(url: string): Promise<number>;
    };
  }
}
