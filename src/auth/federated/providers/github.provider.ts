import type * as oauth from 'oauth4webapi';
import { normalisedEmail } from '../../../common/validation/transforms.js';
import type { GitHubProviderConfig } from '../../../config/federated-config.js';
import { FederatedSignInError } from '../federated-errors.js';
import type {
  AuthorizationCheck,
  AuthorizationRequest,
  ProviderProfile,
  SignInProvider,
} from './sign-in-provider.js';
import { PROVIDER_TIMEOUT_SECONDS, providerFailure } from './provider-failure.js';

interface GitHubUser {
  id: number;
  login: string;
  name?: string | null;
}

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub's OAuth 2.0 (it is no OpenID provider), through oauth4webapi: the authorization code with
 * PKCE and state, then `GET /user` for the account's id and name and `GET /user/emails` for its
 * primary address, which counts only if GitHub has verified it.
 */
export class GitHubSignInProvider implements SignInProvider {
  readonly id = 'github';
  readonly name = 'GitHub';
  readonly usesNonce = false;
  private readonly server: oauth.AuthorizationServer;
  private readonly client: oauth.Client;

  constructor(private readonly settings: GitHubProviderConfig) {
    this.server = {
      issuer: settings.url,
      authorization_endpoint: `${settings.url}/login/oauth/authorize`,
      token_endpoint: `${settings.url}/login/oauth/access_token`,
    };
    this.client = { client_id: settings.clientId };
  }

  authorizationUrl(request: AuthorizationRequest): Promise<URL> {
    const url = new URL(this.server.authorization_endpoint!);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: this.settings.clientId,
      redirect_uri: request.redirectUri,
      scope: 'read:user user:email',
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return Promise.resolve(url);
  }

  async profile(callbackUrl: URL, check: AuthorizationCheck): Promise<ProviderProfile> {
    try {
      // Loaded by the first sign-in through GitHub, like openid-client for the OpenID providers.
      const oauth = await import('oauth4webapi');
      const params = oauth.validateAuthResponse(this.server, this.client, callbackUrl, check.state);
      const response = await oauth.authorizationCodeGrantRequest(
        this.server,
        this.client,
        oauth.ClientSecretPost(this.settings.clientSecret),
        params,
        check.redirectUri,
        check.codeVerifier,
        {
          signal: () => AbortSignal.timeout(PROVIDER_TIMEOUT_SECONDS * 1000),
          [oauth.allowInsecureRequests]: this.settings.url.startsWith('http:'),
        },
      );
      const { access_token: token } = await oauth.processAuthorizationCodeResponse(
        this.server,
        this.client,
        response,
      );
      const [user, emails] = await Promise.all([
        this.api<GitHubUser>('/user', token),
        this.api<GitHubEmail[]>('/user/emails', token),
      ]);
      if (typeof user?.id !== 'number' || !Array.isArray(emails)) {
        throw new FederatedSignInError('provider_error', 'GitHub answered an unexpected user or email list');
      }
      const primary = emails.find((entry) => entry?.primary === true && typeof entry.email === 'string');
      return {
        subject: String(user.id),
        issuer: this.settings.url,
        email: primary && normalisedEmail(primary.email),
        emailVerified: primary?.verified === true,
        name: user.name || user.login,
      };
    } catch (error) {
      throw await providerFailure(error);
    }
  }

  private async api<T>(path: string, token: string): Promise<T> {
    const response = await fetch(`${this.settings.apiUrl}${path}`, {
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${token}`,
        'User-Agent': 'chat-auth',
        'X-GitHub-Api-Version': '2022-11-28',
      },
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_SECONDS * 1000),
    });
    if (!response.ok) {
      throw new FederatedSignInError('provider_error', `GitHub ${path} answered ${response.status}`);
    }
    return (await response.json()) as T;
  }
}
