import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a proxy's or client's id may look like to be kept: short, and safe in a log line or a header. */
const SANE_REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

/**
 * The id of this request: the caller's `X-Request-Id` when it is a sane value (so a proxy's id follows
 * the request through), else a new UUID. It is sent back in the same header.
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id pino-http gave a request (`req.id`), when it went through the HTTP logger. */
export function requestIdOf(req: IncomingMessage): string | undefined {
  const id = (req as IncomingMessage & { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}
