import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import { clientInfo } from '../../auth/client-info.js';
import type { ClientInfo } from '../../auth/sessions/sessions.service.js';
import { requestIdOf } from '../../logging/request-id.js';

/** Who is asking, for records made deep inside a request (the audit trail). */
export interface RequestContext {
  requestId?: string;
  ip: string;
  userAgent: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The request being handled, or undefined outside one (startup, timers, sockets). */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * Mounted after the body parsers: they finish in stream callbacks, which would run outside a context
 * entered before them.
 */
export function bindRequestContext(req: Request, _res: Response, next: NextFunction): void {
  storage.run(new LazyRequestContext(req), next);
}

/**
 * Read only by the few requests that record something (the audit trail): the IP and user agent are
 * worked out when first asked for, not on every request.
 */
class LazyRequestContext implements RequestContext {
  private client?: ClientInfo;

  constructor(private readonly req: Request) {
    // Read now: a socket that has closed no longer tells its peer's address.
    void req.socket?.remoteAddress;
  }

  get requestId(): string | undefined {
    return requestIdOf(this.req);
  }

  get ip(): string {
    return (this.client ??= clientInfo(this.req)).ip ?? '';
  }

  get userAgent(): string {
    return (this.client ??= clientInfo(this.req)).userAgent ?? '';
  }
}
