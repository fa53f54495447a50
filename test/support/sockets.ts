import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

/** Sockets need a listening server: the app listens on a free port of 127.0.0.1. */
export async function listenOnFreePort(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** A Socket.IO client as the reference frontend makes one, but never reconnecting on its own. */
export function openSocket(baseUrl: string, options: ClientOptions = {}): Socket {
  return io(baseUrl, { path: '/socket.io', forceNew: true, reconnection: false, ...options });
}

/** A connected socket of the session in `cookie`. */
export async function connectWithCookie(baseUrl: string, cookie: string, options: ClientOptions = {}) {
  const socket = openSocket(baseUrl, { extraHeaders: { cookie }, ...options });
  await connected(socket);
  return socket;
}

export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
}

/** The connect_error of a handshake that must be refused. */
export function refused(socket: Socket): Promise<Error & { data?: { status: number } }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the socket connected')));
    socket.once('connect_error', (error) => resolve(error));
  });
}

/** The next `event` on the socket, or a rejection after `timeoutMs`. */
export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return eventMatching<T>(socket, event, () => true, timeoutMs);
}

/**
 * The first `event` whose payload satisfies `accept`. Presence broadcasts of other tests' sockets
 * (closing in the background) may come first, so tests wait for the state they expect.
 */
export function eventMatching<T>(
  socket: Socket,
  event: string,
  accept: (payload: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T) => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    socket.on(event, listener);
  });
}

/** Every payload of `event` the socket receives from now on. */
export function record<T = unknown>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/** Resolves with the reason when the server ends the socket. */
export function disconnection(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}
