import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ClientInfo } from '../../common/http/client-info.js';
import { UsersService } from '../../users/users.service.js';
import { SignInPipeline, type SignInResult } from '../sign-in/sign-in.pipeline.js';
import type { VerifyTwoFactorDto } from './dto/two-factor-requests.dto.js';
import {
  InvalidSecondFactorException,
  type SecondFactorAnswer,
  SecondFactorVerifier,
} from './second-factor.verifier.js';
import { TwoFactorChallenges } from './two-factor-challenges.js';

export const INVALID_CHALLENGE = 'This sign-in has expired or was already used: sign in again';
export const CHALLENGE_REQUIRED = 'challenge is required: send the one login answered with';
export const ONE_CODE = 'Send either code or recoveryCode';

/** The second step of a sign-in: the answer to a challenge, which then ends in the sign-in pipeline. */
@Injectable()
export class TwoFactorSignIn {
  constructor(
    private readonly challenges: TwoFactorChallenges,
    private readonly verifier: SecondFactorVerifier,
    private readonly users: UsersService,
    private readonly pipeline: SignInPipeline,
  ) {}

  /** `cookieChallenge`: the challenge cookie, used when the body has none. */
  async verify(
    dto: VerifyTwoFactorDto,
    cookieChallenge: string | undefined,
    client: ClientInfo,
  ): Promise<SignInResult> {
    const token = dto.challenge ?? cookieChallenge;
    if (!token) throw new BadRequestException(CHALLENGE_REQUIRED);
    const answer = answerOfDto(dto);
    const challenge = await this.challenges.claimAttempt(token);
    const user = challenge && (await this.users.findById(challenge.user));
    if (!challenge || !user) throw new UnauthorizedException(INVALID_CHALLENGE);
    const method = await this.verifier.verify(user, answer, 'sign-in', client);
    if (!method) throw new InvalidSecondFactorException();
    // One challenge, one session, even when two right answers race.
    if (!(await this.challenges.consume(challenge._id))) throw new UnauthorizedException(INVALID_CHALLENGE);
    return this.pipeline.complete({
      user,
      client,
      event: 'login.succeeded',
      method: challenge.method ?? 'password',
      passwordVersion: challenge.passwordVersion,
      secondFactor: { kind: 'proven', method },
    });
  }
}

function answerOfDto({ code, recoveryCode }: VerifyTwoFactorDto): SecondFactorAnswer {
  if ((code === undefined) === (recoveryCode === undefined)) throw new BadRequestException(ONE_CODE);
  return code !== undefined
    ? { method: 'totp', value: code.replace(/\s/g, '') }
    : { method: 'recovery_code', value: recoveryCode! };
}
