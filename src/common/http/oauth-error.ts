import { BadRequestException } from '@nestjs/common';

/** The error codes of RFC 6749 section 5.2 that the token route answers with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type';

/**
 * A 400 whose `error` is the RFC 6749 code instead of the HTTP reason phrase, so OAuth clients
 * (Swagger UI, Postman) recognise it; the body is still the API's one error shape.
 */
export class OAuthError extends BadRequestException {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}
