import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Command, Redis, RedisOptions } from 'ioredis';
import { createRequire } from 'node:module';
import type { AppConfig } from '../config/app-config.js';

/**
 * Loads a Redis client library when REDIS_URL is set, not at start-up: a single instance, which never
 * uses them, keeps a megabyte less.
 */
export const requireWithRedis = createRequire(import.meta.url);

/** How long a command may wait for Redis before the caller falls back to its in-process behaviour. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * The connections to Redis when REDIS_URL is set: one for commands, one for pub/sub (a subscribed
 * connection cannot send other commands). Commands fail at once while Redis is unreachable instead
 * of queueing, so every caller can fall back to in-process behaviour; ioredis keeps reconnecting.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly keyPrefix: string;
  /** Absent without REDIS_URL. */
  readonly client?: Redis;
  readonly subscriber?: Redis;
  private readonly url?: string;
  private reachable?: boolean;
  /** Connections made for others (the Socket.IO adapter), closed with the app. */
  private readonly extraConnections: Redis[] = [];

  constructor(config: ConfigService<AppConfig, true>) {
    const { url, keyPrefix } = config.get('redis', { infer: true });
    this.keyPrefix = keyPrefix;
    this.url = url;
    if (!url) return;
    const { Redis } = requireWithRedis('ioredis') as typeof import('ioredis');
    const options: RedisOptions = {
      keyPrefix,
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      // Reconnect quickly, then every second at most, for as long as it takes.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    };
    this.client = new Redis(url, { ...options, connectionName: 'chat-auth' });
    this.subscriber = new Redis(url, {
      ...options,
      connectionName: 'chat-auth-subscriber',
      autoResubscribe: false,
    });
    this.client.on('ready', () => this.setReachable(true));
    this.client.on('close', () => this.setReachable(false));
    // ioredis reports every failed reconnection attempt; the transitions above are logged once each.
    this.client.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
  }

  get enabled(): boolean {
    return this.client !== undefined;
  }

  /** Whether commands can be sent right now. */
  isReady(): boolean {
    return this.client?.status === 'ready';
  }

  /**
   * A plain connection for a library that manages its own names and subscriptions (no key prefix,
   * commands queued while reconnecting); closed with the app. A `subscriber` connection's commands
   * wait for Redis however long it is away, so its subscriptions are made whenever it comes (and
   * renewed after each reconnection); other commands give up after ioredis' default retries.
   */
  createConnection(name: string, { subscriber = false } = {}): Redis {
    if (!this.url) throw new Error('REDIS_URL is not set');
    const connection = new (forgettableCommandsRedis())(this.url, {
      connectionName: `chat-auth-${name}`,
      ...(subscriber && { maxRetriesPerRequest: null }),
    });
    connection.on('error', () => undefined);
    this.extraConnections.push(connection);
    return connection;
  }

  /** The channel or key name under this deployment's prefix (pub/sub channels get no automatic prefix). */
  channel(name: string): string {
    return `${this.keyPrefix}${name}`;
  }

  /** For the start-up log: never includes credentials. */
  describe(): string {
    if (!this.url) return 'not configured (single instance: limits, caches and presence in this process)';
    return `${this.url.replace(/\/\/[^@/]*@/, '//')} (key prefix ${this.keyPrefix})`;
  }

  async onApplicationShutdown(): Promise<void> {
    const connections = [this.client, this.subscriber, ...this.extraConnections];
    await Promise.all(
      connections
        .filter((connection) => connection !== undefined)
        // QUIT would wait in the offline queue for a Redis that is away.
        .map((connection) =>
          connection.status === 'ready'
            ? connection.quit().catch(() => connection.disconnect())
            : Promise.resolve(connection.disconnect()),
        ),
    );
  }

  private setReachable(reachable: boolean): void {
    if (reachable === this.reachable) return;
    this.reachable = reachable;
    if (reachable) this.logger.log('Connected: rate limits and cache invalidations are shared');
    else {
      this.logger.warn(
        'Unreachable: rate limits count in this process and session/user caches are bypassed until it returns',
      );
    }
  }
}

/**
 * For libraries that send commands without waiting for their replies (the Socket.IO Redis adapter
 * publishes and subscribes that way): a command that fails while Redis is away would otherwise be
 * an unhandled rejection, which ends a Node process. A caller that waits for a reply still gets
 * the error.
 */
let forgettableCommands: typeof Redis | undefined;
/** The class, made once on first use: ioredis is loaded only with REDIS_URL. */
function forgettableCommandsRedis(): typeof Redis {
  if (forgettableCommands) return forgettableCommands;
  const { Redis: Base } = requireWithRedis('ioredis') as typeof import('ioredis');
  forgettableCommands = class ForgettableCommandsRedis extends Base {
    override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
      const reply = super.sendCommand(command, stream);
      if (reply instanceof Promise) reply.catch(() => undefined);
      return reply;
    }
  };
  return forgettableCommands;
}
