import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/app-config.js';

export const METRICS_TOKEN_REQUIRED = 'A valid metrics token is required';

/** Digests have one length whatever was sent, so the comparison takes constant time. */
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** With METRICS_TOKEN set, a scrape must send `Authorization: Bearer <METRICS_TOKEN>`. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(config: ConfigService<AppConfig, true>) {
    const token = config.get('metrics.token', { infer: true });
    this.expected = token === undefined ? undefined : digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const http = context.switchToHttp();
    const sent = /^Bearer +(\S+) *$/i.exec(http.getRequest<Request>().headers.authorization ?? '')?.[1];
    if (sent !== undefined && timingSafeEqual(digest(sent), this.expected)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException(METRICS_TOKEN_REQUIRED);
  }
}
