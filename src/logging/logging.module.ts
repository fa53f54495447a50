import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { createHttpLogger, createRootLogger } from './http-logger.js';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

@Global()
@Module({
  providers: [
    {
      provide: ROOT_LOGGER,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        createRootLogger(config.get('app', { infer: true })),
    },
    { provide: HTTP_LOGGER, inject: [ROOT_LOGGER], useFactory: createHttpLogger },
  ],
  exports: [ROOT_LOGGER, HTTP_LOGGER],
})
class PinoLoggers {}

/**
 * Nest's logger is nestjs-pino's, over the one pino logger. The request logger itself is mounted by
 * configureApp ahead of every other middleware (Nest mounts a module's middleware only after those),
 * so `useExisting` leaves nestjs-pino to bind each request's logger (with its id) to Nest's log calls.
 * nestjs-pino keeps one root logger per process, for lines logged outside a request: the first app's.
 * Production runs one app per process; tests that build several share the first one's settings.
 */
@Module({
  imports: [
    PinoLoggers,
    LoggerModule.forRootAsync({
      inject: [ROOT_LOGGER],
      useFactory: (root: Logger) => ({ pinoHttp: { logger: root }, useExisting: true }),
    }),
  ],
})
export class LoggingModule {}
