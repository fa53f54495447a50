import type { ValidatedImage } from './image-validator.js';

/** Injection token of the one MediaStorage the app runs with (chosen at boot from CLOUDINARY_URL). */
export const MEDIA_STORAGE = Symbol('MediaStorage');

export interface StoredImage {
  /** What clients display: an https URL (Cloudinary) or a URL under MEDIA_PUBLIC_URL (local disk). */
  url: string;
  /** Opaque handle for delete(); kept in users.profilePicKey and never returned. */
  key: string;
}

/** Where profile pictures live. Adapters: cloudinary.storage.ts and local-disk.storage.ts. */
export interface MediaStorage {
  save(image: ValidatedImage, ownerId: string): Promise<StoredImage>;
  /**
   * Removes a stored picture. An already missing one is not an error; a key this store did not
   * issue (e.g. written while the app ran with the other store) is rejected and left alone.
   */
  delete(key: string): Promise<void>;
  /** Where pictures go, for the start-up log; never includes secrets. */
  describe(): string;
}
