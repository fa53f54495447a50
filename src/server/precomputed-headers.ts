import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * A middleware that sets the same headers on every response (helmet's), run once at start-up: its
 * header calls are recorded and replayed on each request, without its chain of a dozen middlewares.
 * It must not look at the request, and must call next() synchronously (checked here).
 */
export function precomputedHeaders(middleware: RequestHandler): RequestHandler {
  const calls: Array<[name: string, value: string | number | readonly string[] | undefined]> = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      calls.push([name, value]);
      return recorder;
    },
    removeHeader(name: string) {
      calls.push([name, undefined]);
    },
  };
  const request = new Proxy({} as Request, {
    get(_target, key) {
      throw new Error(`precomputedHeaders: the middleware reads the request (${String(key)})`);
    },
  });
  let finished = false;
  void middleware(request, recorder as unknown as Response, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('precomputedHeaders: the middleware did not call next() synchronously');
  return (_req: Request, res: Response, next: NextFunction) => {
    for (const [name, value] of calls) {
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}
