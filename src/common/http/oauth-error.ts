import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * The error codes the token route answers with: those of RFC 6749 section 5.2, and `mfa_required`
 * (the convention Auth0 made common) when the account needs a second factor the request did not send.
 */
export type OAuthErrorCode =
  'invalid_request' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type' | 'mfa_required';

/**
 * A 400 (403 for `mfa_required`: the credentials were right) whose `error` is the OAuth code instead
 * of the HTTP reason phrase, so OAuth clients (Swagger UI, Postman) recognise it; the body is still
 * the API's one error shape.
 */
export class OAuthError extends HttpException {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
  ) {
    super({ message }, code === 'mfa_required' ? HttpStatus.FORBIDDEN : HttpStatus.BAD_REQUEST);
  }
}
