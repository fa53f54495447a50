import { Injectable, Logger } from '@nestjs/common';
import { availableParallelism } from 'node:os';
import type Sharp from 'sharp';
import { Semaphore } from '../common/concurrency/semaphore.js';
import {
  checkDimensions,
  imageDamaged,
  type ImageExtension,
  MAX_IMAGE_SIDE,
  type ValidatedImage,
} from './image-validator.js';

/** The longer side of a stored picture, in pixels, by what it is for. */
export const PICTURE_MAX_SIDE = { avatar: 512, chat: 1024 } as const;
export type PictureKind = keyof typeof PICTURE_MAX_SIDE;

/** Lossy WebP for every picture: small for photos, with an alpha channel for transparent ones. */
const WEBP_QUALITY = 80;

/** libvips' name of each accepted format, to check that it reads the file as the validator did. */
const DECODER_FORMATS: Record<ImageExtension, string> = {
  png: 'png',
  jpg: 'jpeg',
  webp: 'webp',
  gif: 'gif',
};

/**
 * sharp and libvips, loaded with the first picture: some 20 MiB of memory that an instance nobody
 * uploads to never needs.
 */
let loading: Promise<typeof Sharp> | undefined;
function loadSharp(): Promise<typeof Sharp> {
  loading ??= import('sharp').then(({ default: sharp }) => {
    // Process-wide settings of sharp, which only this class uses: every picture is new, so
    // libvips' operation cache would only hold memory.
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  });
  return loading;
}

/**
 * Decodes a validated picture and encodes a new one from its pixels: the first frame only, turned
 * upright from its EXIF orientation, scaled down to PICTURE_MAX_SIDE, as WebP with no metadata (EXIF
 * and its GPS position, XMP, ICC, comments). Bytes after the image or in its chunks go nowhere.
 *
 * sharp works on libuv's thread pool, off the event loop. At most one picture per core but one is
 * re-encoded at once, each on one libvips thread, so the event loop keeps a core; the others wait
 * their turn.
 */
@Injectable()
export class ImageReencoder {
  private readonly logger = new Logger(ImageReencoder.name);
  private readonly slots = new Semaphore(Math.max(1, availableParallelism() - 1));

  reencode(image: ValidatedImage, kind: PictureKind): Promise<ValidatedImage> {
    return this.slots.run(() => this.run(image, PICTURE_MAX_SIDE[kind]));
  }

  private async run(image: ValidatedImage, maxSide: number): Promise<ValidatedImage> {
    const sharp = await loadSharp();
    // The header again, as the decoder reads it: a GIF whose frame is larger than its declared
    // screen, for one, is sized by its frame. Reading it decodes nothing, hence no pixel limit.
    const header = await sharp(image.bytes, { limitInputPixels: false })
      .metadata()
      .catch((error: unknown) => this.undecodable(error));
    if (header.format !== DECODER_FORMATS[image.extension]) throw imageDamaged();
    checkDimensions(header.width, header.height);

    // failOn stays at sharp's default, 'warning', its advice for untrusted input.
    const { data, info } = await sharp(image.bytes, {
      limitInputPixels: MAX_IMAGE_SIDE * MAX_IMAGE_SIDE,
      autoOrient: true,
      pages: 1,
    })
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: WEBP_QUALITY })
      .toBuffer({ resolveWithObject: true })
      .catch((error: unknown) => this.undecodable(error));
    return { bytes: data, extension: 'webp', mimeType: 'image/webp', width: info.width, height: info.height };
  }

  private undecodable(error: unknown): never {
    this.logger.debug(`Refused an image the decoder could not read: ${String(error)}`);
    throw imageDamaged();
  }
}
