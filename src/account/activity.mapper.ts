import type { ActivityRecord } from '../audit/activity.service.js';
import type { ActivityEventResponseDto } from './dto/activity-event-response.dto.js';

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
