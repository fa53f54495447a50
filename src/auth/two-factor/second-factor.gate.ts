import { ForbiddenException, Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import type { SecondFactorMethod, SignInMethod } from '../../audit/security-event.js';
import type { UserRecord } from '../../common/auth-context.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { answerOf, InvalidSecondFactorException, SecondFactorVerifier } from './second-factor.verifier.js';
import { type IssuedChallenge, TwoFactorChallenges } from './two-factor-challenges.js';

export const SECOND_FACTOR_REQUIRED =
  'This account uses two-factor sign-in: send the code of the authenticator app, or a recovery code, as otp';

/** How a sign-in takes the second factor, for an account that has one. */
export type SecondFactorInput =
  /** Answer with a challenge, to finish at POST /api/auth/2fa/verify (login). The default. */
  | { kind: 'challenge' }
  /** Check a code sent along with the first factor (the token route's `otp`); none sent: refused. */
  | { kind: 'inline'; code: string | undefined }
  /** Proven already: an answered challenge (with `method`). */
  | { kind: 'proven'; method: SecondFactorMethod }
  /** The first factor counts as two (a passkey with user verification): nothing more is asked. */
  | { kind: 'first-factor-suffices' };

/** A second factor was needed and none was sent with the request (403 `mfa_required` on the token route). */
export class SecondFactorRequiredException extends ForbiddenException {
  constructor() {
    super(SECOND_FACTOR_REQUIRED);
  }
}

export type SecondFactorDecision =
  | { outcome: 'challenge'; challenge: IssuedChallenge }
  /** Go on: `method` is the second factor proven, if any; `checked` false when the account had none. */
  | { outcome: 'pass'; method?: SecondFactorMethod; checked: boolean };

/** The sign-in pipeline's question: may this proof have a session, or must it first show a second factor? */
@Injectable()
export class SecondFactorGate {
  constructor(
    private readonly verifier: SecondFactorVerifier,
    private readonly challenges: TwoFactorChallenges,
  ) {}

  /**
   * Throws when an inline code is missing (SecondFactorRequiredException) or wrong (InvalidSecondFactorException).
   * `firstFactor`: what a challenge remembers of the proof, for the sign-in that answers it.
   */
  async decide(
    user: UserRecord,
    input: SecondFactorInput,
    firstFactor: { passwordVersion?: number; method: SignInMethod },
    client: ClientInfo,
  ): Promise<SecondFactorDecision> {
    if (input.kind === 'proven') return { outcome: 'pass', method: input.method, checked: true };
    if (input.kind === 'first-factor-suffices') return { outcome: 'pass', checked: true };
    if (!(await this.verifier.isRequired(user._id))) return { outcome: 'pass', checked: false };
    if (input.kind === 'challenge') {
      return { outcome: 'challenge', challenge: await this.challenges.create(user._id, firstFactor) };
    }
    if (input.code === undefined) throw new SecondFactorRequiredException();
    const method = await this.verifier.verify(user, answerOf(input.code), 'sign-in', client);
    if (!method) throw new InvalidSecondFactorException();
    return { outcome: 'pass', method, checked: true };
  }

  /**
   * After a pass for an account without a second factor and the session's creation: whether one was
   * enabled meanwhile. Enabling ends the sessions it sees, which may not have included this one.
   */
  async enabledSince(user: Types.ObjectId, decision: SecondFactorDecision): Promise<boolean> {
    return decision.outcome === 'pass' && !decision.checked && (await this.verifier.isRequired(user));
  }
}
