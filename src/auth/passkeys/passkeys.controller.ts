import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../common/auth-context.js';
import { CurrentAuth } from '../../common/decorators/current-auth.decorator.js';
import { Public } from '../../common/decorators/public.decorator.js';
import { clientInfo, type ClientInfo } from '../../common/http/client-info.js';
import { Client } from '../../common/decorators/client.decorator.js';
import { ApiError, ApiTooManyAttempts } from '../../common/openapi/api-error.decorator.js';
import { ApiSession } from '../../common/openapi/api-session.decorator.js';
import { INVALID_OBJECT_ID, ObjectIdPipe } from '../../common/pipes/object-id.pipe.js';
import { UserResponseDto } from '../../users/dto/user-response.dto.js';
import { SIGN_IN_BUCKET } from '../auth.constants.js';
import { WRONG_CURRENT_PASSWORD } from '../password/password-confirmation.js';
import { SESSION_COOKIE_HEADER } from '../sessions/session-cookie.js';
import { SignInResponder } from '../sign-in/sign-in.responder.js';
import { RateLimited, ThrottleBucket } from '../throttling/auth-throttler.guard.js';
import { PasskeyCreationOptionsDto, PasskeyRequestOptionsDto } from './dto/passkey-options.dto.js';
import {
  authenticationResponseOf,
  PasskeySignInDto,
  RegisterPasskeyDto,
  registrationResponseOf,
  RenamePasskeyDto,
  StepUpDto,
} from './dto/passkey-requests.dto.js';
import { PasskeyResponseDto } from './dto/passkey-response.dto.js';
import {
  ALREADY_REGISTERED,
  PasskeyRegistration,
  REGISTRATION_FAILED,
  TOO_MANY_PASSKEYS,
} from './passkey-registration.service.js';
import { PASSKEY_SIGN_IN_FAILED, PasskeySignIn } from './passkey-sign-in.service.js';
import { LAST_SIGN_IN_METHOD, PASSKEY_NOT_FOUND, PasskeysService } from './passkeys.service.js';
import { STEP_UP_REQUIRED } from './step-up.js';

const STEP_UP_DOC =
  'The session signed in more than 10 minutes ago and no password was sent, a wrong password, or no valid session.';
const TOO_MANY_PASSWORDS =
  'Too many wrong current passwords on this account (a limit of its own, apart from login).';

@Controller('auth/passkeys')
@ApiTags('Passkeys')
export class PasskeysController {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly registration: PasskeyRegistration,
    private readonly signIn: PasskeySignIn,
    private readonly responder: SignInResponder,
  ) {}

  /**
   * Creation options for `navigator.credentials.create()`, to add a passkey to the caller's account.
   * Needs the password unless the session signed in less than 10 minutes ago. The challenge works
   * once, for 5 minutes, for this user only.
   */
  @Post('registration-options')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: PasskeyCreationOptionsDto })
  @ApiError(400, 'A malformed password field.', 'password must be a string')
  @ApiSession(STEP_UP_DOC, STEP_UP_REQUIRED, WRONG_CURRENT_PASSWORD)
  @ApiError(409, 'The account has as many passkeys as it may.', TOO_MANY_PASSKEYS)
  @ApiTooManyAttempts(TOO_MANY_PASSWORDS)
  passkeyRegistrationOptions(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: StepUpDto,
  ): Promise<PasskeyCreationOptionsDto> {
    return this.registration.options(auth, dto.password);
  }

  /**
   * Adds the passkey `navigator.credentials.create()` made with those options, sent as JSON
   * (`PublicKeyCredential.toJSON()` or `startRegistration()` of `@simplewebauthn/browser`). The
   * account's owner is mailed a notice.
   */
  @Post('registration')
  @ApiCreatedResponse({ type: PasskeyResponseDto })
  @ApiError(
    400,
    'The credential was refused (a challenge not issued to this user, expired or used; another origin or RP ID; no user verification; a bad attestation), or a malformed field.',
    REGISTRATION_FAILED,
    'name must be 1 to 64 characters long',
  )
  @ApiSession()
  @ApiError(
    409,
    'The credential is registered already, or the account has as many passkeys as it may.',
    ALREADY_REGISTERED,
    TOO_MANY_PASSKEYS,
  )
  registerPasskey(
    @CurrentAuth() auth: AuthContext,
    @Body() dto: RegisterPasskeyDto,
    @Client() client: ClientInfo,
  ): Promise<PasskeyResponseDto> {
    return this.registration.register(auth, registrationResponseOf(dto), client, dto.name);
  }

  /** The caller's passkeys, oldest first. */
  @Get()
  @ApiOkResponse({ type: [PasskeyResponseDto] })
  @ApiSession()
  listPasskeys(@CurrentAuth() auth: AuthContext): Promise<PasskeyResponseDto[]> {
    return this.passkeys.list(auth.user._id);
  }

  /** Renames one of the caller's passkeys. */
  @Patch(':id')
  @ApiOkResponse({ type: PasskeyResponseDto })
  @ApiError(400, 'A malformed id or name.', INVALID_OBJECT_ID, 'name must be 1 to 64 characters long')
  @ApiSession()
  @ApiError(404, 'No such passkey of the caller.', PASSKEY_NOT_FOUND)
  renamePasskey(
    @CurrentAuth() auth: AuthContext,
    @Param('id', ObjectIdPipe) id: string,
    @Body() dto: RenamePasskeyDto,
  ): Promise<PasskeyResponseDto> {
    return this.passkeys.rename(auth.user._id, id, dto.name);
  }

  /**
   * Removes one of the caller's passkeys: it no longer signs in. Needs the password unless the
   * session signed in less than 10 minutes ago, and is refused for the account's last way to sign
   * in. The owner is mailed a notice.
   */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'The passkey is gone.' })
  @ApiError(400, 'A malformed id or password field.', INVALID_OBJECT_ID, 'password must be a string')
  @ApiSession(STEP_UP_DOC, STEP_UP_REQUIRED, WRONG_CURRENT_PASSWORD)
  @ApiError(404, 'No such passkey of the caller.', PASSKEY_NOT_FOUND)
  @ApiError(409, 'It is the last way left to sign in to the account.', LAST_SIGN_IN_METHOD)
  @ApiTooManyAttempts(TOO_MANY_PASSWORDS)
  removePasskey(
    @CurrentAuth() auth: AuthContext,
    @Param('id', ObjectIdPipe) id: string,
    @Body() dto: StepUpDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.passkeys.remove(auth, id, dto.password, client);
  }

  /**
   * Request options for `navigator.credentials.get()`, to sign in with a passkey: no email, an empty
   * `allowCredentials` (the authenticator offers the passkeys it holds for this site). The challenge
   * works once, for 5 minutes.
   */
  @Public()
  @RateLimited()
  @Post('authentication-options')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: PasskeyRequestOptionsDto })
  @ApiTooManyAttempts('Too many attempts from this client.')
  passkeyAuthenticationOptions(): Promise<PasskeyRequestOptionsDto> {
    return this.signIn.options();
  }

  /**
   * Signs in with the passkey `navigator.credentials.get()` chose, sent as JSON
   * (`PublicKeyCredential.toJSON()` or `startAuthentication()` of `@simplewebauthn/browser`). Answers
   * as login does, with the `jwt` session cookie. A passkey verifies its user, so it counts as both
   * factors: no two-factor challenge follows.
   */
  @Public()
  @RateLimited()
  @ThrottleBucket(SIGN_IN_BUCKET)
  @Post('authentication')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({
    type: UserResponseDto,
    description: 'The user; a new session cookie is set.',
    headers: SESSION_COOKIE_HEADER,
  })
  @ApiError(
    400,
    'The response field is missing or not an object.',
    'response must be the credential as JSON (AuthenticationResponseJSON)',
  )
  @ApiError(
    401,
    "Refused, whatever the reason: an unknown credential, a bad signature, another origin or RP ID, a challenge not issued by us, expired or used, or issued for a registration, no user verification, a counter that went backwards, a user handle that is not the owner's.",
    PASSKEY_SIGN_IN_FAILED,
  )
  @ApiTooManyAttempts('Too many attempts from this client (counted with login).')
  async signInWithPasskey(
    @Body() dto: PasskeySignInDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UserResponseDto> {
    return this.responder.signedIn(
      res,
      await this.signIn.signIn(authenticationResponseOf(dto), clientInfo(req)),
    );
  }
}
