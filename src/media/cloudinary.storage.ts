import http from 'node:http';
import https from 'node:https';
import type { UploadApiOptions, v2 } from 'cloudinary';
import { ConfigurationError } from '../config/environment.js';
import type { ValidatedImage } from './image-validator.js';
import type { MediaStorage, StoredImage } from './media-storage.js';

/** Every picture goes to `profile-pictures/<userId>/<random public id>`. */
export const CLOUDINARY_FOLDER = 'profile-pictures';
const KEY_PREFIX = 'cloudinary:';
const DEFAULT_API = 'https://api.cloudinary.com';

/**
 * Stores pictures on Cloudinary through the official SDK. The account comes from CLOUDINARY_URL
 * (`cloudinary://key:secret@cloud_name?option=value`, query options passed on as the SDK does) and
 * travels with every call, so the SDK's process-wide config and process.env are never used.
 */
export class CloudinaryStorage implements MediaStorage {
  private readonly account: UploadApiOptions;
  /** Loaded here, not with this file: an instance that stores pictures elsewhere never holds the SDK (some 20 MiB). */
  private readonly sdk: Promise<typeof v2> = import('cloudinary').then(({ v2: cloudinary }) => cloudinary);

  constructor(
    cloudinaryUrl: string,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(cloudinaryUrl);
    const options = Object.fromEntries(url.searchParams) as Record<string, string>;
    let api: URL;
    try {
      api = new URL(options.upload_prefix ?? DEFAULT_API);
    } catch {
      throw new ConfigurationError(['CLOUDINARY_URL has an invalid upload_prefix']);
    }
    this.account = {
      ...options,
      cloud_name: url.hostname,
      api_key: decodeURIComponent(url.username),
      api_secret: decodeURIComponent(url.password),
      // The SDK picks node:http or node:https once, when it is first loaded, from process.env's
      // CLOUDINARY_URL; an agent of the upload_prefix's own protocol makes ours work either way.
      agent:
        api.protocol === 'http:' ? new http.Agent({ keepAlive: true }) : new https.Agent({ keepAlive: true }),
    };
  }

  async save(image: ValidatedImage, ownerId: string): Promise<StoredImage> {
    const cloudinary = await this.sdk;
    return new Promise((resolve, reject) => {
      const upload = cloudinary.uploader.upload_stream(
        {
          ...this.account,
          resource_type: 'image',
          folder: `${CLOUDINARY_FOLDER}/${ownerId}`,
          allowed_formats: ['png', 'jpg', 'webp', 'gif'],
          // Twice our own limit: the caller answers 504 at timeoutMs, and a late answer can still
          // arrive so that the orphaned asset is deleted instead of forgotten.
          timeout: this.timeoutMs * 2,
          // Stream uploads return no promise; the SDK's own would only be rejected unobserved.
          disable_promises: true,
        },
        (error, result) => {
          if (error || !result) return reject(cloudinaryError('upload', error));
          if (typeof result.secure_url !== 'string' || typeof result.public_id !== 'string') {
            return reject(new Error('Cloudinary upload answered without secure_url or public_id'));
          }
          resolve({ url: result.secure_url, key: `${KEY_PREFIX}${result.public_id}` });
        },
      );
      upload.end(image.bytes);
    });
  }

  async delete(key: string): Promise<void> {
    if (!key.startsWith(KEY_PREFIX)) throw new Error(`Not a Cloudinary media key: ${key}`);
    const options = {
      ...this.account,
      resource_type: 'image' as const,
      invalidate: true,
      timeout: this.timeoutMs,
    };
    const cloudinary = await this.sdk;
    let result: { result?: unknown };
    try {
      result = (await cloudinary.uploader.destroy(key.slice(KEY_PREFIX.length), options)) as {
        result?: unknown;
      };
    } catch (error) {
      throw cloudinaryError('destroy', error);
    }
    if (result.result !== 'ok' && result.result !== 'not found') {
      throw new Error(`Cloudinary destroy answered ${JSON.stringify(result.result)}`);
    }
  }

  describe(): string {
    const api = this.account.upload_prefix as string | undefined;
    return `Cloudinary, cloud "${this.account.cloud_name}"${api ? ` via ${new URL(api).origin}` : ''}`;
  }
}

/** The SDK reports failures as plain objects `{ message, http_code }`; these go to the log only. */
function cloudinaryError(action: string, error: unknown): Error {
  const { message, http_code } = (error ?? {}) as { message?: string; http_code?: number };
  const status = http_code ? ` (HTTP ${http_code})` : '';
  return new Error(`Cloudinary ${action} failed${status}: ${message ?? String(error)}`);
}
