import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnModuleInit,
} from '@nestjs/common';
import { EventEmitter2, OnEvent } from '@nestjs/event-emitter';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted, Types } from 'mongoose';
import { USER_DELETED, type UserDeletedEvent } from '../common/events/auth.events.js';
import { TooManyRequestsException } from '../common/http/too-many-requests.exception.js';
import { ImageUploader } from '../media/image-uploader.js';
import { decodeImageDataUri } from '../media/image-validator.js';
import type { StoredImage } from '../media/media-storage.js';
import type { UserRecord } from '../common/auth-context.js';
import type { PublicProfileRecord } from '../users/user.mapper.js';
import { UsersService } from '../users/users.service.js';
import type { ChatMessageResponseDto } from './dto/chat-message-response.dto.js';
import { CONTACTS_DEFAULT, CONVERSATION_PAGE_DEFAULT } from './dto/paging.dto.js';
import type { SendMessageDto } from './dto/send-message.dto.js';
import { MESSAGE_SENT, type MessageSentEvent } from './message.events.js';
import { type MessageRecord, toMessageResponse } from './message.mapper.js';
import { SEND_RATE_LIMITER, type SendRateLimiter } from './rate-limit/send-rate-limiter.js';
import { Message } from './schemas/message.schema.js';

const MESSAGE_FIELDS = 'senderId receiverId text image createdAt updatedAt';
export const MESSAGE_NEEDS_CONTENT = 'A message needs text or an image';
export const SENDING_TOO_FAST = 'You are sending messages too fast, please wait';
export const USER_NOT_FOUND = 'User not found';
/** Messages whose images are deleted per round when an account goes. */
const DELETION_BATCH = 500;

@Injectable()
export class MessagesService implements OnModuleInit {
  private readonly logger = new Logger(MessagesService.name);

  constructor(
    @InjectModel(Message.name) private readonly messages: Model<Message>,
    private readonly users: UsersService,
    private readonly uploader: ImageUploader,
    @Inject(SEND_RATE_LIMITER) private readonly limiter: SendRateLimiter,
    private readonly events: EventEmitter2,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.messages.init();
  }

  /** Everyone but the caller: the people they talked with most recently first, then by name. */
  async listContacts(me: Types.ObjectId, limit = CONTACTS_DEFAULT): Promise<PublicProfileRecord[]> {
    const recent = await this.recentPartners(me, limit);
    const partners = await this.users.findProfilesByIds(recent);
    const byId = new Map(partners.map((user) => [user._id.toHexString(), user]));
    // A partner may have been deleted meanwhile: keep only those found, in conversation order.
    const first = recent.flatMap((id) => byId.get(id.toHexString()) ?? []);
    if (first.length >= limit) return first;
    const rest = await this.users.listProfilesByName([me, ...recent], limit - first.length);
    return [...first, ...rest];
  }

  /** The latest `limit` messages between the caller and `otherId` before `before`, oldest first. */
  async conversation(
    me: Types.ObjectId,
    otherId: string,
    page: { before?: string; limit?: number },
  ): Promise<ChatMessageResponseDto[]> {
    const other = await this.requireUser(otherId);
    const older = page.before ? { _id: trusted({ $lt: new Types.ObjectId(page.before) }) } : {};
    const found = await this.messages
      .find({
        $or: [
          { senderId: me, receiverId: other._id, ...older },
          { senderId: other._id, receiverId: me, ...older },
        ],
      })
      .sort({ _id: -1 })
      .limit(page.limit ?? CONVERSATION_PAGE_DEFAULT)
      .select(MESSAGE_FIELDS)
      .lean<MessageRecord[]>()
      .exec();
    return found.reverse().map(toMessageResponse);
  }

  /**
   * Stores a message: rate limit, receiver, image upload, then the document. An image whose message
   * could not be written is deleted again, so nothing is left half-stored.
   */
  async send(
    sender: Types.ObjectId,
    receiverId: string,
    dto: SendMessageDto,
    senderSocketId?: string,
  ): Promise<ChatMessageResponseDto> {
    if (dto.text === undefined && dto.image === undefined) {
      throw new BadRequestException(MESSAGE_NEEDS_CONTENT);
    }
    const waitSeconds = await this.limiter.consume(sender.toHexString());
    if (waitSeconds > 0) {
      throw new TooManyRequestsException(waitSeconds, SENDING_TOO_FAST);
    }
    const bytes =
      dto.image === undefined ? undefined : decodeImageDataUri(dto.image, this.uploader.maxBytes, 'image');
    const receiver = await this.requireUser(receiverId);
    const image = bytes && (await this.uploader.upload(bytes, sender.toHexString(), 'chat'));
    const message = toMessageResponse(await this.store(sender, receiver._id, dto.text, image));
    const event: MessageSentEvent = { message, senderSocketId };
    this.events.emit(MESSAGE_SENT, event);
    return message;
  }

  /** A deleted account takes its conversations with it, both directions, and their images. */
  @OnEvent(USER_DELETED)
  async deleteForUser({ userId }: UserDeletedEvent): Promise<void> {
    const id = new Types.ObjectId(userId);
    const filter = { $or: [{ senderId: id }, { receiverId: id }] };
    for (;;) {
      const batch = await this.messages
        .find({ ...filter, imageKey: trusted({ $type: 'string' }) })
        .select('imageKey')
        .limit(DELETION_BATCH)
        .lean<Array<{ _id: Types.ObjectId; imageKey: string }>>()
        .exec();
      if (batch.length === 0) break;
      await this.messages
        .deleteMany({
          _id: trusted({ $in: batch.map((message) => message._id) }),
        })
        .exec();
      await Promise.all(
        batch.map((message) => this.uploader.discard(message.imageKey, 'its account was deleted')),
      );
    }
    const { deletedCount } = await this.messages.deleteMany(filter).exec();
    this.logger.log(`Deleted the conversations of account ${userId} (${deletedCount} text messages)`);
  }

  private async store(
    senderId: Types.ObjectId,
    receiverId: Types.ObjectId,
    text: string | undefined,
    image: StoredImage | undefined,
  ): Promise<MessageRecord> {
    try {
      const created = await this.messages.create({
        senderId,
        receiverId,
        text,
        image: image?.url,
        imageKey: image?.key ?? null,
      });
      const { imageKey: _key, ...message } = created.toObject();
      return message;
    } catch (error) {
      if (image) void this.uploader.discard(image.key, 'its message could not be stored');
      throw error;
    }
  }

  private async requireUser(id: string): Promise<UserRecord> {
    const user = await this.users.findByIdCached(id);
    if (!user) throw new NotFoundException(USER_NOT_FOUND);
    return user;
  }

  /** The other person of each of the caller's conversations, the most recent conversation first. */
  private async recentPartners(me: Types.ObjectId, limit: number): Promise<Types.ObjectId[]> {
    const partners = await this.messages
      .aggregate<{ _id: Types.ObjectId }>([
        { $match: { $or: [{ senderId: me }, { receiverId: me }] } },
        {
          $project: {
            partner: {
              $cond: [{ $eq: ['$senderId', me] }, '$receiverId', '$senderId'],
            },
          },
        },
        { $group: { _id: '$partner', lastMessageId: { $max: '$_id' } } },
        { $sort: { lastMessageId: -1 } },
        { $limit: limit },
      ])
      .exec();
    return partners.map((partner) => partner._id).filter((id) => !id.equals(me));
  }
}
