import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { appOptions, configureApp, createHttpAdapter } from './app.setup.js';
import { API_PREFIX, SWAGGER_PATH } from './common/http/api-paths.js';
import { exitGracefullyOnSignals } from './server/graceful-shutdown.js';
import { collectStartupGarbage } from './server/startup-garbage.js';
import { SOCKET_PATH } from './chat/socket-events.js';
import type { AppConfig } from './config/app-config.js';
import { DatabaseServer } from './database/database-server.js';
import { createBootLogger } from './logging/boot-logger.js';
import { MAILER, type Mailer } from './mail/mailer.js';
import { MEDIA_STORAGE, type MediaStorage } from './media/media-storage.js';
import { RedisService } from './redis/redis.service.js';

const bootLogger = createBootLogger();

async function bootstrap() {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), createHttpAdapter(), {
    ...appOptions,
    logger: bootLogger,
  });
  configureApp(app);
  const config = app.get<ConfigService<AppConfig, true>>(ConfigService);
  const { port, swaggerEnabled, frontendDir } = config.get('app', { infer: true });
  exitGracefullyOnSignals(app, config.get('server.shutdownGraceMs', { infer: true }));
  await app.init();
  // Before listening, so that no request waits for it.
  await collectStartupGarbage();
  await app.listen(port);

  const logger = new Logger('Bootstrap');
  const base = `http://localhost:${port}`;
  logger.log(`Database: ${app.get(DatabaseServer).describe()}`);
  logger.log(`Media store: ${app.get<MediaStorage>(MEDIA_STORAGE).describe()}`);
  logger.log(`Mail: ${app.get<Mailer>(MAILER).describe()}`);
  logger.log(`Redis: ${app.get(RedisService).describe()}`);
  logger.log(`API: ${base}/${API_PREFIX}`);
  logger.log(`Chat socket: ${base}${SOCKET_PATH}`);
  if (frontendDir) logger.log(`Frontend: ${frontendDir} at ${base}/`);
  logger.log(swaggerEnabled ? `Swagger UI: ${base}/${SWAGGER_PATH}` : 'Swagger UI: disabled');
}

await bootstrap().catch((error: unknown) => {
  // Past Nest's own start-up (a port in use, ...): reported as one log line, not a raw stack.
  bootLogger.fatal(error instanceof Error ? (error.stack ?? error.message) : String(error), 'Bootstrap');
  // Whatever did start (the database, timers) would keep the process alive.
  process.exit(1);
});
