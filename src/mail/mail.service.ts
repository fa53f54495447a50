import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { MAILER, type Mailer, type MailMessage } from './mailer.js';
import {
  confirmEmailChangeEmail,
  emailChangeRequestedEmail,
  passwordChangedEmail,
  passkeyAddedEmail,
  passkeyRemovedEmail,
  passwordResetEmail,
  type Recipient,
  recoveryCodeUsedEmail,
  signInMethodAddedEmail,
  signInMethodRemovedEmail,
  twoFactorDisabledEmail,
  twoFactorEnabledEmail,
  verifyEmailEmail,
} from './templates/account-emails.js';

/**
 * Knows the messages; the Mailer knows the transport. Sending never throws: a failure is logged with
 * its reason, and the person who asked still gets their answer.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger(MailService.name);
  private readonly appUrl: string;

  constructor(
    @Inject(MAILER) private readonly mailer: Mailer,
    config: ConfigService<AppConfig, true>,
  ) {
    this.appUrl = config.get('mail.appUrl', { infer: true });
  }

  sendPasswordReset(to: Recipient, link: string, validMinutes: number): Promise<void> {
    return this.deliver(passwordResetEmail(to, link, validMinutes));
  }

  sendPasswordChanged(to: Recipient): Promise<void> {
    return this.deliver(passwordChangedEmail(to, this.appUrl));
  }

  sendEmailVerification(to: Recipient, link: string): Promise<void> {
    return this.deliver(verifyEmailEmail(to, link));
  }

  /** The link goes to the new address; the current one is told about the request. */
  async sendEmailChange(to: Recipient, newEmail: string, link: string): Promise<void> {
    await Promise.all([
      this.deliver(confirmEmailChangeEmail(newEmail, link)),
      this.deliver(emailChangeRequestedEmail(to, newEmail)),
    ]);
  }

  sendTwoFactorEnabled(to: Recipient): Promise<void> {
    return this.deliver(twoFactorEnabledEmail(to, this.appUrl));
  }

  sendTwoFactorDisabled(to: Recipient): Promise<void> {
    return this.deliver(twoFactorDisabledEmail(to, this.appUrl));
  }

  sendRecoveryCodeUsed(to: Recipient, remaining: number): Promise<void> {
    return this.deliver(recoveryCodeUsedEmail(to, remaining, this.appUrl));
  }

  sendPasskeyAdded(to: Recipient, name: string): Promise<void> {
    return this.deliver(passkeyAddedEmail(to, name, this.appUrl));
  }

  sendPasskeyRemoved(to: Recipient, name: string): Promise<void> {
    return this.deliver(passkeyRemovedEmail(to, name, this.appUrl));
  }

  /** `provider`: the provider's name as its sign-in button shows it. */
  sendSignInMethodAdded(to: Recipient, provider: string): Promise<void> {
    return this.deliver(signInMethodAddedEmail(to, provider, this.appUrl));
  }

  sendSignInMethodRemoved(to: Recipient, provider: string): Promise<void> {
    return this.deliver(signInMethodRemovedEmail(to, provider, this.appUrl));
  }

  private async deliver(message: MailMessage): Promise<void> {
    try {
      await this.mailer.send(message);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(`Could not send "${message.subject}" to ${message.to}: ${reason}`);
    }
  }
}
