import { NotFoundException, type NestApplicationOptions } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import cors from 'cors';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { ChatIoAdapter } from './chat/socket-io.adapter.js';
import { TOKEN_ROUTE } from './auth/auth.constants.js';
import { RedisService } from './redis/redis.service.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { jsonBodyParser } from './server/body-parsers.js';
import { AppHttpAdapter } from './server/http-adapter.js';
import { ParseBodyGuard } from './server/parse-body.guard.js';
import { precomputedHeaders } from './server/precomputed-headers.js';
import { requestEntry } from './server/request-entry.js';
import { answerMalformedRequestsWithJson } from './server/client-error.js';
import { applyServerTimeouts } from './server/server-timeouts.js';
import { createValidationPipe } from './common/http/validation.js';
import type { AppConfig } from './config/app-config.js';
import { setupSwagger } from './api-docs/swagger.js';
import { API_PREFIX, SWAGGER_PATH } from './common/http/api-paths.js';
import { serveFrontend } from './server/serve-frontend.js';
import type { HttpLogger } from './logging/http-logger.js';
import { HTTP_LOGGER } from './logging/logging.module.js';
import { REQUEST_ID_HEADER } from './common/http/request-id.js';
import { serveLocalMedia } from './media/local-disk.storage.js';
import { AVATAR_MULTIPART_ROUTE, PROFILE_PICTURE_JSON_ROUTE } from './media/media.routes.js';
import { SEND_MESSAGE_ROUTE } from './messages/messages.routes.js';
import { HttpMetrics } from './metrics/http.metrics.js';

/** Options for NestFactory.create and for the e2e tests' createNestApplication: we parse bodies ourselves. */
export const appOptions: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/** The HTTP adapter for NestFactory.create and the e2e tests' createNestApplication. */
export const createHttpAdapter = () => new AppHttpAdapter();

/** The whole HTTP pipeline. main.ts and every e2e test call this, so tests run what production runs. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  const config = app.get<ConfigService<AppConfig, true>>(ConfigService);
  const { corsOrigins, trustProxy, swaggerEnabled, frontendDir } = config.get('app', { infer: true });
  const { maxBytes, publicUrl } = config.get('media', { infer: true });

  app.useLogger(app.get(Logger));
  // The access line first, so that every request, whatever answers it, has an id and a line.
  const httpLogger = app.get<HttpLogger>(HTTP_LOGGER);
  // Timed from the same first middleware: 404s, guard refusals and refused bodies like any other answer.
  if (config.get('metrics.enabled', { infer: true })) httpLogger.onFinish(app.get(HttpMetrics).observe);
  applyServerTimeouts(app.getHttpServer() as Server, config.get('server', { infer: true }));
  app.set('trust proxy', trustProxy);
  app.disable('x-powered-by');
  // Answers are no-store (below): an ETag would only hash every body. Static files keep their own.
  app.set('etag', false);
  app.setGlobalPrefix(API_PREFIX);
  // No upgrade-insecure-requests: it would break the Swagger UI served over plain http on a LAN host.
  // Pages of FRONTEND_DIR show pictures from Cloudinary (https) and from MEDIA_PUBLIC_URL.
  const imgSrc = [
    "'self'",
    'data:',
    'blob:',
    'https:',
    ...(URL.canParse(publicUrl) ? [new URL(publicUrl).origin] : []),
  ];
  const underApi = (req: Request) => req.path === `/${API_PREFIX}` || req.path.startsWith(`/${API_PREFIX}/`);
  app.use(
    requestEntry([
      httpLogger,
      precomputedHeaders(
        helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null, imgSrc } } }),
      ),
      cookieParser(),
      // Before anything that can answer, so that errors reach an allowed origin's page with CORS headers.
      cors({
        origin: (origin, callback) => callback(null, origin !== undefined && corsOrigins.includes(origin)),
        credentials: true,
        exposedHeaders: [REQUEST_ID_HEADER],
      }),
      // Responses carry user data or session state: never store them in a shared or browser cache.
      (req: Request, res: Response, next: NextFunction) => {
        if (!req.path.startsWith(`/${SWAGGER_PATH}`)) res.setHeader('Cache-Control', 'no-store');
        next();
      },
    ]),
  );
  serveLocalMedia(app);
  if (frontendDir) serveFrontend(app, frontendDir);
  // Nest answers unknown routes under /api; give every other path the same JSON 404.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(underApi(req) ? undefined : new NotFoundException(`Cannot ${req.method} ${req.path}`));
  });
  const parseBody = jsonBodyParser({
    dataUriRoutes: [PROFILE_PICTURE_JSON_ROUTE, SEND_MESSAGE_ROUTE],
    // A data URI is base64 (4 bytes for every 3) plus its header and the JSON around it.
    dataUriLimit: Math.ceil((maxBytes * 4) / 3) + 4096,
    multipartRoutes: [AVATAR_MULTIPART_ROUTE],
    // A cross-site form can post here, but it gets no cookie and cannot read the token it earns.
    formRoutes: [TOKEN_ROUTE],
  });
  // After the auth module's global guards (registered when the app was created): a request they
  // refuse is answered with its body unread.
  app.useGlobalGuards(
    new ParseBodyGuard(parseBody, (error) => app.get(HttpAdapterHost).httpAdapter.mapException(error)),
  );
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(app.get(EventEmitter2)));
  app.useWebSocketAdapter(new ChatIoAdapter(app, corsOrigins, app.get(RedisService)));
  answerMalformedRequestsWithJson(app.getHttpServer());
  if (swaggerEnabled) setupSwagger(app);
  return app;
}
