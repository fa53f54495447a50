import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { CloudinaryStorage } from './cloudinary.storage.js';
import { ImageReencoder } from './image-reencoder.js';
import { ImageUploader } from './image-uploader.js';
import { LocalDiskStorage } from './local-disk.storage.js';
import { MEDIA_STORAGE, type MediaStorage } from './media-storage.js';

function createMediaStorage(config: ConfigService<AppConfig, true>): MediaStorage {
  const { cloudinaryUrl, uploadTimeoutMs, publicUrl } = config.get('media', { infer: true });
  if (cloudinaryUrl) return new CloudinaryStorage(cloudinaryUrl, uploadTimeoutMs);
  return new LocalDiskStorage(join(config.get('app.dataDir', { infer: true }), 'media'), publicUrl);
}

/** Where pictures are stored. Exports MEDIA_STORAGE and ImageUploader for features that store or delete pictures. */
@Module({
  providers: [
    { provide: MEDIA_STORAGE, inject: [ConfigService], useFactory: createMediaStorage },
    ImageReencoder,
    ImageUploader,
  ],
  exports: [MEDIA_STORAGE, ImageUploader],
})
export class MediaModule {}
