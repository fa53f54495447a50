/**
 * The body of `POST /api/auth/token`: the OAuth 2.0 password grant (RFC 6749 4.3) as a form, or the
 * login body as JSON. Documentation only: the route reads the body itself to answer in OAuth terms.
 */
export class TokenRequestDto {
  /**
   * Required in a form body; `password` is the only grant.
   * @example password
   */
  grant_type?: 'password';
  /**
   * The email (the OAuth name for it); `email` is accepted too.
   * @example ada@example.com
   */
  username?: string;
  /** @example ada@example.com */
  email?: string;
  /** @example 'correct horse battery staple' */
  password: string;
  /** Must be empty or absent: the API has no scopes. */
  scope?: string;
  /**
   * For an account with two-factor sign-in: the 6-digit code of its authenticator app, or one of its
   * recovery codes. Without it such an account gets 403 `mfa_required`.
   * @example '123456'
   */
  otp?: string;
}
