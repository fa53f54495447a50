import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCookieAuth,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { ObjectIdPipe } from '../common/pipes/object-id.pipe.js';
import { AccountService } from './account.service.js';
import type { AuthContext } from './auth-context.js';
import { ChangePasswordDto } from './dto/change-password.dto.js';
import { SessionResponseDto } from './dto/session-response.dto.js';
import { SessionCookie } from './session-cookie.js';

@Controller('auth')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'No valid session.' })
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
  @ApiBadRequestResponse({ description: 'Malformed id.' })
  @ApiNotFoundResponse({ description: 'No such session of the caller.' })
  revokeSession(
    @CurrentAuth() auth: AuthContext,
    @Param('id', ObjectIdPipe) id: string,
  ): Promise<void> {
    return this.account.revokeSession(auth, id);
  }

  /** Signs every device out, this one included, and clears the cookie. */
  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Every session is revoked.' })
  async logoutAll(
    @CurrentAuth() auth: AuthContext,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.account.logoutEverywhere(auth);
    this.cookie.clear(res);
  }

  /** Changes the password; every other session is revoked, this one stays signed in. */
  @Put('password')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Password changed.' })
  @ApiBadRequestResponse({ description: 'The new password is too short, too common or unchanged.' })
  @ApiUnauthorizedResponse({ description: 'Current password is incorrect, or no valid session.' })
  @ApiTooManyRequestsResponse({ description: 'Too many wrong passwords on this account.' })
  changePassword(@CurrentAuth() auth: AuthContext, @Body() dto: ChangePasswordDto): Promise<void> {
    return this.account.changePassword(auth, dto);
  }
}
