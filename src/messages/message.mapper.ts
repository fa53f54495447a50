import type { Types } from 'mongoose';
import type { ChatMessageResponseDto } from './dto/chat-message-response.dto.js';
import type { Message } from './schemas/message.schema.js';

export type MessageRecord = Pick<
  Message,
  'senderId' | 'receiverId' | 'text' | 'image' | 'createdAt' | 'updatedAt'
> & {
  _id: Types.ObjectId;
};

/** The only way a message leaves the API: an explicit list of fields (never the storage key). */
export function toMessageResponse(message: MessageRecord): ChatMessageResponseDto {
  return {
    _id: message._id.toHexString(),
    senderId: message.senderId.toHexString(),
    receiverId: message.receiverId.toHexString(),
    text: message.text ?? null,
    image: message.image ?? null,
    createdAt: message.createdAt,
    updatedAt: message.updatedAt,
  };
}
