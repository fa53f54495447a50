import { FederatedSignInError } from '../federated-errors.js';

/** How long one request to a provider may take (discovery, token, user info, keys). */
export const PROVIDER_TIMEOUT_SECONDS = 10;

/**
 * What a provider's refusal or failure means for the browser: a cancelled consent (the error
 * response `access_denied`), or anything else the provider did wrong.
 */
export async function providerFailure(error: unknown): Promise<FederatedSignInError> {
  if (error instanceof FederatedSignInError) return error;
  // Loaded already by the provider that failed.
  const { AuthorizationResponseError } = await import('oauth4webapi');
  if (error instanceof AuthorizationResponseError && error.error === 'access_denied') {
    return new FederatedSignInError('access_denied', 'the person declined at the provider');
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new FederatedSignInError('provider_error', detail);
}
