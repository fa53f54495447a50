/** A chat message as the reference frontend reads it; ids are strings. */
export class ChatMessageResponseDto {
  /** @example 6650f0c2a1b2c3d4e5f60720 */
  _id: string;
  /** @example 6650f0c2a1b2c3d4e5f60718 */
  senderId: string;
  /** @example 6650f0c2a1b2c3d4e5f60719 */
  receiverId: string;
  /**
   * The text, or null for a picture-only message.
   * @example 'See you at eight?'
   */
  text: string | null;
  /**
   * URL of the attached picture, or null.
   * @example https://res.cloudinary.com/demo/image/upload/v1717000000/profile-pictures/6650f0c2a1b2c3d4e5f60718/b1946ac92492d2347c6235b4.webp
   */
  image: string | null;
  /** @example 2026-05-25T17:02:11.000Z */
  createdAt: Date;
  /** @example 2026-05-25T17:02:11.000Z */
  updatedAt: Date;
}
