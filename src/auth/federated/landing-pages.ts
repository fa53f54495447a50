import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../config/app-config.js';
import type { FederatedErrorCode } from './federated-errors.js';

/** Where the app's pages are that a sign-in with a provider ends on (APP_URL). */
@Injectable()
export class LandingPages {
  private readonly appUrl: string;

  constructor(config: ConfigService<AppConfig, true>) {
    this.appUrl = config.get('mail.appUrl', { infer: true });
  }

  /** Signed in (or linked): the app, at `returnTo`. */
  app(returnTo = '/'): string {
    return `${this.appUrl}${returnTo}`;
  }

  /** The first factor is proven; the login page asks for the second (the challenge is in its cookie). */
  twoFactor(returnTo?: string): string {
    const query = new URLSearchParams({ twoFactorRequired: '1', ...(returnTo && { returnTo }) });
    return `${this.appUrl}/login?${query.toString()}`;
  }

  failure(code: FederatedErrorCode): string {
    return `${this.appUrl}/login?error=${code}`;
  }
}
