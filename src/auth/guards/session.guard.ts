import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request, Response } from 'express';
import { NOT_AUTHENTICATED, SESSION_INVALID } from '../../common/openapi/api-session.decorator.js';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator.js';
import { JWT_STRATEGY } from '../strategies/jwt-cookie.strategy.js';

/** Global: every route needs a live session unless it is marked @Public(). */
@Injectable()
export class SessionGuard extends AuthGuard(JWT_STRATEGY) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic || super.canActivate(context);
  }

  // What switchToHttp() would give, without the three closures it makes on every call.
  getRequest(context: ExecutionContext): Request {
    return context.getArgByIndex<Request>(0);
  }

  getResponse(context: ExecutionContext): Response {
    return context.getArgByIndex<Response>(1);
  }

  handleRequest<T>(error: unknown, auth: T | false, info: unknown): T {
    // A database failure while checking the session is the server's fault (503), not the client's.
    if (error) throw error;
    if (!auth) {
      const missing = info instanceof Error && info.message === 'No auth token';
      throw new UnauthorizedException(missing ? NOT_AUTHENTICATED : SESSION_INVALID);
    }
    return auth;
  }
}
