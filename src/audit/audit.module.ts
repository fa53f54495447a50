import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import type { AppConfig } from '../config/app-config.js';
import { ActivityController } from './activity.controller.js';
import { ActivityService } from './activity.service.js';
import { AuditEvent, createAuditEventSchema } from './audit-event.schema.js';
import { AuditRetention } from './audit-retention.service.js';
import { AuditTrail } from './audit-trail.service.js';

/**
 * The security audit trail, available to every feature that changes an account or a session, and
 * the owner's view of it (GET /api/auth/activity).
 */
@Global()
@Module({
  imports: [
    MongooseModule.forFeatureAsync([
      {
        name: AuditEvent.name,
        inject: [ConfigService],
        useFactory: (config: ConfigService<AppConfig, true>) =>
          createAuditEventSchema(config.get('audit.retentionDays', { infer: true })),
      },
    ]),
  ],
  controllers: [ActivityController],
  providers: [AuditTrail, AuditRetention, ActivityService],
  exports: [AuditTrail],
})
export class AuditModule {}
