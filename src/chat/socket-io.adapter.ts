import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { requireWithRedis, type RedisService } from '../redis/redis.service.js';
import { createWithUpgradeRouting } from './http-upgrades.js';

/**
 * The Socket.IO server on the API's own HTTP server, with the same CORS rule as REST: only
 * CORS_ORIGINS, with credentials. With REDIS_URL set, the official Redis adapter carries every
 * broadcast, room emit and disconnectSockets() to the sockets of every instance.
 */
export class ChatIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly corsOrigins: readonly string[],
    private readonly redis?: RedisService,
  ) {
    super(app);
  }

  createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const create = () =>
      super.createIOServer(port, {
        ...(options as ServerOptions),
        cors: {
          origin: (origin, callback) =>
            callback(null, origin !== undefined && this.corsOrigins.includes(origin)),
          credentials: true,
        },
      }) as Server;
    const server = this.httpServer ? createWithUpgradeRouting(this.httpServer, create) : create();
    if (this.redis?.enabled) {
      const { createAdapter } = requireWithRedis(
        '@socket.io/redis-adapter',
      ) as typeof import('@socket.io/redis-adapter');
      server.adapter(
        createAdapter(
          this.redis.createConnection('socket.io-pub'),
          this.redis.createConnection('socket.io-sub', { subscriber: true }),
          { key: this.redis.channel('socket.io') },
        ),
      );
    }
    return server;
  }
}
