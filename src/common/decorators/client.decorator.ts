import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { clientInfo, type ClientInfo } from '../http/client-info.js';

/** Who is asking (IP, device, request id), for the sessions and security events a route records. */
export const Client = createParamDecorator((_data: unknown, ctx: ExecutionContext): ClientInfo =>
  clientInfo(ctx.switchToHttp().getRequest<Request>()),
);
