import type { Types } from 'mongoose';
import type { UserResponseDto } from './dto/user-response.dto.js';
import type { User } from './schemas/user.schema.js';

export type UserRecord = Pick<
  User,
  'email' | 'fullName' | 'profilePic' | 'emailVerified' | 'createdAt' | 'updatedAt'
> & {
  _id: Types.ObjectId;
};

/** The only way a user leaves the API: an explicit list of public fields. */
export function toUserResponse(user: UserRecord): UserResponseDto {
  return {
    _id: user._id.toHexString(),
    fullName: user.fullName,
    email: user.email,
    profilePic: user.profilePic ?? '',
    emailVerified: user.emailVerified === true,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}
