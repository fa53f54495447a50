import type { Browser } from './browser.js';
import { type GitHubAccount, GitHubStandIn } from './github-stand-in.js';
import { approveAtProvider, cancelAtProvider } from './provider-pages.js';
import { TestOidcProvider } from './test-oidc-provider.js';

export const CLIENT = { id: 'chat-app', secret: 'chat-app-client-secret-0123456789' };
/** The frontend people land on; never fetched. */
export const APP_URL = 'http://chat.test';

export type ProviderId = 'oidc' | 'google' | 'github';

export const callbackUrl = (apiUrl: string, provider: ProviderId) =>
  `${apiUrl}/api/auth/oauth/${provider}/callback`;

/**
 * The three providers of the tests, for an API at `apiUrl`: oidc-provider as the generic provider
 * (address and name from userinfo) and, through GOOGLE_ISSUER, as Google (in the ID token, as
 * Google does), and the GitHub stand-in. `env` configures an app for all three.
 */
export class TestProviders {
  private constructor(
    readonly apiUrl: string,
    readonly oidc: TestOidcProvider,
    readonly google: TestOidcProvider,
    readonly github: GitHubStandIn,
  ) {}

  static async start(apiUrl: string): Promise<TestProviders> {
    const client = { clientId: CLIENT.id, clientSecret: CLIENT.secret };
    const [oidc, google, github] = await Promise.all([
      TestOidcProvider.start({ ...client, redirectUris: [callbackUrl(apiUrl, 'oidc')] }),
      TestOidcProvider.start({
        ...client,
        redirectUris: [callbackUrl(apiUrl, 'google')],
        idTokenClaims: true,
      }),
      GitHubStandIn.start({
        id: CLIENT.id,
        secret: CLIENT.secret,
        redirectUri: callbackUrl(apiUrl, 'github'),
      }),
    ]);
    return new TestProviders(apiUrl, oidc, google, github);
  }

  get env(): Record<string, string> {
    return {
      API_URL: this.apiUrl,
      APP_URL,
      OIDC_ISSUER: this.oidc.issuer,
      OIDC_CLIENT_ID: CLIENT.id,
      OIDC_CLIENT_SECRET: CLIENT.secret,
      OIDC_NAME: 'Acme SSO',
      GOOGLE_CLIENT_ID: CLIENT.id,
      GOOGLE_CLIENT_SECRET: CLIENT.secret,
      GOOGLE_ISSUER: this.google.issuer,
      GITHUB_CLIENT_ID: CLIENT.id,
      GITHUB_CLIENT_SECRET: CLIENT.secret,
      GITHUB_URL: this.github.url,
      GITHUB_API_URL: this.github.apiUrl,
    };
  }

  /**
   * The person at the provider: signs in as `who` (a subject of oidc or google, whose claims are in
   * its `accounts`; a GitHub account) and consents, or cancels (null). The callback URL the provider
   * sends the browser back to, not yet visited.
   */
  async visit(
    provider: ProviderId,
    browser: Browser,
    authorizationUrl: string,
    who: string | GitHubAccount | null,
  ): Promise<URL> {
    const isCallback = (url: URL) => url.href.startsWith(callbackUrl(this.apiUrl, provider));
    if (provider === 'github') {
      this.github.nextAnswer = who as GitHubAccount | null;
      return browser.followUntil(authorizationUrl, isCallback);
    }
    if (who === null) return cancelAtProvider(browser, authorizationUrl, isCallback);
    return approveAtProvider(browser, authorizationUrl, who as string, isCallback);
  }

  async stop(): Promise<void> {
    await Promise.all([this.oidc.stop(), this.google.stop(), this.github.stop()]);
  }
}
