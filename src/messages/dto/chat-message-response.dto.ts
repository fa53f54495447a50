/** A chat message as the reference frontend reads it; ids are strings. */
export class ChatMessageResponseDto {
  /** @example 6650f0c2a1b2c3d4e5f60720 */
  _id: string;
  /** @example 6650f0c2a1b2c3d4e5f60718 */
  senderId: string;
  /** @example 6650f0c2a1b2c3d4e5f60719 */
  receiverId: string;
  /** The text, or null for a picture-only message. */
  text: string | null;
  /** URL of the attached picture, or null. */
  image: string | null;
  createdAt: Date;
  updatedAt: Date;
}
