import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { UserResponseDto } from '../../users/dto/user-response.dto.js';
import { toUserResponse } from '../../users/user.mapper.js';
import { SessionCookie } from '../sessions/session-cookie.js';
import { ChallengeCookie } from '../two-factor/challenge-cookie.js';
import {
  SECOND_FACTOR_METHODS,
  type TwoFactorChallengeDto,
} from '../two-factor/dto/two-factor-responses.dto.js';
import type { SignInResult } from './sign-in.pipeline.js';

/** What a browser gets from a sign-in: the session cookie and the user, or a challenge and no session. */
@Injectable()
export class SignInResponder {
  constructor(
    private readonly session: SessionCookie,
    private readonly challenge: ChallengeCookie,
  ) {}

  answer(res: Response, result: SignInResult): UserResponseDto | TwoFactorChallengeDto {
    if (result.outcome === 'challenge') {
      this.challenge.set(res, result.challenge);
      return { twoFactorRequired: true, challenge: result.challenge.token, methods: SECOND_FACTOR_METHODS };
    }
    this.session.set(res, result.token, result.expiresAt);
    return toUserResponse(result.user);
  }
}
