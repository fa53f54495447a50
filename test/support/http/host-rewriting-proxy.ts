import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostRewritingProxy {
  /** The proxy's own origin, where its page is served: http://127.0.0.1:<port> */
  origin: string;
  /** The headers of every request forwarded to the API, as the client sent them. */
  forwarded: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * A frontend's server as deployments run it: it serves a page at its own origin and forwards /api to
 * the API with Host rewritten to the API's address, like Vite's `server.proxy` with
 * `changeOrigin: true`, Netlify/Vercel rewrites or nginx's `proxy_set_header Host $proxy_host`.
 * With `forwardedHeaders` it also says what the browser asked for in X-Forwarded-Host/-Proto.
 */
export async function startHostRewritingProxy(options: {
  apiPort: number;
  page: string;
  forwardedHeaders?: boolean;
}): Promise<HostRewritingProxy> {
  const apiHost = `127.0.0.1:${options.apiPort}`;
  const forwarded: IncomingHttpHeaders[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/api/')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(options.page);
      return;
    }
    forwarded.push(req.headers);
    const headers: IncomingHttpHeaders = { ...req.headers, host: apiHost };
    if (options.forwardedHeaders) {
      headers['x-forwarded-host'] = req.headers.host;
      headers['x-forwarded-proto'] = 'http';
    }
    const upstream = request(
      { host: '127.0.0.1', port: options.apiPort, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
