import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

/**
 * The reference backend's `messages` collection, field for field (its conversations show up here).
 * `imageKey` says where the image is stored, so it can be deleted; it is never returned.
 */
@Schema({ collection: 'messages', timestamps: true, strict: true })
export class Message {
  @Prop({ type: Types.ObjectId, required: true })
  senderId: Types.ObjectId;

  @Prop({ type: Types.ObjectId, required: true })
  receiverId: Types.ObjectId;

  @Prop({ type: String })
  text?: string;

  @Prop({ type: String })
  image?: string;

  @Prop({ type: String, select: false, default: null })
  imageKey?: string | null;

  createdAt: Date;
  updatedAt: Date;
}

export type MessageDocument = HydratedDocument<Message>;
export const MessageSchema = SchemaFactory.createForClass(Message);

/**
 * A conversation page is `{$or: [{senderId: A, receiverId: B}, {senderId: B, receiverId: A}]}`
 * (plus `_id < before`), newest `_id` first, limited. Each branch of the $or is one range of this
 * index, already in `_id` order, so MongoDB merges the two ranges (SORT_MERGE) and stops after
 * `limit` entries: no collection scan and no in-memory sort, however long the conversation.
 * `_id` rather than createdAt: ObjectIds grow with time and are unique, so paging never skips or
 * repeats a message sent in the same millisecond.
 */
MessageSchema.index({ senderId: 1, receiverId: 1, _id: -1 });
/**
 * The sidebar groups the caller's messages by the other person: `senderId: me` is a prefix of the
 * index above, `receiverId: me` needs its own. Account deletion uses both too.
 */
MessageSchema.index({ receiverId: 1, _id: -1 });
