import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'socket.io';

/** How long a handshake without credentials waits for its connection to switch to WebSocket. */
export const UPGRADE_WAIT_MS = 5000;

type EngineConnection = Socket['conn'];

interface Waiter {
  /** The WebSocket upgrade request, once one arrives for this connection. */
  request?: IncomingMessage;
}

/**
 * The WebSocket upgrade requests of the connections whose Socket.IO handshake came without any
 * credentials. A page on another origin of the same site (the reference frontend on Vite's port)
 * polls without cookies, but its browser sends the session cookie and the page's Origin with the
 * WebSocket upgrade that follows; this hands that request to the handshake waiting for it.
 */
export class WebSocketUpgrades {
  /** By Engine.IO connection id (`sid`): only connections someone is waiting for. */
  private readonly waiting = new Map<string, Waiter>();

  /** Installs the Engine.IO middleware that sees each upgrade request before it is accepted. */
  watch(server: Server): void {
    server.engine.use((req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void) => {
      const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
      const waiter = this.waiting.get(query.get('sid') ?? '');
      if (waiter && query.get('transport') === 'websocket') waiter.request ??= req;
      next();
    });
  }

  /**
   * The request with which `conn` switched to WebSocket; undefined when it did not within
   * UPGRADE_WAIT_MS, closed first, or cannot switch (it is not long-polling).
   */
  wait(conn: EngineConnection): Promise<IncomingMessage | undefined> {
    if (conn.transport.name !== 'polling' || conn.readyState !== 'open') return Promise.resolve(undefined);
    // The `sid` of the connection's requests (public at run time, private in engine.io's types).
    const sid = (conn as unknown as { id: string }).id;
    const waiter: Waiter = {};
    this.waiting.set(sid, waiter);
    return new Promise((resolve) => {
      const settle = (request: IncomingMessage | undefined) => {
        clearTimeout(timer);
        conn.off('upgrade', upgraded);
        conn.off('close', closed);
        this.waiting.delete(sid);
        resolve(request);
      };
      const upgraded = () => settle(waiter.request);
      const closed = () => settle(undefined);
      const timer = setTimeout(closed, UPGRADE_WAIT_MS);
      conn.once('upgrade', upgraded);
      conn.once('close', closed);
    });
  }
}
