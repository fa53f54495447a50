import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { ValidatedImage } from './image-validator.js';
import { MEDIA_STORAGE, type MediaStorage, type StoredImage } from './media-storage.js';
import { LOCAL_MEDIA_PATH } from './media.routes.js';

const KEY = /^local:([a-f0-9]{24}\/[a-f0-9]{32}\.(?:png|jpg|webp|gif))$/;

/**
 * Stores pictures as `<root>/<userId>/<random>.<ext>` and serves them at `/media/<userId>/<file>`.
 * The URL kept in profilePic is `<publicUrl>/<userId>/<file>` (MEDIA_PUBLIC_URL), so a frontend on
 * another origin can show it.
 */
export class LocalDiskStorage implements MediaStorage {
  constructor(
    private readonly root: string,
    private readonly publicUrl = LOCAL_MEDIA_PATH,
  ) {}

  async save(image: ValidatedImage, ownerId: string): Promise<StoredImage> {
    if (!/^[a-f0-9]{24}$/.test(ownerId)) throw new Error(`Invalid owner id: ${ownerId}`);
    const file = `${ownerId}/${randomBytes(16).toString('hex')}.${image.extension}`;
    await mkdir(join(this.root, ownerId), { recursive: true });
    await writeFile(join(this.root, file), image.bytes, { flag: 'wx' });
    return { url: `${this.publicUrl}/${file}`, key: `local:${file}` };
  }

  async delete(key: string): Promise<void> {
    const match = KEY.exec(key);
    if (!match) throw new Error(`Not a local media key: ${key}`);
    await rm(join(this.root, match[1]), { force: true });
  }

  describe(): string {
    return `local disk at ${this.root}, served at ${this.publicUrl}`;
  }

  /**
   * Read-only file serving: Content-Type from the extension (which the validator chose from the
   * bytes), nosniff, no directory listing or redirects, no dotfiles; anything else falls through.
   */
  requestHandler(): RequestHandler {
    return express.static(this.root, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      fallthrough: true,
      setHeaders: (res) => {
        res.setHeader('X-Content-Type-Options', 'nosniff');
        // helmet's same-origin would stop a frontend on another origin from showing the picture.
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        // File names are random and never reused, but a deleted picture should not outlive a day.
        res.setHeader('Cache-Control', 'private, max-age=86400');
      },
    });
  }
}

/** Serves the local-disk store at /media when it is the active store (Cloudinary serves its own). */
export function serveLocalMedia(app: NestExpressApplication): void {
  const storage = app.get<MediaStorage>(MEDIA_STORAGE);
  if (!(storage instanceof LocalDiskStorage)) return;
  // Misses get the API's JSON 404 (the error reaches Nest's exception layer), not Express's HTML page.
  const notFound = (req: Request, _res: Response, next: NextFunction) =>
    next(new NotFoundException(`Cannot ${req.method} ${req.originalUrl}`));
  app.use(LOCAL_MEDIA_PATH, storage.requestHandler(), notFound);
}
