import {
  BadGatewayException,
  GatewayTimeoutException,
  HttpException,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { ImageReencoder, type PictureKind } from './image-reencoder.js';
import { validateImage } from './image-validator.js';
import { MEDIA_STORAGE, type MediaStorage, type StoredImage } from './media-storage.js';

const TIMED_OUT = Symbol('timed out');
export const PICTURE_STORE_TIMED_OUT = 'The picture store did not answer in time, please try again';
export const PICTURE_STORE_FAILED = 'The picture could not be stored, please try again later';

/**
 * Validates an image's bytes, re-encodes it for its kind and stores the result within
 * UPLOAD_TIMEOUT_MS, for every feature that takes pictures (profile pictures, chat images). Storage
 * errors become 502 and 504 with nothing of theirs shown; an upload that finishes after its 504 is
 * deleted.
 */
@Injectable()
export class ImageUploader {
  private readonly logger = new Logger(ImageUploader.name);
  readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(
    @Inject(MEDIA_STORAGE) private readonly storage: MediaStorage,
    private readonly reencoder: ImageReencoder,
    config: ConfigService<AppConfig, true>,
  ) {
    const media = config.get('media', { infer: true });
    this.maxBytes = media.maxBytes;
    this.timeoutMs = media.uploadTimeoutMs;
  }

  async upload(bytes: Buffer, ownerId: string, kind: PictureKind): Promise<StoredImage> {
    const image = await this.reencoder.reencode(await validateImage(bytes, this.maxBytes), kind);
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
      throw new GatewayTimeoutException(PICTURE_STORE_TIMED_OUT);
    } catch (error) {
      if (error instanceof HttpException) throw error;
      this.logger.error(`Picture upload for user ${ownerId} failed: ${describe(error)}`);
      throw new BadGatewayException(PICTURE_STORE_FAILED);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Best effort: a picture that cannot be deleted is logged, never reported to the client. */
  async discard(key: string, reason: string): Promise<void> {
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
