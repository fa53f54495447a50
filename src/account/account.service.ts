import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Types } from 'mongoose';
import { AuditTrail } from '../audit/audit-trail.service.js';
import { USER_DELETED, type UserDeletedEvent } from '../common/events/auth.events.js';
import { invalidField } from '../common/http/validation.js';
import { MEDIA_STORAGE, type MediaStorage } from '../media/media-storage.js';
import { UsersService } from '../users/users.service.js';
import type { AuthContext } from '../common/auth-context.js';
import type { ClientInfo } from '../common/http/client-info.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { SessionResponseDto } from './dto/session-response.dto.js';
import { EmailTokensService } from '../auth/email-tokens/email-tokens.service.js';
import { PasswordConfirmation } from '../auth/password/password-confirmation.js';
import { PasswordReplacement } from '../auth/password/password-replacement.js';
import { PasswordPolicy } from '../auth/password/password-policy.js';
import { SessionsService } from '../auth/sessions/sessions.service.js';

/** What a signed-in user can do to their own account: sessions, password, deletion. */
@Injectable()
export class AccountService {
  private readonly logger = new Logger(AccountService.name);

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly policy: PasswordPolicy,
    private readonly confirmation: PasswordConfirmation,
    private readonly passwords: PasswordReplacement,
    private readonly emailTokens: EmailTokensService,
    @Inject(MEDIA_STORAGE) private readonly media: MediaStorage,
    private readonly events: EventEmitter2,
    private readonly audit: AuditTrail,
  ) {}

  async listSessions({ user, session: current }: AuthContext): Promise<SessionResponseDto[]> {
    const sessions = await this.sessions.listForUser(user._id);
    return sessions.map((session) => {
      const isCurrent = session._id.equals(current._id);
      return {
        id: session._id.toHexString(),
        createdAt: session.createdAt,
        // This request's own session may have been seen more recently than the database knows.
        lastSeenAt: isCurrent ? current.lastSeenAt : session.lastSeenAt,
        expiresAt: session.expiresAt,
        userAgent: session.userAgent,
        ip: session.ip,
        current: isCurrent,
      };
    });
  }

  async revokeSession({ user }: AuthContext, sessionId: string, client: ClientInfo): Promise<void> {
    if (!(await this.sessions.revokeOwn(user._id, new Types.ObjectId(sessionId)))) {
      throw new NotFoundException('Session not found');
    }
    await this.audit.record('session.revoked', { client, userId: user._id });
  }

  /** Ends every session, and voids every link mailed before (a reset, an email change) with them. */
  async logoutEverywhere({ user }: AuthContext, client: ClientInfo): Promise<void> {
    await this.sessions.revokeAll(user._id);
    await this.emailTokens.revokeAll(user._id);
    await this.audit.record('logout.all', { client, userId: user._id });
  }

  /** Sets a new password and signs out every other device; the current session stays valid. */
  async changePassword(
    { user, session }: AuthContext,
    dto: ChangePasswordDto,
    client: ClientInfo,
  ): Promise<void> {
    this.policy.assertAcceptable(dto.newPassword, 'newPassword');
    if (dto.newPassword === dto.currentPassword) {
      throw invalidField('newPassword', 'newPassword must differ from the current password');
    }
    await this.confirmation.confirm(user, dto.currentPassword);
    await this.passwords.replace(user._id, dto.newPassword, session._id);
    await this.audit.record('password.changed', { client, userId: user._id });
  }

  /**
   * Deletes the user, then every session, then their stored picture (a failure there is only logged);
   * then waits for the features that keep data of the user (messages) to delete it. Its security
   * events stay until they expire (see AuditEvent).
   */
  async deleteAccount({ user }: AuthContext, password: string, client: ClientInfo): Promise<void> {
    await this.confirmation.confirm(user, password);
    const deleted = await this.users.delete(user._id);
    await this.sessions.revokeAll(user._id);
    await this.audit.record('account.deleted', { client, userId: user._id });
    const pictureKey = deleted?.profilePicKey;
    if (pictureKey) {
      await this.media
        .delete(pictureKey)
        .catch((error: Error) =>
          this.logger.warn(`Could not delete the picture of a deleted account: ${error.message}`),
        );
    }
    const event: UserDeletedEvent = { userId: user._id.toHexString() };
    await this.events.emitAsync(USER_DELETED, event);
  }
}
