import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiError } from './api-error.decorator.js';

export const NOT_AUTHENTICATED = 'Not authenticated';
export const SESSION_INVALID = 'Your session is invalid or has expired, please log in again';

/** Security scheme names in the OpenAPI document (see src/api-docs/swagger.ts). */
export const OAUTH2_SCHEME = 'oauth2';
export const BEARER_SCHEME = 'bearer';

/**
 * A route that needs a live session: the token of the `jwt` cookie (browsers) or of
 * `Authorization: Bearer`. Only the schemes Swagger UI can use are declared; see the API description.
 */
export function ApiSession(unauthorizedDescription = 'No valid session.', ...more: string[]) {
  return applyDecorators(
    ApiSecurity(OAUTH2_SCHEME),
    ApiBearerAuth(BEARER_SCHEME),
    ApiSessionUnauthorized(unauthorizedDescription, ...more),
  );
}

/** The 401 of a session route, with the route's own 401 messages before the session guard's. */
export function ApiSessionUnauthorized(description: string, ...more: string[]) {
  return ApiError(401, description, ...more, NOT_AUTHENTICATED, SESSION_INVALID);
}
