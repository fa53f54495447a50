import type { Request } from 'express';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { requestIdOf } from './request-id.js';

/**
 * Who is asking: what a session, a security event and a log line record about the device, and the
 * request's id. Handed down from the controller to whatever records the request (no AsyncLocalStorage:
 * on Node 20 it puts a hook on every promise of the process).
 */
export interface ClientInfo {
  userAgent?: string;
  ip?: string;
  requestId?: string;
}

/** A header can be 16 KB; a stored or logged device name need not be. */
export const USER_AGENT_MAX_LENGTH = 512;

/**
 * What a session (or a security event, or a log line) records about the device. `req.ip` honours
 * TRUST_PROXY; what a trusted proxy forwarded is kept only when it is an IP address, else the
 * connection's own address is (a client behind `TRUST_PROXY=true` can send any X-Forwarded-For).
 */
export function clientInfo(req: Request): ClientInfo {
  return {
    userAgent: (req.get('user-agent') ?? '').slice(0, USER_AGENT_MAX_LENGTH),
    ip: clientIp(req, req.ip),
    requestId: requestIdOf(req),
  };
}

/** `forwarded` (what TRUST_PROXY made of X-Forwarded-For) when it is an IP address, else the peer's. */
export function clientIp(req: IncomingMessage, forwarded: string | undefined): string {
  const address = plainIp(forwarded);
  return isIP(address) ? address : plainIp(req.socket?.remoteAddress);
}

/** IPv4 clients of a dual-stack socket show as `::ffff:1.2.3.4`. */
function plainIp(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(?=\d+\.)/, '');
}
