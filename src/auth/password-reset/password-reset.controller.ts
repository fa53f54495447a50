import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiAcceptedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/decorators/public.decorator.js';
import { Client } from '../../common/decorators/client.decorator.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { ApiError, ApiTooManyAttempts } from '../../common/openapi/api-error.decorator.js';
import type { AppConfig } from '../../config/app-config.js';
import { MessageResponseDto } from '../dto/message-response.dto.js';
import { RateLimited } from '../throttling/auth-throttler.guard.js';
import { ForgotPasswordDto } from './dto/forgot-password.dto.js';
import { ResetPasswordDto } from './dto/reset-password.dto.js';
import { INVALID_TOKEN, PasswordResetService, RESET_LINK_SENT } from './password-reset.service.js';
import { RESET_PASSWORD_SCRIPT, resetPasswordPage } from './reset-password-page.js';
import { LinkPageRoute, LinkPageScriptRoute } from '../email-tokens/link-page.routes.js';

const TOO_MANY = 'Too many requests from this client or for this address.';

@Controller('auth')
@ApiTags('Password reset')
@Public()
export class PasswordResetController {
  private readonly page: string;

  constructor(
    private readonly reset: PasswordResetService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.page = resetPasswordPage(
      config.get('mail.appUrl', { infer: true }),
      config.get('auth.passwordMinLength', { infer: true }),
    );
  }

  /**
   * Emails a single-use reset link (valid 30 minutes) if an account uses the address. The answer is
   * the same, and as fast, whether or not one does.
   */
  @RateLimited()
  @Post('forgot-password')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: MessageResponseDto })
  @ApiError(400, 'Missing or malformed email.', 'email must be a valid email address')
  @ApiTooManyAttempts(`${TOO_MANY} At most 3 per hour per address.`)
  async forgotPassword(
    @Body() dto: ForgotPasswordDto,
    @Client() client: ClientInfo,
  ): Promise<MessageResponseDto> {
    await this.reset.requestReset(dto.email, client);
    return { message: RESET_LINK_SENT };
  }

  /** The page the emailed link opens: a form for the new password, posted to POST reset-password. */
  @Get('reset-password')
  @LinkPageRoute()
  resetPasswordPage(): string {
    return this.page;
  }

  /** The reset page's script (the CSP allows no inline script). */
  @Get('reset-password.js')
  @LinkPageScriptRoute()
  resetPasswordScript(): string {
    return RESET_PASSWORD_SCRIPT;
  }

  /**
   * Sets a new password with the emailed token: signs out every device, clears the failed-login count
   * and emails a notice.
   */
  @RateLimited()
  @Post('reset-password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({
    description: 'Password changed; every session is revoked.',
  })
  @ApiError(
    400,
    'The token is bad, expired or used, or the new password is refused.',
    INVALID_TOKEN,
    'newPassword must be at least 8 characters long',
  )
  @ApiTooManyAttempts('Too many requests from this client.')
  resetPassword(@Body() dto: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.reset.resetPassword(dto.token, dto.newPassword, client);
  }
}
