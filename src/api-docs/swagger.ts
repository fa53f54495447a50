import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { TOKEN_ROUTE } from '../auth/auth.constants.js';
import { ErrorResponseDto } from '../common/dto/error-response.dto.js';
import { BEARER_SCHEME, OAUTH2_SCHEME } from '../common/openapi/api-session.decorator.js';
import { addPipelineResponses } from './openapi-pipeline-responses.js';
import { PACKAGE_INFO } from '../config/package-info.js';
import { OPENAPI_JSON_PATH, SWAGGER_PATH } from '../common/http/api-paths.js';

const DESCRIPTION = `Authentication and profile API for chat apps.

**Signing in.** Browsers use \`POST /api/auth/login\`, which sets the \`jwt\` HttpOnly session cookie.
Other clients (curl, Postman, mobile apps, servers, Swagger UI's *Authorize* button) get the same kind of
session token from \`POST /api/auth/token\` (OAuth 2.0 password grant) and send it as
\`Authorization: Bearer <token>\`. Every session is listed by \`GET /api/auth/sessions\` and ended by logout.

**Errors** are always \`{ statusCode, message, error, errors? }\` with one string \`message\`;
\`error\` is the HTTP reason phrase, or the OAuth error code on the token route.

**Cross-site writes.** A write that carries the session cookie, and any request to the token route, must come
from an allowed Origin when a browser sends it (403 otherwise).

**Chat.** Messages are sent here; they are delivered live over Socket.IO on this origin at \`/socket.io\`,
authenticated by the same session (see the README), which this document does not describe.`;

const TAGS: Array<[string, string]> = [
  ['Auth', 'Sign up, sign in (cookie or token), sign out.'],
  [
    'Two-factor sign-in',
    'An authenticator-app code (TOTP) or a recovery code after the password: set up, enable, the second step of signing in, recovery codes, disable.',
  ],
  [
    'Passkeys',
    'Sign in with a passkey (WebAuthn) instead of the password and code: add, list, rename and remove passkeys, and the two steps of signing in.',
  ],
  [
    'Sign-in providers',
    'Sign in with Google, GitHub or an OpenID Connect provider (redirects through the browser), and the provider accounts linked to the signed-in user.',
  ],
  ['Sessions', "The caller's signed-in devices, their recent security activity, and the password."],
  ['Account', 'The signed-in user: read, rename, delete.'],
  ['Email address', 'Verify the address, or change it, through emailed links.'],
  ['Password reset', 'Forgotten passwords: an emailed single-use link sets a new one.'],
  ['Profile pictures', 'Set the profile picture, as a data URI or a multipart upload.'],
  ['Messages', 'Chat: the people to talk to, conversations, and sending (delivered live over Socket.IO).'],
  ['Health', 'What this API is and whether it can serve.'],
  ['Metrics', 'Prometheus metrics, only with METRICS_ENABLED.'],
];

const documents = new WeakMap<INestApplication, OpenAPIObject>();

/**
 * The OpenAPI document, built from the controllers' metadata only: no provider is used, so
 * `npm run openapi` builds it from a preview app without a database.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  // Built once per app: the Swagger UI serves it, and the e2e harness checks responses against it.
  let document = documents.get(app);
  if (!document) {
    document = buildOpenApiDocument(app);
    documents.set(app, document);
  }
  return document;
}

function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Chat auth API')
    .setDescription(DESCRIPTION)
    .setVersion(PACKAGE_INFO.version)
    .setLicense(PACKAGE_INFO.license, 'https://opensource.org/license/mit')
    .addServer('/', 'This server')
    .addOAuth2(
      {
        type: 'oauth2',
        description: 'Email (as username) and password; no client id, no scopes.',
        flows: { password: { tokenUrl: TOKEN_ROUTE.path, scopes: {} } },
      },
      OAUTH2_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'The `access_token` of /api/auth/token.',
      },
      BEARER_SCHEME,
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    extraModels: [ErrorResponseDto],
    operationIdFactory: (_controller, method) => method,
  });
  addPipelineResponses(document);
  return document;
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup(SWAGGER_PATH, app, createOpenApiDocument(app), { jsonDocumentUrl: OPENAPI_JSON_PATH });
}
