import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createTestApp } from '../support/app/test-app.js';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';
const BUNDLE = 'console.log("chat");';

describe('FRONTEND_DIR: a built single-page app on the API origin (e2e)', () => {
  let app: NestExpressApplication;
  let dir: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'frontend-e2e-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'assets', 'index-abc123.js'), BUNDLE);
    await writeFile(join(dir, 'avatar.png'), 'not really a png');
    app = await createTestApp({ FRONTEND_DIR: dir });
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for client-side routes', async () => {
    for (const path of ['/', '/login', '/settings/profile']) {
      const res = await http().get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toBe(INDEX);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the built files, hashed bundles as immutable', async () => {
    const bundle = await http().get('/assets/index-abc123.js').expect(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    await http().get('/avatar.png').expect(200);
  });

  it('answers a missing file with the JSON 404, not the page', async () => {
    const res = await http().get('/assets/missing-123.js').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404 });
  });

  it('leaves /api, /media and /socket.io alone, and does not serve the page to other methods', async () => {
    const api = await http().get('/api/nothing-here').expect(404);
    expect(api.body).toMatchObject({ statusCode: 404 });
    const media = await http().get('/media/nothing-here').expect(404);
    expect(media.body).toMatchObject({ statusCode: 404 });
    const socket = await http().get('/socket.io/?EIO=4&transport=polling').expect(200);
    expect(socket.text).toMatch(/"sid"/);
    const post = await http().post('/login').send({}).expect(404);
    expect(post.body).toMatchObject({ statusCode: 404 });
  });

  it('lets the page show pictures from Cloudinary and the media URL (CSP img-src)', async () => {
    const res = await http().get('/').expect(200);
    expect(res.headers['content-security-policy']).toMatch(
      /img-src 'self' data: blob: https: http:\/\/localhost:5001/,
    );
  });

  it('refuses to boot when FRONTEND_DIR has no index.html', async () => {
    await expect(createTestApp({ FRONTEND_DIR: join(dir, 'assets') })).rejects.toThrow(
      /FRONTEND_DIR must be a built frontend with an index\.html/,
    );
  });
});
