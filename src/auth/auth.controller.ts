import { Body, Controller, Get, HttpCode, HttpStatus, Post, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCookieAuth,
  ApiBearerAuth,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiOkResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowUnverified } from '../common/decorators/allow-unverified.decorator.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { UserResponseDto } from '../users/dto/user-response.dto.js';
import { toUserResponse } from '../users/user.mapper.js';
import type { AuthContext } from './auth-context.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';
import { MessageResponseDto } from './dto/message-response.dto.js';
import { SignupDto } from './dto/signup.dto.js';
import { AuthThrottlerGuard } from './guards/auth-throttler.guard.js';
import { SessionCookie } from './session-cookie.js';
import { clientInfo } from './client-info.js';
import { extractSessionToken } from './strategies/jwt-cookie.strategy.js';

const SESSION_COOKIE_HEADER = {
  'Set-Cookie': {
    description: '`jwt=<token>; Max-Age=<lifetime>; Path=/; HttpOnly; SameSite=Lax` (Secure in production)',
    schema: { type: 'string' },
  },
};

@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly cookie: SessionCookie,
  ) {}

  /** Creates an account and signs it in (sets the `jwt` session cookie). */
  @Public()
  @UseGuards(AuthThrottlerGuard)
  @Post('signup')
  @ApiCreatedResponse({
    type: UserResponseDto,
    description: 'The new user; the session cookie is set.',
    headers: SESSION_COOKIE_HEADER,
  })
  @ApiBadRequestResponse({ description: 'Invalid fields, or a too short or too common password.' })
  @ApiConflictResponse({ description: 'Email already exists.' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this client.' })
  async signup(
    @Body() dto: SignupDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponseDto> {
    const signedIn = await this.auth.signup(dto, clientInfo(req));
    this.cookie.set(res, signedIn.token, signedIn.expiresAt);
    return toUserResponse(signedIn.user);
  }

  /** Signs in with email and password; starts a new session (sets the `jwt` cookie). */
  @Public()
  @UseGuards(AuthThrottlerGuard)
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: UserResponseDto,
    description: 'The user; a new session cookie is set.',
    headers: SESSION_COOKIE_HEADER,
  })
  @ApiUnauthorizedResponse({ description: 'Invalid email or password.' })
  @ApiTooManyRequestsResponse({ description: 'Too many attempts from this client or on this account.' })
  async login(
    @Body() dto: LoginDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponseDto> {
    const signedIn = await this.auth.login(dto, clientInfo(req));
    this.cookie.set(res, signedIn.token, signedIn.expiresAt);
    return toUserResponse(signedIn.user);
  }

  /** Revokes the current session and clears the cookie. Answers 200 also without a session. */
  @Public()
  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: MessageResponseDto })
  async logout(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<MessageResponseDto> {
    // Cleared first, so the browser is signed out even if the server cannot revoke right now.
    this.cookie.clear(res);
    await this.auth.logout(extractSessionToken(req));
    return { message: 'Logged out successfully' };
  }

  /** The signed-in user. */
  @AllowUnverified()
  @Get('check')
  @ApiOkResponse({ type: UserResponseDto })
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiUnauthorizedResponse({ description: 'No valid session.' })
  check(@CurrentAuth() auth: AuthContext): UserResponseDto {
    return toUserResponse(auth.user);
  }
}
