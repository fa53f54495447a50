import { ConflictException, Injectable } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { AuditTrail } from '../../audit/audit-trail.service.js';
import { invalidField } from '../../common/http/validation.js';
import { MailService } from '../../mail/mail.service.js';
import type { UserRecord } from '../../common/auth-context.js';
import { UsersService } from '../../users/users.service.js';
import { PasswordConfirmation } from '../password/password-confirmation.js';
import { MailRequestQuota } from '../throttling/mail-request-quota.service.js';
import { EmailLinks } from '../email-tokens/email-links.js';
import { EmailTokensService } from '../email-tokens/email-tokens.service.js';

const EMAIL_CHANGE_TOKEN_MS = 60 * 60_000;

/** A new address takes effect only once a link sent to it is used (EmailVerificationService.verify). */
@Injectable()
export class EmailChangeService {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: EmailTokensService,
    private readonly links: EmailLinks,
    private readonly mail: MailService,
    private readonly confirmation: PasswordConfirmation,
    private readonly quota: MailRequestQuota,
    private readonly audit: AuditTrail,
  ) {}

  async requestChange(
    user: UserRecord,
    newEmail: string,
    password: string,
    client: ClientInfo,
  ): Promise<void> {
    if (newEmail === user.email.toLowerCase()) {
      throw invalidField('newEmail', 'newEmail must differ from the current email');
    }
    await this.confirmation.confirm(user, password);
    // Each request mails an address of the caller's choosing: limited per account and per recipient.
    await this.quota.take(`email-change:${user._id.toHexString()}`);
    await this.quota.take(`email-change-to:${newEmail}`);
    if (await this.users.isEmailTaken(newEmail)) throw new ConflictException('Email already exists');
    const grant = {
      user: user._id,
      purpose: 'email-change' as const,
      email: user.email,
      newEmail,
    };
    const token = await this.tokens.issue(grant, EMAIL_CHANGE_TOKEN_MS);
    void this.mail.sendEmailChange(user, newEmail, this.links.verifyEmail(token));
    await this.audit.record('email.change_requested', { client, userId: user._id });
  }
}
