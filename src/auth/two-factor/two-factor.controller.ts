import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../common/auth-context.js';
import { CurrentAuth } from '../../common/decorators/current-auth.decorator.js';
import { Public } from '../../common/decorators/public.decorator.js';
import { clientInfo, type ClientInfo } from '../../common/http/client-info.js';
import { Client } from '../../common/decorators/client.decorator.js';
import { ApiError, ApiTooManyAttempts } from '../../common/openapi/api-error.decorator.js';
import { ApiSession } from '../../common/openapi/api-session.decorator.js';
import { UserResponseDto } from '../../users/dto/user-response.dto.js';
import { INVALID_CREDENTIALS } from '../auth.constants.js';
import { ApiNoPassword, WRONG_CURRENT_PASSWORD } from '../password/password-confirmation.js';
import { SESSION_COOKIE_HEADER } from '../sessions/session-cookie.js';
import { SignInResponder } from '../sign-in/sign-in.responder.js';
import { RateLimited } from '../throttling/auth-throttler.guard.js';
import { ChallengeCookie } from './challenge-cookie.js';
import {
  ConfirmPasswordDto,
  DisableTwoFactorDto,
  EnableTwoFactorDto,
  VerifyTwoFactorDto,
} from './dto/two-factor-requests.dto.js';
import {
  RecoveryCodesDto,
  TwoFactorChallengeDto,
  TwoFactorDisabledDto,
  TwoFactorSetupDto,
  TwoFactorStatusDto,
} from './dto/two-factor-responses.dto.js';
import { INVALID_CODE } from './second-factor.verifier.js';
import {
  CHALLENGE_REQUIRED,
  INVALID_CHALLENGE,
  ONE_CODE,
  TwoFactorSignIn,
} from './two-factor-sign-in.service.js';
import { ALREADY_ENABLED, NO_SETUP, NOT_ENABLED, TwoFactorService } from './two-factor.service.js';

const WRONG_PASSWORD_DOC = 'Wrong password, or no valid session.';
const TOO_MANY_ON_ACCOUNT = 'Too many wrong passwords or codes on this account.';

@Controller('auth/2fa')
@ApiTags('Two-factor sign-in')
export class TwoFactorController {
  constructor(
    private readonly twoFactor: TwoFactorService,
    private readonly signIn: TwoFactorSignIn,
    private readonly responder: SignInResponder,
    private readonly challengeCookie: ChallengeCookie,
  ) {}

  /** Whether the caller's sign-in asks for a second factor, and how many recovery codes are left. */
  @Get()
  @ApiOkResponse({ type: TwoFactorStatusDto })
  @ApiSession()
  twoFactorStatus(@CurrentAuth() auth: AuthContext): Promise<TwoFactorStatusDto> {
    return this.twoFactor.status(auth.user._id);
  }

  /**
   * Starts the set-up, after the password: a new secret for the authenticator app, as text, as an
   * `otpauth://` URI and as a QR code. Sign-in does not change until enable confirms a first code;
   * a new setup before that replaces the secret.
   */
  @Post('setup')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: TwoFactorSetupDto })
  @ApiError(400, 'The password is missing.', 'password must be a string')
  @ApiSession(WRONG_PASSWORD_DOC, WRONG_CURRENT_PASSWORD)
  @ApiNoPassword()
  @ApiError(409, 'Two-factor sign-in is already on.', ALREADY_ENABLED)
  @ApiTooManyAttempts(TOO_MANY_ON_ACCOUNT)
  setUpTwoFactor(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: ConfirmPasswordDto,
  ): Promise<TwoFactorSetupDto> {
    return this.twoFactor.setup(auth.user, dto.password);
  }

  /**
   * Turns two-factor sign-in on with a first code from the authenticator app. Answers ten recovery
   * codes, this once. Every other session of the user ends, and the user is mailed a notice.
   */
  @Post('enable')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiError(400, 'A wrong code (nothing changes), or no setup to confirm.', INVALID_CODE, NO_SETUP)
  @ApiSession()
  @ApiError(409, 'Two-factor sign-in is already on.', ALREADY_ENABLED)
  enableTwoFactor(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: EnableTwoFactorDto,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    return this.twoFactor.enable(auth, dto.code, client);
  }

  /**
   * The second step of signing in: the challenge login answered with (or its cookie) and a code of
   * the authenticator app or a recovery code. Answers as login does, with the `jwt` session cookie.
   * Each code works once; after 5 answers the challenge is dead, and it expires after 5 minutes.
   */
  @Public()
  @RateLimited()
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: UserResponseDto,
    description: 'The user; a new session cookie is set.',
    headers: SESSION_COOKIE_HEADER,
  })
  @ApiError(400, 'No challenge, or not exactly one of code and recoveryCode.', CHALLENGE_REQUIRED, ONE_CODE)
  @ApiError(
    401,
    'A wrong or already used code; a challenge that is unknown, expired, used or out of answers; or a password changed since login.',
    INVALID_CODE,
    INVALID_CHALLENGE,
    INVALID_CREDENTIALS,
  )
  @ApiTooManyAttempts(
    'Too many attempts from this client, or too many wrong passwords or codes on this account.',
  )
  async verifyTwoFactor(
    @Body() dto: VerifyTwoFactorDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponseDto | TwoFactorChallengeDto> {
    const result = await this.signIn.verify(dto, this.challengeCookie.read(req), clientInfo(req));
    this.challengeCookie.clear(res);
    return this.responder.answer(res, result);
  }

  /** Ten new recovery codes, after the password; every older one stops working. */
  @Post('recovery-codes')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: RecoveryCodesDto })
  @ApiError(400, 'The password is missing.', 'password must be a string')
  @ApiSession(WRONG_PASSWORD_DOC, WRONG_CURRENT_PASSWORD)
  @ApiNoPassword()
  @ApiError(409, 'Two-factor sign-in is off.', NOT_ENABLED)
  @ApiTooManyAttempts(TOO_MANY_ON_ACCOUNT)
  regenerateRecoveryCodes(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: ConfirmPasswordDto,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    return this.twoFactor.regenerateRecoveryCodes(auth.user, dto.password, client);
  }

  /** Turns two-factor sign-in off, with the password and a code (or a recovery code); mails a notice. */
  @Post('disable')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: TwoFactorDisabledDto })
  @ApiError(
    400,
    'A missing field, or a wrong or already used code.',
    INVALID_CODE,
    'password must be a string',
  )
  @ApiSession(WRONG_PASSWORD_DOC, WRONG_CURRENT_PASSWORD)
  @ApiNoPassword()
  @ApiError(409, 'Two-factor sign-in is off.', NOT_ENABLED)
  @ApiTooManyAttempts(TOO_MANY_ON_ACCOUNT)
  disableTwoFactor(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: DisableTwoFactorDto,
    @Client() client: ClientInfo,
  ): Promise<TwoFactorDisabledDto> {
    return this.twoFactor.disable(auth.user, dto.password, dto.code, client);
  }
}
