import { Module } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AuthModule } from '../auth/auth.module.js';
import { ChatGateway } from './chat.gateway.js';
import { RedisService } from '../redis/redis.service.js';
import { InMemoryPresence } from './presence/in-memory-presence.js';
import { PRESENCE } from './presence/presence.js';
import { RedisPresence } from './presence/redis-presence.js';
import { SocketAuthenticator } from './socket-authenticator.js';

/**
 * The realtime side of the chat: a Socket.IO gateway that delivers messages (MESSAGE_SENT), tracks
 * who is online, and ends the sockets of revoked sessions and deleted users (auth events).
 */
@Module({
  imports: [AuthModule],
  providers: [
    ChatGateway,
    SocketAuthenticator,
    {
      provide: PRESENCE,
      inject: [RedisService, EventEmitter2],
      useFactory: (redis: RedisService, events: EventEmitter2) =>
        redis.enabled ? new RedisPresence(redis, events) : new InMemoryPresence(),
    },
  ],
  exports: [ChatGateway],
})
export class ChatModule {}
