import { Logger, PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { currentRequest, type RequestContext } from '../common/http/request-context.js';

/** The child logger carrying each request's id, made on the request's first log call. */
const requestLoggers = new WeakMap<RequestContext, Pino>();

/**
 * nestjs-pino's logger, bound to the request being handled through the request context the app
 * already keeps (`common/http/request-context.ts`) rather than through nestjs-pino's own middleware
 * and AsyncLocalStorage: one context per request, and no Nest middleware layer for it.
 */
class RequestBoundPinoLogger extends PinoLogger {
  constructor(private readonly rootLogger: Pino) {
    super({ pinoHttp: { logger: rootLogger } });
  }

  override get logger(): Pino {
    const request = currentRequest();
    if (!request?.requestId) return this.rootLogger;
    let logger = requestLoggers.get(request);
    if (!logger)
      requestLoggers.set(request, (logger = this.rootLogger.child({ requestId: request.requestId })));
    return logger;
  }
}

/** Nest's logger over the process's pino logger: lines logged while a request is handled carry its id. */
export function createAppLogger(root: Pino): Logger {
  return new Logger(new RequestBoundPinoLogger(root), {});
}
