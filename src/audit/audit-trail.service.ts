import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Types } from 'mongoose';
import { currentRequest } from '../common/http/request-context.js';
import { SECURITY_EVENT, type SecurityEvent, type SecurityEventInput } from './security-event.js';

/**
 * Records security events: a log line, and an event for other features. Called where the change is
 * made, after it is written; it never throws, so a failure to record cannot undo or fail the change.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger('Audit');

  constructor(private readonly events: EventEmitter2) {}

  async record(type: SecurityEventInput['type'], subject: AuditSubject = {}): Promise<void> {
    const request = currentRequest();
    const event: SecurityEvent = {
      type,
      at: new Date(),
      ...(subject.userId ? { userId: subject.userId.toString() } : {}),
      ...(subject.reason ? { reason: subject.reason } : {}),
      ...(request ? { ip: request.ip, userAgent: request.userAgent, requestId: request.requestId } : {}),
    };
    this.logger.log({ msg: `Security event ${type}`, securityEvent: type, userId: event.userId, reason: event.reason });
    this.events.emit(SECURITY_EVENT, event);
  }
}

export interface AuditSubject {
  userId?: Types.ObjectId | string;
  reason?: SecurityEventInput['reason'];
}
