import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../common/auth-context.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { ApiError, ApiTooManyAttempts } from '../common/openapi/api-error.decorator.js';
import { ApiSession } from '../common/openapi/api-session.decorator.js';
import { INVALID_OBJECT_ID, ObjectIdPipe } from '../common/pipes/object-id.pipe.js';
import { limitMessage } from '../common/validation/paging.js';
import { imageDataUriMessage } from '../media/image-validator.js';
import { ApiPictureStore, IMAGE_PROBLEMS, IMAGE_REFUSED } from '../media/picture-responses.openapi.js';
import { PublicProfileDto } from '../users/dto/public-profile.dto.js';
import { toPublicProfile } from '../users/user.mapper.js';
import { ChatMessageResponseDto } from './dto/chat-message-response.dto.js';
import {
  CONTACTS_MAX,
  ContactsQueryDto,
  CONVERSATION_PAGE_MAX,
  ConversationQueryDto,
  INVALID_BEFORE,
} from './dto/paging.dto.js';
import {
  SendMessageDto,
  TEXT_CONTROL_CHARACTERS,
  TEXT_NOT_A_STRING,
  TEXT_TOO_LONG,
} from './dto/send-message.dto.js';
import { SEND_LIMIT } from './rate-limit/send-rate-limiter.js';
import {
  MESSAGE_NEEDS_CONTENT,
  MessagesService,
  SENDING_TOO_FAST,
  USER_NOT_FOUND,
} from './messages.service.js';

@Controller('messages')
@ApiTags('Messages')
@ApiSession()
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /**
   * The chat sidebar: everyone but the caller, recent conversations first, then by name. Each is a
   * public profile (id, name, picture): nobody learns another user's address.
   */
  @Get('users')
  @ApiOkResponse({ type: [PublicProfileDto] })
  @ApiError(
    400,
    'Invalid limit, or an unknown query parameter.',
    limitMessage(CONTACTS_MAX),
    'sort is not an allowed field',
  )
  async listChatUsers(
    @CurrentAuth() auth: AuthContext,
    @Query() query: ContactsQueryDto,
  ): Promise<PublicProfileDto[]> {
    return (await this.messages.listContacts(auth.user._id, query.limit)).map(toPublicProfile);
  }

  /** The conversation with user `id`, oldest first: the latest page, or the one before `before`. */
  @Get(':id')
  @ApiOkResponse({ type: [ChatMessageResponseDto] })
  @ApiError(
    400,
    'Malformed id, before or limit, or an unknown query parameter.',
    INVALID_OBJECT_ID,
    INVALID_BEFORE,
    limitMessage(CONVERSATION_PAGE_MAX),
  )
  @ApiError(404, 'No such user.', USER_NOT_FOUND)
  getMessages(
    @CurrentAuth() auth: AuthContext,
    @Param('id', ObjectIdPipe) id: string,
    @Query() query: ConversationQueryDto,
  ): Promise<ChatMessageResponseDto[]> {
    return this.messages.conversation(auth.user._id, id, query);
  }

  /** Sends a message to user `id`; it reaches their sockets and the sender's other sockets live. */
  @Post('send/:id')
  @ApiHeader({
    name: 'X-Socket-Id',
    required: false,
    description: "The sending tab's socket id: that socket gets no `newMessage` copy of its own message.",
  })
  @ApiCreatedResponse({
    type: ChatMessageResponseDto,
    description: 'The message, as stored and delivered.',
  })
  @ApiError(
    400,
    `Malformed id, no text and no image, invalid text, or an unknown field. ${IMAGE_REFUSED}`,
    INVALID_OBJECT_ID,
    MESSAGE_NEEDS_CONTENT,
    TEXT_TOO_LONG,
    TEXT_CONTROL_CHARACTERS,
    TEXT_NOT_A_STRING,
    'senderId is not an allowed field',
    imageDataUriMessage('image'),
    'image is not valid base64',
    ...IMAGE_PROBLEMS,
  )
  @ApiError(404, 'No such receiver.', USER_NOT_FOUND)
  @ApiTooManyAttempts(
    `Over ${SEND_LIMIT.messages} messages in ${SEND_LIMIT.windowMs / 1000} seconds from this user (off with RATE_LIMIT_AUTH_PER_MINUTE=0).`,
    SENDING_TOO_FAST,
  )
  @ApiPictureStore('nothing was stored')
  sendMessage(
    @CurrentAuth() auth: AuthContext,
    @Param('id', ObjectIdPipe) id: string,
    @Body() dto: SendMessageDto,
    @Headers('x-socket-id') socketId?: string,
  ): Promise<ChatMessageResponseDto> {
    return this.messages.send(auth.user._id, id, dto, socketId);
  }
}
