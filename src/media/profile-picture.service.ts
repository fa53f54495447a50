import {
  BadGatewayException,
  GatewayTimeoutException,
  HttpException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Types } from 'mongoose';
import type { AppConfig } from '../config/app-config.js';
import type { UserRecord } from '../users/user.mapper.js';
import { UsersService } from '../users/users.service.js';
import { validateImage, type ValidatedImage } from './image-validator.js';
import { MEDIA_STORAGE, type MediaStorage, type StoredImage } from './media-storage.js';

const TIMED_OUT = Symbol('timed out');

/**
 * Changes a user's picture in an order that never leaves the profile pointing at nothing: validate,
 * store the new picture, point the user at it, and only then delete the previous one.
 */
@Injectable()
export class ProfilePictureService {
  private readonly logger = new Logger(ProfilePictureService.name);
  readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly users: UsersService,
    config: ConfigService<AppConfig, true>,
  ) {
    const media = config.get('media', { infer: true });
    this.maxBytes = media.maxBytes;
    this.timeoutMs = media.uploadTimeoutMs;
  }

  async replace(userId: Types.ObjectId, bytes: Buffer): Promise<UserRecord> {
    const image = await validateImage(bytes, this.maxBytes);
    const stored = await this.store(image, userId.toHexString());
    let updated: Awaited<ReturnType<UsersService['setProfilePicture']>>;
    try {
      updated = await this.users.setProfilePicture(userId, stored);
    } catch (error) {
      void this.discard(stored.key, 'the profile could not be updated');
      throw error;
    }
    if (!updated) {
      void this.discard(stored.key, 'the user no longer exists');
      throw new NotFoundException('User not found');
    }
    if (updated.previousKey) void this.discard(updated.previousKey, 'it was replaced');
    return updated.user;
  }

  /** Saves within UPLOAD_TIMEOUT_MS; storage errors become 502 and 504 with nothing of theirs shown. */
  private async store(image: ValidatedImage, ownerId: string): Promise<StoredImage> {
    const upload = this.storage.save(image, ownerId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(resolve, this.timeoutMs, TIMED_OUT);
    });
    try {
      const stored = await Promise.race([upload, timeout]);
      if (stored !== TIMED_OUT) return stored;
      this.logger.warn(`Picture upload for user ${ownerId} timed out after ${this.timeoutMs} ms`);
      // The upload may still succeed: its picture would belong to no one.
      void upload.then(
        (late) => this.discard(late.key, 'its upload finished after the timeout'),
        () => undefined,
      );
      throw new GatewayTimeoutException('The picture store did not answer in time, please try again');
    } catch (error) {
      if (error instanceof HttpException) throw error;
      this.logger.error(`Picture upload for user ${ownerId} failed: ${describe(error)}`);
      throw new BadGatewayException('The picture could not be stored, please try again later');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Best effort: a picture that cannot be deleted is logged, never reported to the client. */
  private async discard(key: string, reason: string): Promise<void> {
    try {
      await this.storage.delete(key);
    } catch (error) {
      this.logger.warn(`Could not delete picture ${key} (${reason}): ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
