import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { API_PREFIX } from '../../common/http/api-paths.js';
import type { AppConfig } from '../../config/app-config.js';

/** The absolute URLs put into emails, built from configuration only (never from a request's Host). */
@Injectable()
export class EmailLinks {
  private readonly mail: AppConfig['mail'];

  constructor(config: ConfigService<AppConfig, true>) {
    this.mail = config.get('mail', { infer: true });
  }

  /** The app's own page when PASSWORD_RESET_URL is set, else the page this API serves. */
  passwordReset(token: string): string {
    const { passwordResetUrl, apiUrl } = this.mail;
    const encoded = encodeURIComponent(token);
    if (passwordResetUrl) return passwordResetUrl.replaceAll('{token}', encoded);
    return `${apiUrl}/${API_PREFIX}/auth/reset-password?token=${encoded}`;
  }

  /** Confirms an address: a new account's, or the new one of an email change. */
  verifyEmail(token: string): string {
    return `${this.mail.apiUrl}/${API_PREFIX}/auth/verify-email?token=${encodeURIComponent(token)}`;
  }
}
