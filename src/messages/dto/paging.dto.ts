import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const CONVERSATION_PAGE_DEFAULT = 50;
export const CONVERSATION_PAGE_MAX = 200;
export const CONTACTS_DEFAULT = 100;
export const CONTACTS_MAX = 500;

export const limitMessage = (max: number) => `limit must be an integer from 1 to ${max}`;
export const INVALID_BEFORE = 'before must be a 24-character hexadecimal message id';

/** An optional `limit` query parameter: a plain decimal integer from 1 to `max`. */
function OptionalLimit(max: number) {
  const message = limitMessage(max);
  return applyDecorators(
    IsOptional(),
    // Query strings arrive as strings, and implicit conversion is off.
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value,
    ),
    Min(1, { message }),
    Max(max, { message }),
    IsInt({ message }),
  );
}

export class ConversationQueryDto {
  /** Only messages older than this message id (the oldest one of the page already shown). */
  @IsOptional()
  @Matches(/^[a-f0-9]{24}$/i, { message: INVALID_BEFORE })
  before?: string;

  /** How many messages, at most 200 (default 50). */
  @OptionalLimit(CONVERSATION_PAGE_MAX)
  limit?: number;
}

export class ContactsQueryDto {
  /** How many users, at most 500 (default 100). */
  @OptionalLimit(CONTACTS_MAX)
  limit?: number;
}
