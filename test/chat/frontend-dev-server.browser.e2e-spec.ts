import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { GOOD_PASSWORD, signUp } from '../support/auth.js';
import { launchBrowser } from '../support/browser.js';
import { createTestApp } from '../support/app/test-app.js';

/**
 * The reference frontend as its README runs it: pages from Vite on one port, the API on another,
 * both on localhost (same site, different origins). Its chat client is
 * `io(BASE_URL, { query: { userId } })` with socket.io-client's defaults: HTTP long-polling first,
 * without credentials, then a WebSocket upgrade. Its REST calls send credentials.
 */
const PAGE_JS = `
const API = new URL(location.href).searchParams.get('api');
window.frontend = { messages: [] };
frontend.signIn = async (email, password) => (await fetch(API + '/api/auth/login', {
  method: 'POST',
  credentials: 'include',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email, password }),
})).status;
frontend.connect = (userId) => new Promise((resolve) => {
  const socket = io(API, { query: { userId } });
  socket.on('newMessage', (message) => frontend.messages.push(message));
  socket.on('connect', () => resolve('connected'));
  socket.on('connect_error', (error) => resolve(error.message));
  frontend.socket = socket;
});
frontend.transport = () => frontend.socket.io.engine.transport.name;
`;
const INDEX = `<!doctype html><title>dev frontend</title>
<script src="/socket.io.min.js"></script><script src="/page.js"></script>`;

/** A stand-in for Vite's dev server: the page, its script and socket.io-client's browser build. */
async function servePages(): Promise<Server> {
  const require = createRequire(import.meta.url);
  // The browser build, beside the package's Node entry point (build/cjs/index.js).
  const client = await readFile(
    join(dirname(require.resolve('socket.io-client')), '..', '..', 'dist', 'socket.io.min.js'),
  );
  const files: Record<string, [string, string | Buffer]> = {
    '/': ['text/html', INDEX],
    '/page.js': ['text/javascript', PAGE_JS],
    '/socket.io.min.js': ['text/javascript', client],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://localhost').pathname];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': file[0] }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return server;
}

const portOf = (server: Server) => (server.address() as AddressInfo).port;

describe('Chat in Chromium from a frontend dev server on another port (e2e)', () => {
  let pages: Server;
  let app: NestExpressApplication;
  let browser: Browser;
  let pageUrl: string;

  beforeAll(async () => {
    pages = await servePages();
    const frontendOrigin = `http://localhost:${portOf(pages)}`;
    app = await createTestApp({ CORS_ORIGINS: frontendOrigin });
    await app.listen(0);
    const api = `http://localhost:${portOf(app.getHttpServer() as Server)}`;
    pageUrl = `${frontendOrigin}/?api=${encodeURIComponent(api)}`;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    pages?.closeAllConnections();
    await new Promise((resolve) => pages?.close(resolve));
  });

  async function openPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(pageUrl);
    return { context, page };
  }

  it('signs in, connects with the frontend’s own client settings and receives a message live', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const { context, page } = await openPage();
    expect(
      await page.evaluate(
        ([email, password]) => window.frontend.signIn(email, password),
        [alice.email, GOOD_PASSWORD],
      ),
    ).toBe(200);
    expect(await page.evaluate((userId) => window.frontend.connect(userId), alice.user._id as string)).toBe(
      'connected',
    );
    expect(await page.evaluate(() => window.frontend.transport())).toBe('websocket');

    const sent = await request(app.getHttpServer())
      .post(`/api/messages/send/${alice.user._id}`)
      .set('Cookie', bob.cookie)
      .send({ text: 'Hello from Bob' })
      .expect(201);
    await page.waitForFunction(() => window.frontend.messages.length === 1, undefined, { timeout: 10_000 });
    expect(await page.evaluate(() => window.frontend.messages[0])).toEqual(sent.body);
    await context.close();
  });

  it('refuses the socket of a page that is not signed in, whatever userId it claims', async () => {
    const victim = await signUp(app);
    const { context, page } = await openPage();
    expect(
      await page.evaluate((userId) => window.frontend.connect(userId), victim.user._id as string),
    ).toMatch(/^Not authenticated/);
    await context.close();
  });
});

declare global {
  interface Window {
    // The test page's helpers (PAGE_JS).
    frontend: {
      messages: Array<Record<string, unknown>>;
      signIn(email: string, password: string): Promise<number>;
      connect(userId: string): Promise<string>;
      transport(): string;
    };
  }
}
