import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { UserRecord } from '../../common/auth-context.js';
import { UsersService } from '../../users/users.service.js';
import { LoginAttemptsService } from '../throttling/login-attempts.service.js';
import { PasswordHasher } from './password-hasher.js';

export const WRONG_CURRENT_PASSWORD = 'Current password is incorrect';

/** Re-authentication before a sensitive change, under the same failed-attempt limit as login. */
@Injectable()
export class PasswordConfirmation {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly attempts: LoginAttemptsService,
  ) {}

  async confirm(user: UserRecord, password: string): Promise<void> {
    await this.attempts.countAttempt(user.email);
    const stored = await this.users.getPasswordHash(user._id);
    const { valid } = stored ? await this.hasher.verify(password, stored) : { valid: false };
    if (!valid) {
      throw new UnauthorizedException(WRONG_CURRENT_PASSWORD);
    }
    await this.attempts.reset(user.email);
  }
}
