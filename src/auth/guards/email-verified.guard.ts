import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ALLOW_UNVERIFIED_KEY } from '../../common/decorators/allow-unverified.decorator.js';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator.js';
import type { AppConfig } from '../../config/app-config.js';
import type { AuthContext } from '../../common/auth-context.js';

export const EMAIL_NOT_VERIFIED = 'Email not verified';

/** Global, after the session guard: with REQUIRE_EMAIL_VERIFICATION, unverified users reach only a few routes. */
@Injectable()
export class EmailVerifiedGuard implements CanActivate {
  private readonly required: boolean;

  constructor(
    private readonly reflector: Reflector,
    config: ConfigService<AppConfig, true>,
  ) {
    this.required = config.get('mail.requireEmailVerification', {
      infer: true,
    });
  }

  canActivate(context: ExecutionContext): boolean {
    // Sockets authenticate their own way.
    if (!this.required || context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(ALLOW_UNVERIFIED_KEY, targets)) return true;
    const auth = context.switchToHttp().getRequest<Request>().user as AuthContext | undefined;
    if (auth?.user.emailVerified) return true;
    throw new ForbiddenException(EMAIL_NOT_VERIFIED);
  }
}
