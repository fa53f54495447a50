import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from '../auth/auth.constants.js';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';

export const SWAGGER_PATH = 'api/docs';

export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat auth API')
      .setDescription(
        'Authentication and profile API for chat apps. Errors are always `{ statusCode, message, error, errors? }` with one string `message`.',
      )
      .setVersion('1.0')
      .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, 'cookie')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .build(),
    { extraModels: [ErrorResponseDto] },
  );
  addErrorResponses(document);
  SwaggerModule.setup(SWAGGER_PATH, app, document, { jsonDocumentUrl: `${SWAGGER_PATH}-json` });
}

type Operation = {
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { description: string; content?: unknown }>;
};

/**
 * The errors every route can answer come from the shared pipeline (body parser, CSRF guard,
 * database), not from the controllers: documented here once, all with the one error schema.
 */
function addErrorResponses(document: OpenAPIObject): void {
  const errorBody = {
    'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } },
  };
  for (const path of Object.values(document.paths)) {
    for (const [method, op] of Object.entries(path) as Array<[string, Operation]>) {
      if (!op?.responses) continue;
      const add = (status: string, description: string) => {
        op.responses[status] ??= { description };
      };
      if (op.requestBody) {
        add('400', 'The body is invalid.');
        add('413', 'The body is too large.');
        add('415', 'The body is not JSON (or, for uploads, not multipart).');
      }
      // Any write that carries the session cookie is checked, public routes (logout) included.
      if (['post', 'put', 'patch', 'delete'].includes(method)) {
        add(
          '403',
          'Cross-site request refused: a cookie-authenticated write from a page on another origin that is not in CORS_ORIGINS.',
        );
      }
      add('503', 'The database is unreachable; retry after the Retry-After header.');
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) response.content ??= errorBody;
      }
    }
  }
}
