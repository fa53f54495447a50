import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { errorBody } from '../common/filters/all-exceptions.filter.js';
import { BODY_TOO_SLOW } from '../common/http/body-errors.js';
import { REQUEST_ID_HEADER, requestIdOf } from '../common/http/request-id.js';
import type { AppConfig } from '../config/app-config.js';
import { hasBody } from './body-parsers.js';

/** How often bodies in progress are looked at. */
const CHECK_INTERVAL_MS = 1000;

interface Upload {
  req: IncomingMessage;
  res: ServerResponse;
  socket: Socket;
  /** Start of the current measurement, and the socket's byte count then. */
  since: number;
  bytesAtStart: number;
}

const logger = new Logger('HTTP');

/**
 * A request body must arrive at `minBodyBytesPerSecond` at least, averaged since it started, once
 * `minBodyRateGraceMs` have passed (Kestrel's MinRequestBodyDataRate). Without it a body sent at one
 * byte a second holds its connection until the request timeout. Time during which the app, not the
 * client, is behind (received bytes wait unread) does not count. A body that falls short is answered
 * 408 if nothing was answered yet, and its connection closed either way.
 */
export function enforceMinimumBodyRate(server: Server, settings: AppConfig['server']): void {
  const { minBodyBytesPerSecond: minRate, minBodyRateGraceMs: graceMs } = settings;
  if (minRate === 0) return;
  const uploads = new Set<Upload>();
  let heartbeat: NodeJS.Timeout | undefined;

  const check = () => {
    const now = Date.now();
    for (const upload of uploads) {
      const { req, socket } = upload;
      if (req.complete || socket.destroyed) {
        uploads.delete(upload);
        continue;
      }
      if (req.readableLength > 0) {
        upload.since = now;
        upload.bytesAtStart = socket.bytesRead;
        continue;
      }
      const elapsed = now - upload.since;
      if (elapsed < graceMs) continue;
      if (((socket.bytesRead - upload.bytesAtStart) * 1000) / elapsed >= minRate) continue;
      uploads.delete(upload);
      cut(upload);
    }
    if (uploads.size === 0) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  };

  const track = (req: IncomingMessage, res: ServerResponse) => {
    if (!hasBody(req) || req.complete) return;
    const upload = { req, res, socket: req.socket, since: Date.now(), bytesAtStart: req.socket.bytesRead };
    uploads.add(upload);
    // Dropped as soon as the request is done (its body read, or its connection gone), not at the next
    // check: held up to a second, every request with a body outlived the young generation, and the
    // old one filled with them (a mark-compact every 2-3 s under the chat load, late messages with each).
    req.once('close', () => uploads.delete(upload));
    heartbeat ??= setInterval(check, CHECK_INTERVAL_MS).unref();
  };

  // Registered once listening: Engine.IO, which Nest attaches on init, takes the 'request' listeners
  // present then for itself and calls them only for requests that are not its own.
  server.once('listening', () => server.prependListener('request', track));
}

function cut({ req, res, socket }: Upload): void {
  const requestId = requestIdOf(req);
  logger.log({ msg: 'Closed a connection whose request body arrived too slowly', requestId });
  if (res.headersSent || !socket.writable) {
    socket.destroy();
    return;
  }
  const text = JSON.stringify({ ...errorBody(408, BODY_TOO_SLOW), ...(requestId && { requestId }) });
  res.shouldKeepAlive = false;
  res.writeHead(408, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    Connection: 'close',
    ...(requestId && { [REQUEST_ID_HEADER]: requestId }),
  });
  // The body never finishes, so the connection is closed as soon as the answer is out.
  res.end(text, () => socket.destroy());
}
