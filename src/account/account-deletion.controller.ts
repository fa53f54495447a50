import { Body, Controller, Delete, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { Client } from '../common/decorators/client.decorator.js';
import type { ClientInfo } from '../common/http/client-info.js';
import { ApiError, ApiTooManyAttempts } from '../common/openapi/api-error.decorator.js';
import { ApiSession } from '../common/openapi/api-session.decorator.js';
import { AccountService } from './account.service.js';
import { ApiNoPassword, WRONG_CURRENT_PASSWORD } from '../auth/password/password-confirmation.js';
import type { AuthContext } from '../common/auth-context.js';
import { DeleteAccountDto } from './dto/delete-account.dto.js';
import { SessionCookie } from '../auth/sessions/session-cookie.js';

/** `DELETE /api/users/me`: it needs the password check, the sessions and the media store. */
@Controller('users')
@ApiTags('Account')
export class AccountDeletionController {
  constructor(
    private readonly account: AccountService,
    private readonly cookie: SessionCookie,
  ) {}

  /** Deletes the account, its sessions and its profile picture. The email can sign up again. */
  @Delete('me')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The account is gone; the cookie is cleared.' })
  @ApiError(400, 'The password is missing.', 'password must be a string')
  @ApiSession('Wrong password, or no valid session.', WRONG_CURRENT_PASSWORD)
  @ApiNoPassword()
  @ApiTooManyAttempts(
    'Too many wrong current passwords on this account (a limit of its own, apart from login).',
  )
  async deleteMe(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: DeleteAccountDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.account.deleteAccount(auth, dto.password, client);
    this.cookie.clear(res);
  }
}
