import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../../config/app-config.js';
import { GitHubSignInProvider } from './github.provider.js';
import { OidcSignInProvider } from './oidc.provider.js';
import type { FederatedProviderId, SignInProvider } from './sign-in-provider.js';

/** The configured providers, in the order their buttons are listed. */
@Injectable()
export class SignInProviders {
  private readonly providers = new Map<FederatedProviderId, SignInProvider>();

  constructor(config: ConfigService<AppConfig, true>) {
    const { oidc, google, github } = config.get('federated', { infer: true });
    if (google) this.add(new OidcSignInProvider('google', 'Google', google));
    if (github) this.add(new GitHubSignInProvider(github));
    if (oidc) this.add(new OidcSignInProvider('oidc', oidc.name, oidc));
  }

  /** The provider `id`, if it is configured. */
  find(id: string): SignInProvider | undefined {
    return this.providers.get(id as FederatedProviderId);
  }

  list(): SignInProvider[] {
    return [...this.providers.values()];
  }

  private add(provider: SignInProvider): void {
    this.providers.set(provider.id, provider);
  }
}
