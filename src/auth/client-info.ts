import type { Request } from 'express';
import type { ClientInfo } from './sessions/sessions.service.js';

/** What a session records about the device that opened it. `req.ip` honours TRUST_PROXY. */
export function clientInfo(req: Request): ClientInfo {
  return { userAgent: req.get('user-agent') ?? '', ip: (req.ip ?? '').replace(/^::ffff:(?=\d+\.)/, '') };
}
