import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import type { AppConfig } from '../config/app-config.js';
import { ActivityService } from './activity.service.js';
import { AuditEvent, createAuditEventSchema } from './audit-event.schema.js';
import { AuditRetention } from './audit-retention.service.js';
import { AuditTrail } from './audit-trail.service.js';

/**
 * The security audit trail, available to every feature that changes an account or a session, and
 * the query behind the owner's view of it (GET /api/auth/activity, in account/).
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
  providers: [AuditTrail, AuditRetention, ActivityService],
  exports: [AuditTrail, ActivityService],
})
export class AuditModule {}
