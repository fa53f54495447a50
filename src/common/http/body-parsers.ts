import { UnsupportedMediaTypeException } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

export const DEFAULT_JSON_LIMIT_BYTES = 100 * 1024;

export interface BodyRoute {
  method: string;
  path: string;
}

/**
 * JSON is the only body format the API takes (a cross-site HTML form cannot send it), except for the
 * listed multipart routes. The JSON limit is small everywhere but on the listed large-body routes.
 */
export function jsonBodyParser(options: {
  largeBodyRoutes: BodyRoute[];
  largeBodyLimit: number;
  multipartRoutes: BodyRoute[];
}): RequestHandler {
  const small = express.json({ limit: DEFAULT_JSON_LIMIT_BYTES });
  const large = express.json({ limit: options.largeBodyLimit });
  const matches = (routes: BodyRoute[], req: Request) =>
    routes.some((route) => route.method === req.method && route.path === req.path);

  // Named so Nest does not add its own JSON parser on top.
  return function jsonParser(req: Request, res: Response, next: NextFunction) {
    if (!hasBody(req)) return next();
    if (req.is('application/json')) {
      return (matches(options.largeBodyRoutes, req) ? large : small)(req, res, next);
    }
    if (req.is('multipart/form-data') && matches(options.multipartRoutes, req)) return next();
    next(new UnsupportedMediaTypeException('Content-Type must be application/json'));
  };
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
