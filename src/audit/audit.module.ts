import { Global, Module } from '@nestjs/common';
import { AuditTrail } from './audit-trail.service.js';

/** The security audit trail, available to every feature that changes an account or a session. */
@Global()
@Module({
  providers: [AuditTrail],
  exports: [AuditTrail],
})
export class AuditModule {}
