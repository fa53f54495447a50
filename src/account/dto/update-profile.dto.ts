import { IsString, Matches } from 'class-validator';
import { IMAGE_DATA_URI_MESSAGE, IMAGE_DATA_URI_PREFIX } from '../../media/image-validator.js';

/** What the reference frontend sends to change the profile picture. */
export class UpdateProfileDto {
  /**
   * The picture as a base64 data URI: PNG, JPEG, WebP or GIF, at most MEDIA_MAX_BYTES once decoded.
   * Stored re-encoded: its first frame, at most 512 px on the longer side, as WebP without metadata.
   * @example data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYGAAAAAEAAH2FzhVAAAAAElFTkSuQmCC
   */
  @IsString({ message: IMAGE_DATA_URI_MESSAGE })
  @Matches(IMAGE_DATA_URI_PREFIX, { message: IMAGE_DATA_URI_MESSAGE })
  profilePic: string;
}
