/**
 * Why a sign-in with a provider failed: the `error` of the redirect to `APP_URL/login?error=<code>`.
 * Stable names, for a frontend to show its own words.
 */
export const FEDERATED_ERROR_CODES = [
  /** The person cancelled at the provider (or refused consent). */
  'access_denied',
  /** No flow cookie, a state that does not match it, a state already used, or an expired flow. */
  'invalid_state',
  /** The provider gave no address, or one it has not verified. */
  'email_not_verified',
  /** An account with that address exists, but its owner never proved the address: nothing is linked. */
  'email_in_use',
  /** That provider account is linked to another user (or this user has another one of that provider). */
  'identity_in_use',
  /** The provider failed or answered something invalid (ID token, token exchange, user info). */
  'provider_error',
  /** This server could not finish the sign-in (its database was unreachable): try again. */
  'server_error',
] as const;

export type FederatedErrorCode = (typeof FEDERATED_ERROR_CODES)[number];

/** A sign-in with a provider that ends in a redirect to the login page with `code`. */
export class FederatedSignInError extends Error {
  constructor(
    readonly code: FederatedErrorCode,
    /** For the log only: never shown to the person. */
    detail: string,
  ) {
    super(detail);
    this.name = 'FederatedSignInError';
  }
}
