import type { UserRecord } from '../common/auth-context.js';
import type { ContactResponseDto, UserResponseDto } from './dto/user-response.dto.js';

/** The only way a user leaves the API to themselves: an explicit list of public fields. */
export function toUserResponse(user: UserRecord): UserResponseDto {
  return Object.assign(toContactResponse(user), { twoFactorEnabled: user.twoFactorEnabled === true });
}

/** Another user, as the chat sidebar lists them: whether they use a second factor is theirs to know. */
export function toContactResponse(user: UserRecord): ContactResponseDto {
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
