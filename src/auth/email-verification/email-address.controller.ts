import { Body, Controller, Get, HttpCode, HttpStatus, Post, Put } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AllowUnverified } from '../../common/decorators/allow-unverified.decorator.js';
import { CurrentAuth } from '../../common/decorators/current-auth.decorator.js';
import { Public } from '../../common/decorators/public.decorator.js';
import { Client } from '../../common/decorators/client.decorator.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { ApiError, ApiTooManyAttempts } from '../../common/openapi/api-error.decorator.js';
import { ApiSession } from '../../common/openapi/api-session.decorator.js';
import type { AppConfig } from '../../config/app-config.js';
import { UserResponseDto } from '../../users/dto/user-response.dto.js';
import { toUserResponse } from '../../users/user.mapper.js';
import type { AuthContext } from '../../common/auth-context.js';
import { MessageResponseDto } from '../dto/message-response.dto.js';
import { RateLimited } from '../throttling/auth-throttler.guard.js';
import { ChangeEmailDto } from './dto/change-email.dto.js';
import { EmailTokenDto } from './dto/email-token.dto.js';
import { EmailChangeService } from './email-change.service.js';
import { EmailVerificationService } from './email-verification.service.js';
import { INVALID_TOKEN } from '../password-reset/password-reset.service.js';
import { ApiNoPassword, WRONG_CURRENT_PASSWORD } from '../password/password-confirmation.js';
import { VERIFY_EMAIL_SCRIPT, verifyEmailPage } from './verify-email-page.js';
import { LinkPageRoute, LinkPageScriptRoute } from '../email-tokens/link-page.routes.js';

const INVALID_TOKEN_DOC = 'The token is bad, expired or used.';

@Controller('auth')
@ApiTags('Email address')
export class EmailAddressController {
  private readonly page: string;

  constructor(
    private readonly verification: EmailVerificationService,
    private readonly change: EmailChangeService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.page = verifyEmailPage(config.get('mail.appUrl', { infer: true }));
  }

  /**
   * The page the emailed link opens (a new account's address, or the new one of an email change).
   * Opening it changes nothing, so a mail scanner that fetches the link confirms nothing: its button
   * posts the token to POST verify-email, then the page opens APP_URL.
   */
  @Public()
  @Get('verify-email')
  @LinkPageRoute()
  verifyEmailPage(): string {
    return this.page;
  }

  /** The verification page's script (the CSP allows no inline script). */
  @Public()
  @Get('verify-email.js')
  @LinkPageScriptRoute()
  verifyEmailScript(): string {
    return VERIFY_EMAIL_SCRIPT;
  }

  /** Confirms the address with the token from the emailed link: the link's page posts it, and so may an app. */
  @Public()
  @RateLimited()
  @Post('verify-email')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: UserResponseDto,
    description: 'The user, with `emailVerified: true`.',
  })
  @ApiError(400, INVALID_TOKEN_DOC, INVALID_TOKEN)
  @ApiError(409, 'The new address of an email change was taken meanwhile.', 'Email already exists')
  @ApiTooManyAttempts('Too many requests from this client.')
  async verify(@Body() dto: EmailTokenDto, @Client() client: ClientInfo): Promise<UserResponseDto> {
    return toUserResponse(await this.verification.verify(dto.token, client));
  }

  /** Emails a new confirmation link to the signed-in user's address (at most 3 per hour). */
  @AllowUnverified()
  @RateLimited()
  @Post('resend-verification')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiSession()
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiTooManyAttempts('Too many requests from this client or for this account.')
  async resendVerification(@CurrentAuth() auth: AuthContext): Promise<MessageResponseDto> {
    return { message: await this.verification.resend(auth.user) };
  }

  /**
   * Starts an email change: after the password is checked, a confirmation link goes to the new
   * address and the current one is told. The address changes when the link is used.
   */
  @AllowUnverified()
  @RateLimited()
  @Put('email')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiSession('Current password is incorrect, or no valid session.', WRONG_CURRENT_PASSWORD)
  @ApiNoPassword()
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiError(
    400,
    'Invalid fields, or the new address is the current one.',
    'newEmail must be a valid email address',
    'newEmail must differ from the current email',
  )
  @ApiError(409, 'Email already exists.', 'Email already exists')
  @ApiTooManyAttempts(
    'Too many requests from this client, too many email changes for this account or to this address, or too many wrong passwords.',
  )
  async changeEmail(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: ChangeEmailDto,
    @Client() client: ClientInfo,
  ): Promise<MessageResponseDto> {
    await this.change.requestChange(auth.user, dto.newEmail, dto.password, client);
    return { message: `A confirmation link was sent to ${dto.newEmail}` };
  }
}
