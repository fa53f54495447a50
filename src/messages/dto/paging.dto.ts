import { IsOptional, Matches } from 'class-validator';
import { beforeMessage, OptionalLimit } from '../../common/validation/paging.js';

export const CONVERSATION_PAGE_DEFAULT = 50;
export const CONVERSATION_PAGE_MAX = 200;
export const CONTACTS_DEFAULT = 100;
export const CONTACTS_MAX = 500;

export const INVALID_BEFORE = beforeMessage('message');

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
