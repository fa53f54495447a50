import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import { createValidationPipe } from '../../common/http/validation.js';
import { toUserResponse } from '../../users/user.mapper.js';
import { INVALID_CREDENTIALS } from '../auth.constants.js';
import { AuthService } from '../auth.service.js';
import { LoginDto } from '../dto/login.dto.js';
import type { ClientInfo } from '../../common/http/client-info.js';
import { OAuthError } from '../../common/http/oauth-error.js';
import { SECOND_FACTOR_REQUIRED, SecondFactorRequiredException } from '../two-factor/second-factor.gate.js';
import { InvalidSecondFactorException } from '../two-factor/second-factor.verifier.js';
import type { TokenResponseDto } from './token-response.dto.js';

const PARAMETERS = ['grant_type', 'username', 'email', 'password', 'scope', 'otp'] as const;

/**
 * `POST /api/auth/token`: login for clients that want the token in the body (RFC 6749 4.3). It is
 * login itself (throttling, failure counter, hash upgrade, session), with OAuth error codes. An
 * account with a second factor needs it in the same request, as `otp`: there is no challenge to
 * finish later.
 */
@Injectable()
export class PasswordGrantService {
  private readonly validation = createValidationPipe();

  constructor(private readonly auth: AuthService) {}

  /** `knownDevice`: a known-device cookie, if the client kept one from a login (none is set here). */
  async grant(
    body: unknown,
    isForm: boolean,
    client: ClientInfo,
    knownDevice?: unknown,
  ): Promise<TokenResponseDto> {
    const { credentials, otp } = await this.readCredentials(body, isForm);
    try {
      // An empty otp, as a form may send, is no otp.
      const secondFactor = { kind: 'inline', code: otp || undefined } as const;
      const signedIn = await this.auth.login(credentials, client, { knownDevice, secondFactor });
      if (signedIn.outcome !== 'signed-in') throw new OAuthError('mfa_required', SECOND_FACTOR_REQUIRED);
      return {
        access_token: signedIn.token,
        token_type: 'Bearer',
        expires_in: Math.max(0, Math.floor((signedIn.expiresAt.getTime() - Date.now()) / 1000)),
        user: toUserResponse(signedIn.user),
      };
    } catch (error) {
      if (error instanceof SecondFactorRequiredException) throw new OAuthError('mfa_required', error.message);
      if (error instanceof InvalidSecondFactorException) throw new OAuthError('invalid_grant', error.message);
      if (error instanceof UnauthorizedException) throw new OAuthError('invalid_grant', INVALID_CREDENTIALS);
      throw error;
    }
  }

  private async readCredentials(
    body: unknown,
    isForm: boolean,
  ): Promise<{ credentials: LoginDto; otp: string | undefined }> {
    // RFC 6749 3.2: unrecognised parameters are ignored; known ones must appear once, as strings.
    const params = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    for (const name of PARAMETERS) {
      const value = params[name];
      if (value !== undefined && typeof value !== 'string') {
        throw new OAuthError('invalid_request', `${name} must be given once, as a string`);
      }
    }
    const {
      grant_type: grantType,
      username,
      email,
      password,
      scope,
      otp,
    } = params as Record<string, string | undefined>;
    if (grantType === undefined && isForm) throw new OAuthError('invalid_request', 'grant_type is required');
    if (grantType !== undefined && grantType !== 'password') {
      throw new OAuthError('unsupported_grant_type', 'Only the password grant type is supported');
    }
    if (username === undefined && email === undefined) {
      throw new OAuthError('invalid_request', 'username is required');
    }
    if (password === undefined) throw new OAuthError('invalid_request', 'password is required');
    if (scope) throw new OAuthError('invalid_scope', 'This API has no scopes: leave scope empty');
    try {
      const credentials = (await this.validation.transform(
        { email: username ?? email, password },
        { type: 'body', metatype: LoginDto },
      )) as LoginDto;
      return { credentials, otp };
    } catch (error) {
      if (error instanceof BadRequestException) throw new OAuthError('invalid_request', error.message);
      throw error;
    }
  }
}
