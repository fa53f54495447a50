import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';

/**
 * The Socket.IO server on the API's own HTTP server, with the same CORS rule as REST: only
 * CORS_ORIGINS, with credentials. Extend it to add a Socket.IO adapter (e.g. Redis) for several instances.
 */
export class ChatIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly corsOrigins: readonly string[],
  ) {
    super(app);
  }

  createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    return super.createIOServer(port, {
      ...(options as ServerOptions),
      cors: {
        origin: (origin, callback) =>
          callback(null, origin !== undefined && this.corsOrigins.includes(origin)),
        credentials: true,
      },
    }) as Server;
  }
}
