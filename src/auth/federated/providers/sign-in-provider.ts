/** The providers this API knows; each is offered only when configured. */
export const FEDERATED_PROVIDER_IDS = ['oidc', 'google', 'github'] as const;

export type FederatedProviderId = (typeof FEDERATED_PROVIDER_IDS)[number];

export function isFederatedProviderId(value: string): value is FederatedProviderId {
  return (FEDERATED_PROVIDER_IDS as readonly string[]).includes(value);
}

/** What the browser's authorization request carries, and the callback must find again. */
export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  codeChallenge: string;
  /** OpenID Connect only. */
  nonce?: string;
}

/** What the callback checks the authorization response against. */
export interface AuthorizationCheck {
  redirectUri: string;
  state: string;
  codeVerifier: string;
  nonce?: string;
}

/** Who the provider says the person is, once the response and its tokens are checked. */
export interface ProviderProfile {
  /** The provider's stable id of the account (`sub`; GitHub's numeric id). */
  subject: string;
  /** Which provider instance vouches for `subject` (the OpenID issuer, or the GitHub server). */
  issuer: string;
  /** Normalised; absent when the provider gave none. */
  email?: string;
  emailVerified: boolean;
  name?: string;
}

/**
 * One way of signing in at a provider. Methods throw FederatedSignInError, with the code that goes
 * back to the browser; a cancelled consent is `access_denied`, any other provider failure
 * `provider_error`.
 */
export interface SignInProvider {
  readonly id: FederatedProviderId;
  /** The button label. */
  readonly name: string;
  /** Whether the authorization request carries a nonce (OpenID Connect). */
  readonly usesNonce: boolean;
  authorizationUrl(request: AuthorizationRequest): Promise<URL>;
  /** `callbackUrl`: the redirect URI with the query the provider sent. */
  profile(callbackUrl: URL, check: AuthorizationCheck): Promise<ProviderProfile>;
}
