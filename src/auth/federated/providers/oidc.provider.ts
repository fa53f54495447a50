import type * as OpenId from 'openid-client';
import { normalisedEmail } from '../../../common/validation/transforms.js';
import type { OidcProviderConfig } from '../../../config/federated-config.js';
import { FederatedSignInError } from '../federated-errors.js';
import {
  type AuthorizationCheck,
  type AuthorizationRequest,
  type FederatedProviderId,
  type ProviderProfile,
  type SignInProvider,
} from './sign-in-provider.js';
import { PROVIDER_TIMEOUT_SECONDS, providerFailure } from './provider-failure.js';

/** openid-client (with jose and oauth4webapi) is loaded by the first sign-in through a provider. */
const openIdClient = () => import('openid-client');

/** How long discovered metadata is used before it is fetched again (keys are refetched on their own). */
const DISCOVERY_LIFETIME_MS = 24 * 3600_000;

/**
 * Google or any OpenID Connect provider, through openid-client (certified): discovery, the
 * authorization code with PKCE, state and nonce, and an ID token checked for its signature (JWKS),
 * `iss`, `aud`, `exp` and `nonce`; the RFC 9207 `iss` response parameter when the provider sends it.
 */
export class OidcSignInProvider implements SignInProvider {
  readonly usesNonce = true;
  private discovered?: { config: Promise<OpenId.Configuration>; at: number };

  constructor(
    readonly id: FederatedProviderId,
    readonly name: string,
    private readonly settings: OidcProviderConfig,
  ) {}

  async authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const [config, client] = await Promise.all([this.configuration(), openIdClient()]);
    return client.buildAuthorizationUrl(config, {
      redirect_uri: request.redirectUri,
      scope: 'openid email profile',
      state: request.state,
      nonce: request.nonce!,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  async profile(callbackUrl: URL, check: AuthorizationCheck): Promise<ProviderProfile> {
    const [config, client] = await Promise.all([this.configuration(), openIdClient()]);
    try {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: check.codeVerifier,
        expectedState: check.state,
        expectedNonce: check.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims()!;
      // Many providers (Google included) put the address in the ID token; the others in userinfo.
      const claims: Record<string, unknown> =
        idToken.email === undefined && config.serverMetadata().userinfo_endpoint
          ? { ...idToken, ...(await client.fetchUserInfo(config, tokens.access_token, idToken.sub)) }
          : idToken;
      const email = typeof claims.email === 'string' && claims.email !== '' ? claims.email : undefined;
      return {
        subject: idToken.sub,
        issuer: idToken.iss,
        email: email && normalisedEmail(email),
        emailVerified: claims.email_verified === true || claims.email_verified === 'true',
        name: typeof claims.name === 'string' ? claims.name : undefined,
      };
    } catch (error) {
      throw await providerFailure(error);
    }
  }

  /** Discovered once, then again a day later; a failed discovery is tried again at the next sign-in. */
  private configuration(): Promise<OpenId.Configuration> {
    if (!this.discovered || Date.now() - this.discovered.at > DISCOVERY_LIFETIME_MS) {
      const config = this.discover();
      this.discovered = { config, at: Date.now() };
      config.catch(() => {
        if (this.discovered?.config === config) this.discovered = undefined;
      });
    }
    return this.discovered.config.catch((error: unknown) => {
      throw new FederatedSignInError('provider_error', `${this.id} discovery failed: ${String(error)}`);
    });
  }

  private async discover(): Promise<OpenId.Configuration> {
    const client = await openIdClient();
    const issuer = new URL(this.settings.issuer);
    const insecure = issuer.protocol === 'http:';
    const { clientId, clientSecret } = this.settings;
    const found = await client.discovery(issuer, clientId, clientSecret, undefined, {
      execute: insecure ? [client.allowInsecureRequests] : [],
      timeout: PROVIDER_TIMEOUT_SECONDS,
    });
    const metadata = found.serverMetadata();
    // client_secret_basic is the OpenID default; a provider that lists only _post gets _post.
    const methods = metadata.token_endpoint_auth_methods_supported;
    const authentication =
      !methods || methods.includes('client_secret_basic')
        ? client.ClientSecretBasic(clientSecret)
        : client.ClientSecretPost(clientSecret);
    const config = new client.Configuration(metadata, clientId, clientSecret, authentication);
    config.timeout = PROVIDER_TIMEOUT_SECONDS;
    if (insecure) client.allowInsecureRequests(config);
    // The ID token comes from the token endpoint over TLS, where openid-client skips its signature
    // unless asked: asked here, so a provider's key, not only its TLS certificate, vouches for it.
    client.enableNonRepudiationChecks(config);
    return config;
  }
}
