import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { precomputedHeaders } from './precomputed-headers.js';

/** The headers a middleware leaves on a real response (the per-response ones left out). */
async function headersFrom(middleware: RequestHandler): Promise<Record<string, string>> {
  const server = createServer((req, res) => {
    void middleware(req as Request, res as Response, () => res.end('ok'));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    await response.text();
    const varying = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
    return Object.fromEntries([...response.headers].filter(([name]) => !varying.has(name)));
  } finally {
    await new Promise((ok) => server.close(ok));
  }
}

describe('precomputedHeaders', () => {
  it("replays exactly the headers helmet sets, with the app's options", async () => {
    const options = {
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null, imgSrc: ["'self'"] } },
    };
    const replayed = await headersFrom(precomputedHeaders(helmet(options)));
    expect(replayed).toEqual(await headersFrom(helmet(options)));
    expect(replayed['content-security-policy']).toContain("img-src 'self'");
    expect(Object.keys(replayed).length).toBeGreaterThan(10);
  });

  it('refuses, at start-up, a middleware that reads the request or answers later', () => {
    expect(() => precomputedHeaders((req, _res, next) => (req.path ? next() : next()))).toThrow(
      /reads the request/,
    );
    expect(() => precomputedHeaders((_req, _res, next) => void setImmediate(next))).toThrow(/synchronously/);
  });
});
