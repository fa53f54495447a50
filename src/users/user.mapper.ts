import type { UserRecord } from '../common/auth-context.js';
import type { UserResponseDto } from './dto/user-response.dto.js';

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
