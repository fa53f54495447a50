import { Transform } from 'class-transformer';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { IMAGE_DATA_URI_PREFIX, imageDataUriMessage } from '../../media/image-validator.js';

export const MESSAGE_TEXT_MAX_LENGTH = 2000;
export const TEXT_TOO_LONG = `text must be at most ${MESSAGE_TEXT_MAX_LENGTH} characters long`;
export const TEXT_CONTROL_CHARACTERS = 'text must not contain control characters other than line breaks';
export const TEXT_NOT_A_STRING = 'text must be a string';

/** What the reference frontend sends: `text` may be empty and `image` null when the other is given. */
const emptyToUndefined = ({ value }: { value: unknown }): unknown => {
  // Windows line breaks become plain ones (a lone carriage return is still a control character).
  const trimmed = typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim() : value;
  return trimmed === '' || trimmed === null ? undefined : trimmed;
};

export class SendMessageDto {
  /**
   * 1 to 2,000 characters once trimmed; line breaks are kept, other control characters refused.
   * @example 'See you at eight?'
   */
  @IsOptional()
  @Transform(emptyToUndefined)
  @Length(1, MESSAGE_TEXT_MAX_LENGTH, { message: TEXT_TOO_LONG })
  @Matches(/^(?:[^\p{Cc}\p{Cs}]|\n)*$/u, { message: TEXT_CONTROL_CHARACTERS })
  @IsString({ message: TEXT_NOT_A_STRING })
  text?: string;

  /**
   * A picture as a base64 data URI: PNG, JPEG, WebP or GIF, at most MEDIA_MAX_BYTES once decoded.
   * Stored re-encoded: its first frame, at most 1024 px on the longer side, as WebP without metadata.
   * @example data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC
   */
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(IMAGE_DATA_URI_PREFIX, { message: imageDataUriMessage('image') })
  @IsString({ message: imageDataUriMessage('image') })
  image?: string;
}
