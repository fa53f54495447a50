import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import { PasswordReplacement } from '../password/password-replacement.js';
import { MailService } from '../../mail/mail.service.js';
import { UsersService } from '../../users/users.service.js';
import { PasswordPolicy } from '../password/password-policy.js';
import { LoginAttemptsService } from '../throttling/login-attempts.service.js';
import { MailRequestQuota } from '../throttling/mail-request-quota.service.js';
import { EmailLinks } from '../email-tokens/email-links.js';
import { EmailTokensService } from '../email-tokens/email-tokens.service.js';

export const INVALID_TOKEN = 'Invalid or expired token';
export const RESET_LINK_SENT = 'If an account uses this address, a link to reset its password is on its way';
const RESET_TOKEN_MINUTES = 30;
/** A new request replaces the live link only once it is this old; before, nothing is sent. */
const RESET_LINK_MIN_AGE_MINUTES = 5;

/** "Forgot my password": a single-use link by email, then a new password that signs out everywhere. */
@Injectable()
export class PasswordResetService {
  private readonly logger = new Logger(PasswordResetService.name);

  constructor(
    private readonly users: UsersService,
    private readonly tokens: EmailTokensService,
    private readonly links: EmailLinks,
    private readonly mail: MailService,
    private readonly quota: MailRequestQuota,
    private readonly policy: PasswordPolicy,
    private readonly passwords: PasswordReplacement,
    private readonly attempts: LoginAttemptsService,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * Same answer, after the same work, whether or not the address has an account: the lookup, the
   * token and the mail happen after the response, so its timing tells nothing. Within a few minutes
   * of the live link, nothing is sent and that link stays valid.
   */
  async requestReset(email: string, client: ClientInfo): Promise<void> {
    await this.quota.take(`password-reset:${email}`);
    void this.sendResetLink(email, client);
  }

  async resetPassword(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    // Checked first, so a refused password does not use the link up.
    this.policy.assertAcceptable(newPassword, 'newPassword');
    const grant = await this.tokens.consume(token, ['password-reset']);
    const user = grant && (await this.users.findById(grant.user));
    if (!user || user.email !== grant.email) throw new BadRequestException(INVALID_TOKEN);
    await this.passwords.replace(user._id, newPassword);
    await this.attempts.reset(user.email);
    await this.audit.record('password.reset', { client, userId: user._id });
    void this.mail.sendPasswordChanged(user);
  }

  private async sendResetLink(email: string, client: ClientInfo): Promise<void> {
    try {
      const user = await this.users.findByEmail(email);
      if (!user) return;
      const grant = {
        user: user._id,
        purpose: 'password-reset' as const,
        email: user.email,
      };
      const token = await this.tokens.issueUnlessRecent(
        grant,
        RESET_TOKEN_MINUTES * 60_000,
        RESET_LINK_MIN_AGE_MINUTES * 60_000,
      );
      if (token === null) return;
      // Before the send, which can take SMTP_TIMEOUT_MS: the reset its mail allows comes after it.
      await this.audit.record('password.reset_requested', { client, userId: user._id });
      await this.mail.sendPasswordReset(user, this.links.passwordReset(token), RESET_TOKEN_MINUTES);
    } catch (error) {
      this.logger.error({
        msg: `Could not start a password reset: ${(error as Error).message}`,
        requestId: client.requestId,
      });
    }
  }
}
