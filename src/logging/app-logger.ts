import { Logger, PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

/**
 * nestjs-pino's logger over the given pino logger, not over the module-wide root nestjs-pino keeps
 * (the boot logger and the configured one are two). A line about a request names its id itself
 * (`requestId`, from the `ClientInfo` its controller hands down), as the security events and the
 * exception filter's lines do: no AsyncLocalStorage finds it.
 */
class OwnRootPinoLogger extends PinoLogger {
  constructor(private readonly rootLogger: Pino) {
    super({ pinoHttp: { logger: rootLogger } });
  }

  override get logger(): Pino {
    return this.rootLogger;
  }
}

/** Nest's logger over the process's pino logger. */
export function createAppLogger(root: Pino): Logger {
  return new Logger(new OwnRootPinoLogger(root), {});
}
