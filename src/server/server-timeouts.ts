import type { Server } from 'node:http';
import type { AppConfig } from '../config/app-config.js';
import { enforceMinimumBodyRate } from './body-data-rate.js';

/** How often Node looks for connections past their headers or request timeout, at most. */
const MAX_CHECK_INTERVAL_MS = 1000;

/**
 * Bounds what a slow or idle client can hold: headers, the whole request, and an idle keep-alive
 * connection each get a deadline, and a body a minimum pace. Call it before the server listens.
 */
export function applyServerTimeouts(server: Server, settings: AppConfig['server']): void {
  server.headersTimeout = settings.headersTimeoutMs;
  server.requestTimeout = settings.requestTimeoutMs;
  server.keepAliveTimeout = settings.keepAliveTimeoutMs;
  // Node enforces the first two only when it sweeps its connections, every 30 s by default, so 200
  // slowloris connections would outlive a 10 s headers timeout by far. The interval is read when the
  // server starts listening (it is otherwise a createServer option, and Nest creates the server).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    MAX_CHECK_INTERVAL_MS,
    Math.ceil(settings.headersTimeoutMs / 4),
  );
  enforceMinimumBodyRate(server, settings);
}
