/** The public view of an account: the same shape everywhere a user is returned. */
export class UserResponseDto {
  /** @example 6650f0c2a1b2c3d4e5f60718 */
  _id: string;
  /** @example 'Ada Lovelace' */
  fullName: string;
  /** @example ada@example.com */
  email: string;
  /** URL of the profile picture, or an empty string. */
  profilePic: string;
  /** Whether the email address was confirmed through a link sent to it. */
  emailVerified: boolean;
  createdAt: Date;
  updatedAt: Date;
}
