import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import { errorBody } from '../common/filters/all-exceptions.filter.js';

const ANSWERS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request took too long to arrive'],
};

const logger = new Logger('HTTP');

/**
 * Requests that Node's HTTP parser refuses before Express sees them (headers over 16 KB, broken
 * framing, timeouts) get the one JSON error shape too, instead of Node's empty answer.
 */
export function answerMalformedRequestsWithJson(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || pending?.headersSent) {
      socket.destroy();
      return;
    }
    const [statusCode, message] = ANSWERS[error.code ?? ''] ?? [400, 'The request is not valid HTTP'];
    const requestId = randomUUID();
    const body = { ...errorBody(statusCode, message), requestId };
    // Express never saw it, so the access log did not either.
    logger.log({
      msg: `Refused a malformed request with ${statusCode}`,
      requestId,
      status: statusCode,
      code: error.code,
    });
    const text = JSON.stringify(body);
    // The request was not parsed, but its first bytes tell a HEAD, whose answer must have no body.
    const isHead = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${statusCode} ${body.error}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-store\r\nConnection: close\r\n` +
        `X-Request-Id: ${requestId}\r\n\r\n` +
        (isHead ? '' : text),
    );
  });
}
