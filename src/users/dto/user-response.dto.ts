import { ApiProperty } from '@nestjs/swagger';

/**
 * The caller's own account, the same shape on every route that returns it. Other people are only
 * ever shown as a PublicProfileDto.
 */
export class UserResponseDto {
  /** @example 6650f0c2a1b2c3d4e5f60718 */
  _id: string;
  /** @example 'Ada Lovelace' */
  fullName: string;
  /** @example ada@example.com */
  email: string;
  /**
   * URL of the profile picture, or an empty string.
   * @example https://res.cloudinary.com/demo/image/upload/v1717000000/chat-auth/avatars/6650f0c2a1b2c3d4e5f60718.webp
   */
  profilePic: string;
  /** Whether the email address was confirmed through a link sent to it. */
  emailVerified: boolean;
  /** @example 2026-05-24T09:30:00.000Z */
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  /** @example 2026-05-25T17:02:11.000Z */
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
  /** Whether signing in asks for a second factor (an authenticator code or a recovery code). */
  twoFactorEnabled: boolean;
}
