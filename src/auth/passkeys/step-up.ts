import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { AuthContext } from '../../common/auth-context.js';
import { Clock } from '../../common/clock.js';
import { PasswordConfirmation } from '../password/password-confirmation.js';

/** How long after signing in a session may make sensitive changes without the password again. */
export const RECENT_SIGN_IN_MS = 10 * 60_000;
export const STEP_UP_REQUIRED =
  'This session signed in more than 10 minutes ago: send your password, or sign in again';

/**
 * Re-authentication before adding or removing a way to sign in: the session signed in less than 10
 * minutes ago, or the password (checked, with its own failure budget, whenever it is sent).
 */
@Injectable()
export class StepUp {
  constructor(
    private readonly confirmation: PasswordConfirmation,
    private readonly clock: Clock,
  ) {}

  async confirm({ user, session }: AuthContext, password: string | undefined): Promise<void> {
    if (password !== undefined) return this.confirmation.confirm(user, password);
    const age = this.clock.now().getTime() - new Date(session.createdAt).getTime();
    // Written so that an unreadable date refuses too.
    if (!(age < RECENT_SIGN_IN_MS)) throw new UnauthorizedException(STEP_UP_REQUIRED);
  }
}
