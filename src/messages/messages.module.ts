import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import type { AppConfig } from '../config/app-config.js';
import { MediaModule } from '../media/media.module.js';
import { UsersModule } from '../users/users.module.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';
import { ResilientThrottlerStorage } from '../redis/resilient-throttler-storage.js';
import {
  SEND_LIMIT,
  SEND_RATE_LIMITER,
  type SendRateLimiter,
  UnlimitedSendRateLimiter,
} from './rate-limit/send-rate-limiter.js';
import { SharedSendRateLimiter } from './rate-limit/shared-send-rate-limiter.js';
import { Message, MessageSchema } from './schemas/message.schema.js';

function createSendRateLimiter(
  config: ConfigService<AppConfig, true>,
  storage: ResilientThrottlerStorage,
): SendRateLimiter {
  // The one switch for every rate limit (load tests, local scripting).
  if (config.get('auth.rateLimitPerMinute', { infer: true }) === 0) return new UnlimitedSendRateLimiter();
  // The throttler's storage: in Redis with REDIS_URL, in-process without it or while Redis is away.
  return new SharedSendRateLimiter(storage, SEND_LIMIT.messages, SEND_LIMIT.windowMs);
}

/** Chat messages over REST; the chat gateway delivers them live (MESSAGE_SENT). */
@Module({
  imports: [
    UsersModule,
    MediaModule,
    MongooseModule.forFeature([{ name: Message.name, schema: MessageSchema }]),
  ],
  controllers: [MessagesController],
  providers: [
    MessagesService,
    {
      provide: SEND_RATE_LIMITER,
      inject: [ConfigService, ResilientThrottlerStorage],
      useFactory: createSendRateLimiter,
    },
  ],
  exports: [MessagesService],
})
export class MessagesModule {}
