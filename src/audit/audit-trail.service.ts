import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectModel } from '@nestjs/mongoose';
import { Model, Types } from 'mongoose';
import type { ClientInfo } from '../common/http/client-info.js';
import { AuditEvent } from './audit-event.schema.js';
import { SECURITY_EVENT, type SecurityEvent, type SecurityEventInput } from './security-event.js';

/**
 * Records security events: a log line, an event for other features (metrics), and a document in
 * `auditevents` (the operator's record and the owner's activity feed). Called where the change is
 * made, after it is written; it never throws, so a failure to record cannot undo or fail the change.
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly events: EventEmitter2,
    @InjectModel(AuditEvent.name) private readonly stored: Model<AuditEvent>,
  ) {}

  async record(type: SecurityEventInput['type'], subject: AuditSubject): Promise<void> {
    const { client } = subject;
    const event: SecurityEvent = {
      type,
      at: new Date(),
      ...(subject.userId ? { userId: subject.userId.toString() } : {}),
      ...(subject.reason ? { reason: subject.reason } : {}),
      ...(subject.secondFactor ? { secondFactor: subject.secondFactor } : {}),
      ...(subject.method ? { method: subject.method } : {}),
      ...(client ? { ip: client.ip, userAgent: client.userAgent, requestId: client.requestId } : {}),
    };
    // The log line first: it is the record of last resort when the database cannot take one.
    this.logger.log({
      msg: `Security event ${type}`,
      securityEvent: type,
      userId: event.userId,
      reason: event.reason,
      secondFactor: event.secondFactor,
      method: event.method,
      ip: event.ip,
      userAgent: event.userAgent,
      requestId: event.requestId,
    });
    this.events.emit(SECURITY_EVENT, event);
    await this.store(event, subject.userId);
  }

  /**
   * Awaited, so the event is in the feed by the time the change is answered. With the database gone
   * this waits at most the driver's timeouts (about 2.5 s), then only warns.
   */
  private async store(event: SecurityEvent, userId: AuditSubject['userId']): Promise<void> {
    try {
      await this.stored.insertOne({
        type: event.type,
        user: toObjectId(userId),
        reason: event.reason,
        method: event.method,
        ip: event.ip ?? '',
        userAgent: event.userAgent ?? '',
        requestId: event.requestId,
        at: event.at,
      });
    } catch (error) {
      this.logger.warn({
        msg: `Security event ${event.type} not stored (${(error as Error).message}): the log line is its record`,
        securityEvent: event.type,
        userId: event.userId,
        requestId: event.requestId,
      });
    }
  }
}

export interface AuditSubject {
  /** The request that made the change; undefined only for changes no request made. */
  client: ClientInfo | undefined;
  userId?: Types.ObjectId | string;
  reason?: SecurityEventInput['reason'];
  secondFactor?: SecurityEventInput['secondFactor'];
  method?: SecurityEventInput['method'];
}

/** Ids come as ObjectIds, or as the hex `sub` of a verified session token. */
function toObjectId(id: AuditSubject['userId']): Types.ObjectId | undefined {
  if (id instanceof Types.ObjectId) return id;
  return typeof id === 'string' && /^[a-f0-9]{24}$/i.test(id) ? new Types.ObjectId(id) : undefined;
}
