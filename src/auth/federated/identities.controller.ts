import { Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../common/auth-context.js';
import { CurrentAuth } from '../../common/decorators/current-auth.decorator.js';
import { Client } from '../../common/decorators/client.decorator.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { ApiError } from '../../common/openapi/api-error.decorator.js';
import { ApiSession } from '../../common/openapi/api-session.decorator.js';
import { IdentityResponseDto } from './dto/identity-response.dto.js';
import { IDENTITY_NOT_LINKED, LAST_SIGN_IN_METHOD, LinkedIdentities } from './linked-identities.service.js';

@Controller('auth/identities')
@ApiTags('Sign-in providers')
@ApiSession()
export class IdentitiesController {
  constructor(private readonly identities: LinkedIdentities) {}

  /** The provider accounts that sign in to the caller's account, oldest first. */
  @Get()
  @ApiOkResponse({ type: [IdentityResponseDto] })
  listIdentities(@CurrentAuth() auth: AuthContext): Promise<IdentityResponseDto[]> {
    return this.identities.list(auth.user);
  }

  /** Removes the caller's provider account of `provider` (`google`, `github`, `oidc`), unless it is their last way to sign in. */
  @Delete(':provider')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'It no longer signs in to the account; the owner is told by mail.' })
  @ApiError(404, 'No account of that provider is linked.', IDENTITY_NOT_LINKED)
  @ApiError(
    409,
    'It is the last way to sign in: no password, no other identity, no passkey.',
    LAST_SIGN_IN_METHOD,
  )
  unlinkIdentity(
    @CurrentAuth() auth: AuthContext,
    @Param('provider') provider: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.identities.unlink(auth.user, provider, client);
  }
}
