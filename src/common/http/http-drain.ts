import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Lets a server's in-flight requests finish when it stops. Install it before the server listens:
 * it follows every response still being written, so that at shutdown each one can close its
 * connection when done instead of keeping it alive.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private draining = false;

  constructor(private readonly server: Server) {
    // First in line, before Express may have answered.
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (this.draining) response.setHeader('Connection', 'close');
      this.inFlight.add(response);
      response.once('close', () => this.inFlight.delete(response));
    });
  }

  /**
   * Stops accepting connections, closes idle ones at once and waits for the requests in flight.
   * Resolves true when every connection ended within graceMs; false when some had to be destroyed.
   */
  drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    return new Promise((resolve) => {
      const deadline = setTimeout(() => {
        this.server.closeAllConnections();
        resolve(false);
      }, graceMs);
      this.server.close(() => {
        clearTimeout(deadline);
        resolve(true);
      });
      for (const response of this.inFlight) this.closeWhenDone(response);
    });
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
