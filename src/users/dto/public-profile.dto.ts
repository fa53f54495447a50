/** Another person as every signed-in user may see them: no address, no account bookkeeping. */
export class PublicProfileDto {
  /** @example 6650f0c2a1b2c3d4e5f60719 */
  _id: string;
  /** @example 'Grace Hopper' */
  fullName: string;
  /**
   * URL of the profile picture, or an empty string.
   * @example https://res.cloudinary.com/demo/image/upload/v1717000000/chat-auth/avatars/6650f0c2a1b2c3d4e5f60719.png
   */
  profilePic: string;
}
