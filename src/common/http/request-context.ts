import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import { clientInfo } from './client-info.js';
import { requestIdOf } from './request-id.js';

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
 * Mounted before Nest's routes. The body is parsed later, inside the route's own pipeline, and its
 * stream callbacks resume that pipeline through a promise, which keeps this context.
 */
export function bindRequestContext(req: Request, _res: Response, next: NextFunction): void {
  const { ip = '', userAgent = '' } = clientInfo(req);
  storage.run({ requestId: requestIdOf(req), ip, userAgent }, next);
}
