import type { Types } from 'mongoose';
import type { AuditEvent } from './audit-event.schema.js';
import type { ActivityEventResponseDto } from './dto/activity-event-response.dto.js';

export type ActivityRecord = Pick<AuditEvent, 'type' | 'at' | 'ip' | 'userAgent'> & { _id: Types.ObjectId };

/** The only way an audit event leaves the API: an explicit list of fields (never reason or requestId). */
export function toActivityResponse(event: ActivityRecord): ActivityEventResponseDto {
  return {
    id: event._id.toHexString(),
    type: event.type,
    at: event.at,
    ip: event.ip,
    userAgent: event.userAgent,
  };
}
