import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Closes a server without cutting the requests in flight. Create it before the server listens: it
 * follows every response still being written, so that at shutdown each one closes its connection
 * when done instead of keeping it alive.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private closing = false;

  constructor(private readonly server: Server) {
    // First in line, before Express may have answered.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (this.closing) response.setHeader('Connection', 'close');
      this.inFlight.add(response);
      response.once('close', () => this.inFlight.delete(response));
    });
  }

  /** Stops accepting connections and closes idle ones; resolves once every connection has ended. */
  close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const response of this.inFlight) this.closeWhenDone(response);
    return closed;
  }

  /** Ends whatever connections are left, mid-request or not. */
  destroyConnections(): void {
    this.server.closeAllConnections();
  }

  private closeWhenDone(response: ServerResponse): void {
    if (!response.headersSent) {
      response.setHeader('Connection', 'close');
      return;
    }
    // Headers already went out as keep-alive: close the connection once it is idle again.
    response.once('finish', () => setImmediate(() => this.server.closeIdleConnections()));
  }
}
