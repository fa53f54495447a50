import { ApiProperty } from '@nestjs/swagger';
import { FEDERATED_ERROR_CODES, type FederatedErrorCode } from '../federated-errors.js';

/** The provider's authorization page, where the browser goes next to link an account. */
export class AuthorizationUrlDto {
  /** @example https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=... */
  url: string;
}

/** Where the browser goes next, as JSON, for a client that asked for it instead of a redirect. */
export class FlowRedirectDto {
  /**
   * The `Location` the redirect would have had: the provider's authorization page (start), or the
   * app (plus `returnTo`), its login page with `twoFactorRequired=1`, or with `error` (callback).
   * @example https://chat.example.com/
   */
  url: string;

  /** Why the sign-in failed (the `error` of the login page's URL); absent when it did not. */
  @ApiProperty({ enum: FEDERATED_ERROR_CODES, required: false, example: 'invalid_state' })
  error?: FederatedErrorCode;
}
