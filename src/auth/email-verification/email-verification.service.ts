import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import { MailService } from '../../mail/mail.service.js';
import type { UserRecord } from '../../common/auth-context.js';
import { UsersService } from '../../users/users.service.js';
import { MailRequestQuota } from '../throttling/mail-request-quota.service.js';
import { EmailLinks } from '../email-tokens/email-links.js';
import { EmailTokensService } from '../email-tokens/email-tokens.service.js';
import { INVALID_TOKEN } from '../password-reset/password-reset.service.js';

const VERIFICATION_TOKEN_MS = 24 * 3600_000;

/** Proves that a person reads the address of their account: at signup, on request, after a change. */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger(EmailVerificationService.name);

  constructor(
    private readonly users: UsersService,
    private readonly tokens: EmailTokensService,
    private readonly links: EmailLinks,
    private readonly mail: MailService,
    private readonly quota: MailRequestQuota,
    private readonly audit: AuditTrail,
  ) {}

  /** Sends a fresh link; never throws (callers do not wait for it). */
  async sendLink(user: UserRecord): Promise<void> {
    try {
      const grant = {
        user: user._id,
        purpose: 'email-verification' as const,
        email: user.email,
      };
      const token = await this.tokens.issue(grant, VERIFICATION_TOKEN_MS);
      await this.mail.sendEmailVerification(user, this.links.verifyEmail(token));
    } catch (error) {
      this.logger.error(`Could not send a verification link: ${(error as Error).message}`);
    }
  }

  /** Sends a new link unless the address is already verified; the answer says which. */
  async resend(user: UserRecord): Promise<string> {
    if (user.emailVerified) return 'Your email address is already verified';
    await this.quota.take(`email-verification:${user._id.toHexString()}`);
    void this.sendLink(user);
    return 'A new confirmation link is on its way';
  }

  /** Uses a link: verifies the address, or for an email change moves the account to the new one. */
  async verify(token: string, client: ClientInfo): Promise<UserRecord> {
    const grant = await this.tokens.consume(token, ['email-verification', 'email-change']);
    if (!grant) throw new BadRequestException(INVALID_TOKEN);
    const newEmail = grant.purpose === 'email-change' ? grant.newEmail : undefined;
    const user = newEmail
      ? await this.users.changeEmail(grant.user, grant.email, newEmail)
      : await this.users.markEmailVerified(grant.user, grant.email);
    if (!user) throw new BadRequestException(INVALID_TOKEN);
    await this.audit.record(newEmail ? 'email.changed' : 'email.verified', { client, userId: user._id });
    return user;
  }
}
