import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AccountModule } from './account/account.module.js';
import { ApiIndexModule } from './api-index/api-index.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { PasskeysModule } from './auth/passkeys/passkeys.module.js';
import { FederatedModule } from './auth/federated/federated.module.js';
import { ClockModule } from './common/clock.js';
import { ChatModule } from './chat/chat.module.js';
import { type AppConfig, loadAppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MediaModule } from './media/media.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { UsersModule } from './users/users.module.js';

export interface AppModuleOptions {
  /** Variables that win over the process environment (the e2e tests' per-app settings). */
  env?: Record<string, string | undefined>;
  /** Skip reading `.env` (tests must not depend on a developer's local file). */
  ignoreEnvFile?: boolean;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions = {}): DynamicModule {
    let loaded: AppConfig | undefined;
    const config = ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: options.ignoreEnvFile,
      skipProcessEnv: true,
      validate: (raw) => (loaded = loadAppConfig({ ...raw, ...options.env })),
    });
    // Nest awaits this promise only later, while scanning modules; until then a configuration error
    // would count as an unhandled rejection and end the process before Nest reports it.
    config.catch(() => undefined);
    // Known once the configuration is validated; without METRICS_ENABLED there is no metrics route.
    const metrics = config.then(() => MetricsModule.register(loaded!.metrics.enabled));
    metrics.catch(() => undefined);
    return {
      module: AppModule,
      imports: [
        config,
        LoggingModule,
        ClockModule,
        EventEmitterModule.forRoot(),
        DatabaseModule,
        RedisModule,
        AuditModule,
        HealthModule,
        UsersModule,
        AuthModule,
        PasskeysModule,
        FederatedModule,
        MediaModule,
        AccountModule,
        MessagesModule,
        ChatModule,
        ApiIndexModule,
        metrics,
      ],
    };
  }
}
