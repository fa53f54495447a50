import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { UserRecord } from '../../common/auth-context.js';
import { UsersService } from '../../users/users.service.js';
import { LoginAttemptsService } from '../throttling/login-attempts.service.js';
import { PasswordHasher } from './password-hasher.js';

export const WRONG_CURRENT_PASSWORD = 'Current password is incorrect';

/**
 * Re-authentication of a signed-in user before a sensitive change. It has a failure budget of its own
 * per account (LoginAttemptsService.countConfirmation), apart from the login counts: someone guessing
 * logins cannot block the owner's password change, and a stolen session is no guessing oracle.
 */
@Injectable()
export class PasswordConfirmation {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly attempts: LoginAttemptsService,
  ) {}

  async confirm(user: UserRecord, password: string): Promise<void> {
    await this.attempts.countConfirmation(user.email);
    const stored = await this.users.getPasswordHash(user._id);
    const { valid } = stored ? await this.hasher.verify(password, stored) : { valid: false };
    if (!valid) {
      throw new UnauthorizedException(WRONG_CURRENT_PASSWORD);
    }
    await this.attempts.confirmationSucceeded(user.email);
  }
}
