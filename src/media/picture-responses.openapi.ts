import { applyDecorators } from '@nestjs/common';
import { BODY_APART_FROM_PICTURE_TOO_LARGE } from '../common/http/body-errors.js';
import { ApiError } from '../common/openapi/api-error.decorator.js';
import { PICTURE_STORE_FAILED, PICTURE_STORE_TIMED_OUT } from './image-uploader.js';

/** The 400 of a picture refused by the byte checks (image-validator.ts) or the decoder (image-reencoder.ts). */
export const IMAGE_REFUSED =
  'Not a PNG, JPEG, WebP or GIF image (checked on the bytes), over 4096 × 4096 pixels, or not decodable.';
export const IMAGE_PROBLEMS = [
  'Only PNG, JPEG, WebP and GIF images are accepted',
  'The image is damaged or incomplete',
  'The image is 6000 × 4000 pixels; at most 4096 × 4096 is accepted',
];

/**
 * The 413, 502 and 504 of a route that stores a picture through ImageUploader; `unchanged` says
 * what is left as it was when the store fails.
 */
export function ApiPictureStore(unchanged: string) {
  return applyDecorators(
    ApiError(
      413,
      'The image is over MEDIA_MAX_BYTES (default 5 MB), or the rest of the body over 16 KiB.',
      'The image must be at most 5 MB',
      'The request body is too large',
      BODY_APART_FROM_PICTURE_TOO_LARGE,
    ),
    ApiError(502, `The picture store failed; ${unchanged}.`, PICTURE_STORE_FAILED),
    ApiError(
      504,
      `The picture store did not answer within UPLOAD_TIMEOUT_MS; ${unchanged}.`,
      PICTURE_STORE_TIMED_OUT,
    ),
  );
}
