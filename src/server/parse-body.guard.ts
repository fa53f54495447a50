import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import { hasBody } from './body-parsers.js';

/**
 * Reads and parses the request body once the other guards have let the request through, instead of
 * in an Express middleware before them: a request without a valid session (a junk cookie with a 7 MB
 * body), from a foreign site or over a rate limit is refused before a byte of its body is read.
 * Public routes have no session guard and parse as before.
 *
 * The last global guard (configureApp adds it after the auth module's), not an interceptor: with no
 * global interceptor, Nest runs a route without building an rxjs pipeline for each request, about a
 * fifth of the CPU of a check-auth request. Interceptors and pipes still see the parsed body.
 */
export class ParseBodyGuard implements CanActivate {
  constructor(
    private readonly parse: RequestHandler,
    /** Turns the parser's errors (http-errors, SyntaxError) into HttpExceptions, as Nest does for middleware. */
    private readonly mapError: (error: unknown) => unknown,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    // Nothing to read (most GETs): the parser would only call back at once.
    if (!hasBody(req)) return true;
    return new Promise<boolean>((resolve, reject) => {
      void this.parse(req, http.getResponse<Response>(), (error?: unknown) =>
        error ? reject(this.mapError(error)) : resolve(true),
      );
    });
  }
}
