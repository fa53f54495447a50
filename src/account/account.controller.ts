import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { Client } from '../common/decorators/client.decorator.js';
import type { ClientInfo } from '../common/http/client-info.js';
import { ApiError, ApiTooManyAttempts } from '../common/openapi/api-error.decorator.js';
import { ApiSession, ApiSessionUnauthorized } from '../common/openapi/api-session.decorator.js';
import { INVALID_OBJECT_ID, ObjectIdPipe } from '../common/pipes/object-id.pipe.js';
import { AccountService } from './account.service.js';
import { ApiNoPassword, WRONG_CURRENT_PASSWORD } from '../auth/password/password-confirmation.js';
import type { AuthContext } from '../common/auth-context.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { SessionResponseDto } from './dto/session-response.dto.js';
import { SessionCookie } from '../auth/sessions/session-cookie.js';

@Controller('auth')
@ApiTags('Sessions')
@ApiSession()
export class AccountController {
  constructor(
    private readonly account: AccountService,
    private readonly cookie: SessionCookie,
  ) {}

  /** The caller's live sessions (devices); exactly one is `current`. */
  @Get('sessions')
  @ApiOkResponse({ type: [SessionResponseDto] })
  listSessions(@CurrentAuth() auth: AuthContext): Promise<SessionResponseDto[]> {
    return this.account.listSessions(auth);
  }

  /** Signs one of the caller's devices out. */
  @Delete('sessions/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The session is revoked.' })
  @ApiError(400, 'Malformed id.', INVALID_OBJECT_ID)
  @ApiError(404, 'No such session of the caller.', 'Session not found')
  revokeSession(
    @CurrentAuth() auth: AuthContext,
    @Param('id', ObjectIdPipe) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.account.revokeSession(auth, id, client);
  }

  /** Signs every device out, this one included, and clears the cookie. */
  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Every session is revoked.' })
  async logoutAll(
    @CurrentAuth() auth: AuthContext,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.account.logoutEverywhere(auth, client);
    this.cookie.clear(res);
  }

  /** Changes the password; every other session is revoked, this one stays signed in. */
  @Put('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password changed.' })
  @ApiError(
    400,
    'The new password is too short, too common or unchanged.',
    'newPassword must be at least 8 characters long',
    'newPassword must differ from the current password',
  )
  @ApiSessionUnauthorized('Current password is incorrect, or no valid session.', WRONG_CURRENT_PASSWORD)
  @ApiNoPassword()
  @ApiTooManyAttempts(
    'Too many wrong current passwords on this account (a limit of its own, apart from login).',
  )
  changePassword(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.account.changePassword(auth, dto, client);
  }
}
