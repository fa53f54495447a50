import { join } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';

/** Paths that never fall back to the app's index.html: the API, the socket and stored pictures. */
const SERVER_PATHS = /^\/(?:api|socket\.io|media)(?:\/|$)/i;
/** Vite puts content-hashed bundles here: their URL changes with their content. */
const HASHED_ASSETS = /^\/assets\//;

/**
 * Serves a built single-page app (FRONTEND_DIR) from the API's own origin, as the reference backend
 * does in production: its files, and index.html for every other page URL so client-side routes
 * survive a reload. A missing file (a path with an extension) gets the JSON 404, not the page.
 */
export function serveFrontend(app: NestExpressApplication, dir: string): void {
  const index = join(dir, 'index.html');
  const files = express.static(dir, {
    index: false,
    setHeaders: (res, _path) => {
      const url = (res.req as Request).path;
      res.setHeader(
        'Cache-Control',
        HASHED_ASSETS.test(url) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || SERVER_PATHS.test(req.path)) return next();
    files(req, res, () => {
      if (/\.[^/]+$/.test(req.path)) return next(new NotFoundException(`Cannot ${req.method} ${req.path}`));
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  });
}
