import type { ChatMessageResponseDto } from './dto/chat-message-response.dto.js';

/** Announced after a message is stored; the chat gateway delivers it live. */
export const MESSAGE_SENT = 'message.sent';

export interface MessageSentEvent {
  message: ChatMessageResponseDto;
  /** The sender's socket that sent it (X-Socket-Id), which needs no copy; only honoured if it is theirs. */
  senderSocketId?: string;
}
