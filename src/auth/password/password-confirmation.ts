import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { UserRecord } from '../../common/auth-context.js';
import { ApiError } from '../../common/openapi/api-error.decorator.js';
import { UsersService } from '../../users/users.service.js';
import { LoginAttemptsService } from '../throttling/login-attempts.service.js';
import { PasswordHasher } from './password-hasher.js';

export const WRONG_CURRENT_PASSWORD = 'Current password is incorrect';
export const NO_PASSWORD =
  'This account has no password yet: set one with the link from POST /api/auth/forgot-password first';

/** The 403 of a route that confirms the current password (merged with the pipeline's 403s). */
export const ApiNoPassword = () =>
  ApiError(
    403,
    'The account has no password (it was made by signing in with a provider): a reset link sets one.',
    NO_PASSWORD,
  );

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

  /**
   * An account made by a sign-in provider has no password to confirm (403 NO_PASSWORD): its owner
   * sets one by a reset link first, which proves the address as well. A session alone never may.
   */
  async confirm(user: UserRecord, password: string): Promise<void> {
    const stored = await this.users.getPasswordHash(user._id);
    if (!stored) throw new ForbiddenException(NO_PASSWORD);
    await this.attempts.countConfirmation(user.email);
    const { valid } = await this.hasher.verify(password, stored);
    if (!valid) {
      throw new UnauthorizedException(WRONG_CURRENT_PASSWORD);
    }
    await this.attempts.confirmationSucceeded(user.email);
  }
}
