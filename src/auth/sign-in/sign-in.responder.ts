import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { UserResponseDto } from '../../users/dto/user-response.dto.js';
import { toUserResponse } from '../../users/user.mapper.js';
import { SessionCookie } from '../sessions/session-cookie.js';
import { KnownDevices } from '../throttling/known-devices.js';
import { ChallengeCookie } from '../two-factor/challenge-cookie.js';
import {
  SECOND_FACTOR_METHODS,
  type TwoFactorChallengeDto,
} from '../two-factor/dto/two-factor-responses.dto.js';
import type { SignedInSession, SignInResult } from './sign-in.pipeline.js';

/**
 * What a browser gets from a sign-in: the session and known-device cookies and the user, or a challenge
 * and no session.
 */
@Injectable()
export class SignInResponder {
  constructor(
    private readonly session: SessionCookie,
    private readonly challenge: ChallengeCookie,
    private readonly devices: KnownDevices,
  ) {}

  answer(res: Response, result: SignInResult): UserResponseDto | TwoFactorChallengeDto {
    if (result.outcome === 'challenge') {
      this.challenge.set(res, result.challenge);
      return { twoFactorRequired: true, challenge: result.challenge.token, methods: SECOND_FACTOR_METHODS };
    }
    return this.signedIn(res, result);
  }

  /** The session cookie, and the known-device cookie that keeps this browser's logins apart. */
  signedIn(res: Response, session: SignedInSession): UserResponseDto {
    this.session.set(res, session.token, session.expiresAt);
    this.devices.set(res, session.knownDevice);
    return toUserResponse(session.user);
  }
}
