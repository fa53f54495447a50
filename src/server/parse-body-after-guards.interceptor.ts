import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import { hasBody } from './body-parsers.js';

/**
 * Reads and parses the request body once the guards have let the request through, instead of in an
 * Express middleware before them: a request without a valid session (a junk cookie with a 7 MB body),
 * from a foreign site or over a rate limit is refused before a byte of its body is read. Public
 * routes have no session guard and parse as before. Registered first among the global interceptors,
 * so every other one and every pipe sees the parsed body.
 */
export class ParseBodyAfterGuards implements NestInterceptor {
  constructor(
    private readonly parse: RequestHandler,
    /** Turns the parser's errors (http-errors, SyntaxError) into HttpExceptions, as Nest does for middleware. */
    private readonly mapError: (error: unknown) => unknown,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    // Nothing to read (most GETs): the parser would only call back at once, through a promise.
    if (!hasBody(http.getRequest<Request>())) return next.handle();
    const parsed = new Promise<void>((resolve, reject) => {
      void this.parse(http.getRequest<Request>(), http.getResponse<Response>(), (error?: unknown) =>
        error ? reject(this.mapError(error)) : resolve(),
      );
    });
    return from(parsed).pipe(mergeMap(() => next.handle()));
  }
}
