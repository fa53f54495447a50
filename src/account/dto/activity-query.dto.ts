import { IsOptional, Matches } from 'class-validator';
import { beforeMessage, OptionalLimit } from '../../common/validation/paging.js';

export const ACTIVITY_PAGE_DEFAULT = 20;
export const ACTIVITY_PAGE_MAX = 100;
export const INVALID_ACTIVITY_BEFORE = beforeMessage('event');

export class ActivityQueryDto {
  /** Only events older than this event id (the oldest one of the page already shown). */
  @IsOptional()
  @Matches(/^[a-f0-9]{24}$/i, { message: INVALID_ACTIVITY_BEFORE })
  before?: string;

  /** How many events, at most 100 (default 20). */
  @OptionalLimit(ACTIVITY_PAGE_MAX)
  limit?: number;
}
