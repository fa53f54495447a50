import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { imageSize } from 'image-size';

/** The formats we take, keyed by the MIME type detected from the bytes, with the extension stored. */
const ACCEPTED_TYPES = {
  'image/png': 'png',
  // An animated PNG is still a PNG (as an animated GIF is a GIF).
  'image/apng': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
} as const;

export type ImageExtension = (typeof ACCEPTED_TYPES)[keyof typeof ACCEPTED_TYPES];

const MIME_TYPES: Record<ImageExtension, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** Pixel-flood guard: what a decoder (ours, then Cloudinary's) would have to allocate. */
export const MAX_IMAGE_SIDE = 4096;
export const MAX_IMAGE_PIXELS = 24_000_000;

/** What the reference frontend sends: a base64 data URI of one of the accepted formats. */
export const IMAGE_DATA_URI_PREFIX = /^data:image\/(?:png|jpeg|webp|gif);base64,/;
export const imageDataUriMessage = (field: string) =>
  `${field} must be a data:image/(png|jpeg|webp|gif);base64 data URI`;
export const IMAGE_DATA_URI_MESSAGE = imageDataUriMessage('profilePic');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface ValidatedImage {
  bytes: Buffer;
  extension: ImageExtension;
  /** Detected from the bytes, never taken from the client. */
  mimeType: string;
  width: number;
  height: number;
}

/**
 * The bytes of an image data URI. Only the prefix is matched with a regular expression; the payload
 * must be plain padded base64, and its decoded size is checked before anything is decoded.
 */
export function decodeImageDataUri(value: string, maxBytes: number, field = 'profilePic'): Buffer {
  const prefix = IMAGE_DATA_URI_PREFIX.exec(value);
  if (!prefix) throw new BadRequestException(imageDataUriMessage(field));
  const payload = value.slice(prefix[0].length);
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) {
    throw new BadRequestException(`${field} is not valid base64`);
  }
  const padding = payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0;
  if ((payload.length / 4) * 3 - padding > maxBytes) throw imageTooLarge(maxBytes);
  return Buffer.from(payload, 'base64');
}

/**
 * Accepts PNG, JPEG, WebP and GIF by their magic numbers, with dimensions read from the header.
 * Nothing is decoded here: ImageReencoder decodes what passes, and refuses a damaged body.
 */
export async function validateImage(bytes: Buffer, maxBytes: number): Promise<ValidatedImage> {
  if (bytes.length > maxBytes) throw imageTooLarge(maxBytes);
  if (bytes.length === 0) throw new BadRequestException('The image is empty');
  // Loaded on the first picture: memory an instance that serves none need not hold.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(bytes);
  const extension = detected && ACCEPTED_TYPES[detected.mime as keyof typeof ACCEPTED_TYPES];
  if (!extension) {
    throw new BadRequestException('Only PNG, JPEG, WebP and GIF images are accepted');
  }
  const { width, height } = readDimensions(bytes, extension);
  checkDimensions(width, height);
  return { bytes, extension, mimeType: MIME_TYPES[extension], width, height };
}

/** The pixel-flood guard, for dimensions from any header parser. */
export function checkDimensions(width: number, height: number): void {
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new BadRequestException(
      `The image is ${width} × ${height} pixels; at most ${MAX_IMAGE_SIDE} × ${MAX_IMAGE_SIDE} is accepted`,
    );
  }
}

export function imageDamaged(): BadRequestException {
  return new BadRequestException('The image is damaged or incomplete');
}

function readDimensions(bytes: Buffer, extension: ImageExtension): { width: number; height: number } {
  let size: ReturnType<typeof imageSize> | undefined;
  try {
    // A copy with a buffer of its own: image-size 2.1 reads through a view into the whole underlying
    // ArrayBuffer, which for a small pooled Buffer holds unrelated bytes past the image's end.
    size = imageSize(new Uint8Array(bytes));
  } catch {
    size = undefined;
  }
  // The header parser must agree with the magic-number check, or one of them was fooled.
  if (!size || size.type !== extension || !size.width || !size.height) throw imageDamaged();
  return { width: size.width, height: size.height };
}

export function imageTooLarge(maxBytes: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`The image must be at most ${formatBytes(maxBytes)}`);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`;
  return `${Math.floor(bytes / 1024)} kB`;
}
