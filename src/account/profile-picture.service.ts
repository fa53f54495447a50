import { Injectable, NotFoundException } from '@nestjs/common';
import type { Types } from 'mongoose';
import type { UserRecord } from '../common/auth-context.js';
import { UsersService } from '../users/users.service.js';
import { ImageUploader } from '../media/image-uploader.js';

/**
 * Changes a user's picture in an order that never leaves the profile pointing at nothing: validate,
 * store the new picture, point the user at it, and only then delete the previous one.
 */
@Injectable()
export class ProfilePictureService {
  constructor(
    private readonly uploader: ImageUploader,
    private readonly users: UsersService,
  ) {}

  get maxBytes(): number {
    return this.uploader.maxBytes;
  }

  async replace(userId: Types.ObjectId, bytes: Buffer): Promise<UserRecord> {
    const stored = await this.uploader.upload(bytes, userId.toHexString(), 'avatar');
    let updated: Awaited<ReturnType<UsersService['setProfilePicture']>>;
    try {
      updated = await this.users.setProfilePicture(userId, stored);
    } catch (error) {
      void this.uploader.discard(stored.key, 'the profile could not be updated');
      throw error;
    }
    if (!updated) {
      void this.uploader.discard(stored.key, 'the user no longer exists');
      throw new NotFoundException('User not found');
    }
    if (updated.previousKey) void this.uploader.discard(updated.previousKey, 'it was replaced');
    return updated.user;
  }
}
