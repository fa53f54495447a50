import { Body, Controller, Get, Headers, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { AuthContext } from '../auth/auth-context.js';
import { CurrentAuth } from '../common/decorators/current-auth.decorator.js';
import { ObjectIdPipe } from '../common/pipes/object-id.pipe.js';
import { UserResponseDto } from '../users/dto/user-response.dto.js';
import { toUserResponse } from '../users/user.mapper.js';
import { ChatMessageResponseDto } from './dto/chat-message-response.dto.js';
import { ContactsQueryDto, ConversationQueryDto } from './dto/paging.dto.js';
import { SendMessageDto } from './dto/send-message.dto.js';
import { MessagesService } from './messages.service.js';

@Controller('messages')
@ApiTags('Messages')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'No valid session.' })
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /** The chat sidebar: everyone but the caller, recent conversations first, then by name. */
  @Get('users')
  @ApiOkResponse({ type: [UserResponseDto] })
  @ApiBadRequestResponse({ description: 'Invalid limit.' })
  async contacts(
    @CurrentAuth() auth: AuthContext,
    @Query() query: ContactsQueryDto,
  ): Promise<UserResponseDto[]> {
    return (await this.messages.listContacts(auth.user._id, query.limit)).map(toUserResponse);
  }

  /** The conversation with user `id`, oldest first: the latest page, or the one before `before`. */
  @Get(':id')
  @ApiOkResponse({ type: [ChatMessageResponseDto] })
  @ApiBadRequestResponse({ description: 'Malformed id, before or limit.' })
  @ApiNotFoundResponse({ description: 'No such user.' })
  conversation(
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
  @ApiCreatedResponse({ type: ChatMessageResponseDto })
  @ApiBadRequestResponse({
    description:
      'Malformed id, no text and no image, invalid text, or an image that is not PNG, JPEG, WebP or GIF.',
  })
  @ApiNotFoundResponse({ description: 'No such receiver.' })
  @ApiPayloadTooLargeResponse({
    description: 'The image is over MEDIA_MAX_BYTES.',
  })
  @ApiTooManyRequestsResponse({
    description: 'Over 30 messages in 10 seconds; see Retry-After.',
  })
  @ApiBadGatewayResponse({
    description: 'The picture store failed; nothing was stored.',
  })
  @ApiGatewayTimeoutResponse({
    description: 'The picture store did not answer in time; nothing was stored.',
  })
  send(
    @CurrentAuth() auth: AuthContext,
    @Param('id', ObjectIdPipe) id: string,
    @Body() dto: SendMessageDto,
    @Headers('x-socket-id') socketId?: string,
  ): Promise<ChatMessageResponseDto> {
    return this.messages.send(auth.user._id, id, dto, socketId);
  }
}
