import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The middlewares every request goes through before routing, run as one Express layer: Express's
 * router pays for each layer it walks (matching, `next`, prefix trimming), and seven layers of a
 * few lines each cost more than their own work on the hottest routes.
 *
 * Each part must either call next() synchronously or answer the request without calling it (as cors
 * answers a preflight): a part that calls next() later is not waited for, the request stops there.
 */
export function requestEntry(parts: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let called = false;
    let failure: unknown;
    const step = (error?: unknown) => {
      called = true;
      failure = error;
    };
    for (const part of parts) {
      called = false;
      void part(req, res, step);
      if (failure) return next(failure);
      // Answered (a preflight): the request goes no further.
      if (!called) return;
    }
    next();
  };
}
