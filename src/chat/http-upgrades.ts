import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server } from 'socket.io';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Headers that only mean something to a server that switches protocols. */
const UPGRADE_HEADERS = new Set(['upgrade', 'http2-settings']);

/**
 * Creates the Socket.IO server with `create` and lets it switch only WebSocket requests to its own
 * path. Once any 'upgrade' listener exists, Node hands it every request that carries an Upgrade
 * header, and Engine.IO's just drops those that are not its own after a second, unanswered. HTTP/2
 * clients offer `Upgrade: h2c` on every http:// URL (curl --http2, Java's HttpClient): a server may
 * ignore the offer (RFC 9110 §7.8), so those requests are answered as the HTTP/1.1 they also are.
 */
export function createWithUpgradeRouting(httpServer: HttpServer, create: () => Server): Server {
  const before = new Set(httpServer.listeners('upgrade'));
  const io = create();
  const engineListeners = httpServer
    .listeners('upgrade')
    .filter((listener) => !before.has(listener)) as UpgradeListener[];
  for (const listener of engineListeners) httpServer.removeListener('upgrade', listener);
  const path = `${io.path().replace(/\/$/, '')}/`;
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.headers.upgrade?.toLowerCase() === 'websocket' && req.url?.startsWith(path)) {
      for (const listener of engineListeners) listener.call(httpServer, req, socket, head);
      return;
    }
    answerAsPlainHttp(httpServer, req, socket as Socket, head);
  });
  return io;
}

/**
 * Node has already taken the connection away from its HTTP parser: the request is written back in
 * front of the bytes that followed it, without its upgrade headers, and the connection handed to the
 * server again. It is then parsed, timed, answered and kept alive like any other, body included.
 */
function answerAsPlainHttp(server: HttpServer, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const [name, value] = [req.rawHeaders[i], req.rawHeaders[i + 1]];
    const lower = name.toLowerCase();
    if (UPGRADE_HEADERS.has(lower)) continue;
    if (lower === 'connection') {
      const options = value
        .split(',')
        .map((option) => option.trim())
        .filter((option) => option !== '' && !UPGRADE_HEADERS.has(option.toLowerCase()));
      if (options.length > 0) lines.push(`${name}: ${options.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${value}`);
  }
  // The parser read the headers as latin1; written back the same way, every byte is unchanged.
  socket.unshift(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), head]));
  server.emit('connection', socket);
}
