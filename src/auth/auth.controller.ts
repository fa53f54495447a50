import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowUnverified } from '../common/decorators/allow-unverified.decorator.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { ApiError, ApiTooManyAttempts } from '../common/openapi/api-error.decorator.js';
import { ApiSession } from '../common/openapi/api-session.decorator.js';
import { UserResponseDto } from '../users/dto/user-response.dto.js';
import { toUserResponse } from '../users/user.mapper.js';
import type { AuthContext } from '../common/auth-context.js';
import { INVALID_CREDENTIALS, SIGN_IN_BUCKET } from './auth.constants.js';
import { AuthService } from './auth.service.js';
import { clientInfo } from '../common/http/client-info.js';
import { LoginDto } from './dto/login.dto.js';
import { MessageResponseDto } from './dto/message-response.dto.js';
import { SignupDto } from './dto/signup.dto.js';
import { CROSS_SITE_REFUSED, OriginChecked } from './guards/csrf-origin.guard.js';
import { RateLimited, ThrottleBucket } from './throttling/auth-throttler.guard.js';
import { PasswordGrantService } from './oauth/password-grant.service.js';
import { TokenRequestDto } from './oauth/token-request.dto.js';
import { TokenResponseDto } from './oauth/token-response.dto.js';
import { SESSION_COOKIE_HEADER, SessionCookie } from './sessions/session-cookie.js';
import { SignInResponder } from './sign-in/sign-in.responder.js';
import { TwoFactorChallengeDto } from './two-factor/dto/two-factor-responses.dto.js';
import { SECOND_FACTOR_REQUIRED } from './two-factor/second-factor.gate.js';
import { INVALID_CODE } from './two-factor/second-factor.verifier.js';
import { KnownDevices } from './throttling/known-devices.js';
import { extractSessionToken } from './strategies/jwt-cookie.strategy.js';

const CHALLENGE_COOKIE_HEADER = {
  'Set-Cookie': {
    description:
      'With a session: `jwt=<token>; Max-Age=<lifetime>; Path=/; HttpOnly; SameSite=Lax` (Secure in production), and ' +
      '`known_device=<signed id>; Max-Age=31536000; Path=/api/auth; HttpOnly; SameSite=Lax` (this browser signed in before, so its ' +
      "later logins are not locked by other people's wrong passwords). With a challenge instead: " +
      '`2fa_challenge=<challenge>; Max-Age=300; Path=/api/auth/2fa; HttpOnly; SameSite=Lax`.',
    schema: { type: 'string' },
  },
};

@Controller('auth')
@ApiTags('Auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly passwordGrant: PasswordGrantService,
    private readonly cookie: SessionCookie,
    private readonly responder: SignInResponder,
    private readonly devices: KnownDevices,
  ) {}

  /** Creates an account and signs it in (sets the `jwt` session cookie). */
  @Public()
  @RateLimited()
  @Post('signup')
  @ApiCreatedResponse({
    type: UserResponseDto,
    description: 'The new user; the session cookie is set.',
    headers: SESSION_COOKIE_HEADER,
  })
  @ApiError(
    400,
    'Invalid fields, or a too short or too common password.',
    'email must be a valid email address',
    'password must be at least 8 characters long',
    'password is too common, please choose a less guessable one',
  )
  @ApiError(409, 'Email already exists.', 'Email already exists')
  @ApiTooManyAttempts('Too many attempts from this client.')
  async signup(
    @Body() dto: SignupDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponseDto> {
    return this.responder.signedIn(res, await this.auth.signup(dto, clientInfo(req)));
  }

  /**
   * Signs in with email and password; starts a new session (sets the `jwt` cookie). For an account
   * with two-factor sign-in, answers a challenge instead, and no session: finish at
   * POST /api/auth/2fa/verify.
   */
  @Public()
  @RateLimited()
  @ThrottleBucket(SIGN_IN_BUCKET)
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiExtraModels(UserResponseDto, TwoFactorChallengeDto)
  @ApiOkResponse({
    description:
      'The user, and a new session cookie; or, for an account with two-factor sign-in, a challenge and no session.',
    schema: {
      oneOf: [{ $ref: getSchemaPath(UserResponseDto) }, { $ref: getSchemaPath(TwoFactorChallengeDto) }],
    },
    headers: CHALLENGE_COOKIE_HEADER,
  })
  @ApiError(400, 'Missing or malformed fields.', 'email must be a string')
  @ApiError(401, 'Invalid email or password.', INVALID_CREDENTIALS)
  @ApiTooManyAttempts(
    'Too many attempts from this client, too many failed passwords on this account from this network, or (without a known-device cookie) from everywhere.',
  )
  async login(
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponseDto | TwoFactorChallengeDto> {
    return this.responder.answer(
      res,
      await this.auth.login(dto, clientInfo(req), { knownDevice: this.devices.read(req) }),
    );
  }

  /**
   * OAuth 2.0 password grant (RFC 6749 4.3): signs in like login but returns the session token in the
   * body and sets no cookie. Send it as `Authorization: Bearer <access_token>`; logout ends it.
   * Takes the OAuth form (`grant_type=password&username=EMAIL&password=...`) or the login JSON.
   */
  @Public()
  @OriginChecked()
  @RateLimited()
  @ThrottleBucket(SIGN_IN_BUCKET)
  @Post('token')
  @HttpCode(HttpStatus.OK)
  @Header('Pragma', 'no-cache')
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: TokenResponseDto, description: 'A new session; its token is in the body.' })
  @ApiError(
    400,
    'RFC 6749 5.2 error: `error` is the OAuth error code.',
    { message: INVALID_CREDENTIALS, error: 'invalid_grant' },
    { message: INVALID_CODE, error: 'invalid_grant', summary: 'A wrong or already used otp' },
    { message: 'Only the password grant type is supported', error: 'unsupported_grant_type' },
    { message: 'grant_type is required', error: 'invalid_request' },
    { message: 'This API has no scopes: leave scope empty', error: 'invalid_scope' },
  )
  @ApiError(
    403,
    'The account uses two-factor sign-in and `otp` was not sent (`error`: `mfa_required`); or a browser from another site sent it (Sec-Fetch-Site: cross-site or a foreign Origin): a page cannot make its visitors sign in here. Clients that are not browsers send neither header.',
    { message: SECOND_FACTOR_REQUIRED, error: 'mfa_required' },
    CROSS_SITE_REFUSED,
  )
  @ApiTooManyAttempts(
    'Too many attempts from this client, too many failed passwords on this account from this network, or from everywhere (counted with login).',
  )
  token(@Body() body: Record<string, unknown>, @Req() req: Request): Promise<TokenResponseDto> {
    const isForm = Boolean(req.is('application/x-www-form-urlencoded'));
    return this.passwordGrant.grant(body, isForm, clientInfo(req), this.devices.read(req));
  }

  /** Revokes the current session (cookie or bearer token) and clears the cookie. Answers 200 also without a session. */
  @Public()
  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: MessageResponseDto })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<MessageResponseDto> {
    // Cleared first, so the browser is signed out even if the server cannot revoke right now.
    this.cookie.clear(res);
    await this.auth.logout(extractSessionToken(req), clientInfo(req));
    return { message: 'Logged out successfully' };
  }

  /** The signed-in user. */
  @AllowUnverified()
  @Get('check')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiSession()
  checkAuth(@CurrentAuth() auth: AuthContext): UserResponseDto {
    return toUserResponse(auth.user);
  }
}
