import {
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Types } from 'mongoose';
import { USER_DELETED, type UserDeletedEvent } from '../common/events/auth.events.js';
import { invalidField } from '../common/http/validation.js';
import { MEDIA_STORAGE, type MediaStorage } from '../media/media-storage.js';
import type { UserRecord } from '../users/user.mapper.js';
import { UsersService } from '../users/users.service.js';
import type { AuthContext } from './auth-context.js';
import type { ChangePasswordDto } from './dto/change-password.dto.js';
import type { SessionResponseDto } from './dto/session-response.dto.js';
import { PasswordHasher } from './password/password-hasher.js';
import { PasswordPolicy } from './password/password-policy.js';
import { SessionsService } from './sessions/sessions.service.js';
import { LoginAttemptsService } from './throttling/login-attempts.service.js';

export const WRONG_CURRENT_PASSWORD = 'Current password is incorrect';

/** What a signed-in user can do to their own account: sessions, password, deletion. */
@Injectable()
export class AccountService {
  private readonly logger = new Logger(AccountService.name);

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly attempts: LoginAttemptsService,
    @Inject(MEDIA_STORAGE) private readonly media: MediaStorage,
    private readonly events: EventEmitter2,
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

  async revokeSession({ user }: AuthContext, sessionId: string): Promise<void> {
    if (!(await this.sessions.revokeOwn(user._id, new Types.ObjectId(sessionId)))) {
      throw new NotFoundException('Session not found');
    }
  }

  async logoutEverywhere({ user }: AuthContext): Promise<void> {
    await this.sessions.revokeAll(user._id);
  }

  /** Sets a new password and signs out every other device; the current session stays valid. */
  async changePassword({ user, session }: AuthContext, dto: ChangePasswordDto): Promise<void> {
    this.policy.assertAcceptable(dto.newPassword, 'newPassword');
    if (dto.newPassword === dto.currentPassword) {
      throw invalidField('newPassword', 'newPassword must differ from the current password');
    }
    await this.confirmPassword(user, dto.currentPassword);
    await this.users.setPasswordHash(user._id, await this.hasher.hash(dto.newPassword));
    await this.sessions.revokeAll(user._id, session._id);
  }

  /**
   * Deletes the user, then every session, then their stored picture (a failure there is only logged);
   * then waits for the features that keep data of the user (messages) to delete it.
   */
  async deleteAccount({ user }: AuthContext, password: string): Promise<void> {
    await this.confirmPassword(user, password);
    const deleted = await this.users.delete(user._id);
    await this.sessions.revokeAll(user._id);
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

  /** Checks the caller's password under the same failed-attempt limit as login. */
  private async confirmPassword(user: UserRecord, password: string): Promise<void> {
    await this.attempts.countAttempt(user.email);
    const stored = await this.users.getPasswordHash(user._id);
    const { valid } = stored ? await this.hasher.verify(password, stored) : { valid: false };
    if (!valid) {
      throw new UnauthorizedException(WRONG_CURRENT_PASSWORD);
    }
    await this.attempts.reset(user.email);
  }
}
