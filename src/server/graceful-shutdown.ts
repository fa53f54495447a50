import { Logger, type INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Server } from 'node:http';
import { APP_DRAINING } from '../common/events/lifecycle.events.js';
import { HttpDrain } from './http-drain.js';
import { InFlightHandlers } from './in-flight-handlers.js';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** Time the shutdown hooks (database, embedded store flush) get after the requests. */
const HOOKS_TIMEOUT_MS = 15_000;

/**
 * Replaces Nest's enableShutdownHooks(), which re-raises the signal (exit status 143) and waits out
 * idle keep-alive connections. On SIGTERM or SIGINT: stop accepting, let in-flight requests finish
 * within graceMs, then run the shutdown hooks and exit 0; exit 1 when requests had to be cut or a
 * hook failed. Call it before app.listen().
 */
export function exitGracefullyOnSignals(app: INestApplication, graceMs: number): void {
  const logger = new Logger('Shutdown');
  const drain = new HttpDrain(app.getHttpServer() as Server);
  const handlers = new InFlightHandlers();
  handlers.countRoutesOf(app.getHttpAdapter());
  let started = false;
  const shutdown = async (signal: string) => {
    if (started) return;
    started = true;
    logger.log(`${signal} received: finishing in-flight requests (up to ${graceMs} ms)`);
    // Once no connection is left, no handler can start: then wait for those whose client left.
    const requestsDone = drain.close().then(() => handlers.whenIdle());
    await announceDraining(app, logger);
    const finished = await withinTime(requestsDone, graceMs);
    if (!finished) {
      drain.destroyConnections();
      logger.warn(`Requests still running after ${graceMs} ms were cut off`);
    }
    // A hook that never returns must not keep the process alive.
    setTimeout(() => {
      logger.error('Shutdown hooks did not finish in time');
      process.exit(1);
    }, HOOKS_TIMEOUT_MS).unref();
    let closed = true;
    try {
      await app.close();
    } catch (error) {
      closed = false;
      logger.error(`Shutdown failed: ${(error as Error).message}`);
    }
    process.exit(finished && closed ? 0 : 1);
  };
  for (const signal of SIGNALS) process.on(signal, (received) => void shutdown(received));
}

/** Lets long-lived connections (chat sockets) end now rather than at the end of the grace period. */
async function announceDraining(app: INestApplication, logger: Logger): Promise<void> {
  try {
    await app.get(EventEmitter2).emitAsync(APP_DRAINING);
  } catch (error) {
    logger.error(`Closing long-lived connections failed: ${(error as Error).message}`);
  }
}

/** Whether `work` settled within `ms`. */
function withinTime(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
