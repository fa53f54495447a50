import type { Request } from 'express';
import type { ClientInfo } from './sessions/sessions.service.js';

/** A header can be 16 KB; a stored or logged device name need not be. */
export const USER_AGENT_MAX_LENGTH = 512;

/** What a session (or a security event) records about the device. `req.ip` honours TRUST_PROXY. */
export function clientInfo(req: Request): ClientInfo {
  return {
    userAgent: (req.get('user-agent') ?? '').slice(0, USER_AGENT_MAX_LENGTH),
    ip: (req.ip ?? '').replace(/^::ffff:(?=\d+\.)/, ''),
  };
}
