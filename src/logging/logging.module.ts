import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.js';
import { createAppLogger } from './app-logger.js';
import { createHttpLogger, createRootLogger } from './http-logger.js';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/**
 * The process's pino logger, the access logger over it, and Nest's logger (nestjs-pino's `Logger`
 * class, so `app.useLogger(app.get(Logger))` finds it).
 */
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
    { provide: Logger, inject: [ROOT_LOGGER], useFactory: createAppLogger },
  ],
  exports: [ROOT_LOGGER, HTTP_LOGGER, Logger],
})
export class LoggingModule {}
