import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { UsersService } from '../../users/users.service.js';
import { EmailTokensService } from '../email-tokens/email-tokens.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { PasswordHasher } from './password-hasher.js';

/** The one place a password is replaced, by a change or by a reset. */
@Injectable()
export class PasswordReplacement {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly emailTokens: EmailTokensService,
  ) {}

  /**
   * Re-hashes, ends every session but `keep`, and voids every link mailed before: a pending email
   * change (whoever knew the old password may have asked to move the account) and an earlier reset
   * link (which would otherwise set the password again for whoever holds it).
   */
  async replace(userId: Types.ObjectId, newPassword: string, keep?: Types.ObjectId): Promise<void> {
    await this.users.setPasswordHash(userId, await this.hasher.hash(newPassword));
    await this.sessions.revokeAll(userId, keep);
    await this.emailTokens.revokeAll(userId);
  }
}
