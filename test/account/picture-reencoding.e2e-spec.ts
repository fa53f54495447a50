import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { signUp } from '../support/auth.js';
import { FakeCloudinary } from '../support/fake-cloudinary.js';
import {
  animated,
  animatedPng,
  decode,
  EXIF_GPS_INFO,
  gifFrameFlood,
  HTML_PAYLOAD,
  PHOTO_AUTHOR,
  photoWithGps,
  pngWithGarbagePixels,
  RED,
  sameColour,
  solidPng,
  withHtmlAppended,
} from '../support/hostile-images.js';
import { dataUri, png } from '../support/images.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';

const AVATAR_SIDE = 512;

/** supertest parser that keeps a response body as the raw bytes. */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** Nothing of the upload but its first frame's pixels: no page, no script, no animation chunk. */
function expectNoPassengers(stored: Buffer) {
  for (const marker of ['<html', '<script', 'alert(', 'acTL', 'fdAT', PHOTO_AUTHOR]) {
    expect({ marker, found: stored.includes(marker) }).toEqual({ marker, found: false });
  }
}

describe('Profile pictures are re-encoded (local disk, e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  let dataDir: string;
  const http = () => request(app.getHttpServer());
  const updateProfile = (cookie: string, image: Buffer) =>
    http()
      .put('/api/auth/update-profile')
      .set('Cookie', cookie)
      .send({ profilePic: dataUri(image) });
  const uploadAvatar = (cookie: string, image: Buffer) =>
    http().put('/api/users/me/avatar').set('Cookie', cookie).attach('file', image, 'picture.png');
  const profilePicOf = async (userId: string) =>
    (await db.collection('users').findOne({ _id: new Types.ObjectId(userId) }))?.profilePic as string;

  /** The stored file and what /media serves for it, which must be the same WebP bytes. */
  async function stored(url: string) {
    const path = new URL(url).pathname;
    expect(path).toMatch(/^\/media\/[a-f0-9]{24}\/[a-f0-9]{32}\.webp$/);
    const onDisk = await readFile(join(dataDir, path));
    const served = await http().get(path).buffer(true).parse(binary).expect(200);
    expect(served.headers['content-type']).toBe('image/webp');
    expect((served.body as Buffer).equals(onDisk)).toBe(true);
    return { bytes: onDisk, picture: await decode(onDisk) };
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'picture-reencoding-e2e-'));
    app = await createTestApp({ DATA_DIR: dataDir });
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps only the first frame of a 300-frame animated PNG, at most 512 px on the longer side', async () => {
    const flood = animatedPng(1600, 1200, 300);
    for (const send of [updateProfile, uploadAvatar]) {
      const { cookie } = await signUp(app);
      const res = await send(cookie, flood).expect(200);
      const { bytes, picture } = await stored(res.body.profilePic);
      expect(picture).toMatchObject({ format: 'webp', frames: 1, width: AVATAR_SIDE, height: 384 });
      expect(sameColour(picture.centre, RED)).toBe(true);
      expectNoPassengers(bytes);
    }
  });

  it.each(['webp', 'gif'] as const)('keeps only the first frame of an animated %s', async (format) => {
    const image = await animated(format, 600, 400, 3);
    expect((await decode(image)).frames).toBeGreaterThan(1);
    const { cookie } = await signUp(app);
    const res = await uploadAvatar(cookie, image).expect(200);
    const { picture } = await stored(res.body.profilePic);
    expect(picture).toMatchObject({ format: 'webp', frames: 1, width: AVATAR_SIDE, height: 341 });
    expect(sameColour(picture.centre, RED)).toBe(true);
  });

  it.each([
    ['a GIF whose 1 × 1 screen hides a 20000 × 20000 frame', gifFrameFlood(20000)],
    ['a PNG whose header declares 20000 × 20000', png(20000, 20000, 'none')],
  ])('refuses %s before decoding it, and stores nothing', async (_name, flood) => {
    const { cookie, user } = await signUp(app);
    expect(flood.length).toBeLessThan(100);
    for (const send of [updateProfile, uploadAvatar]) {
      const res = await send(cookie, flood).expect(400);
      expect(res.body.message).toBe('The image is 20000 × 20000 pixels; at most 4096 × 4096 is accepted');
    }
    expect(await profilePicOf(user._id)).toBe('');
    await expect(readdir(join(dataDir, 'media', user._id))).rejects.toThrow(/ENOENT/);
  });

  it('stores the picture of a PNG followed by a web page, and not the page', async () => {
    const polyglot = withHtmlAppended(await solidPng(40, 30));
    expect(polyglot.includes(HTML_PAYLOAD)).toBe(true);
    const { cookie } = await signUp(app);
    const res = await updateProfile(cookie, polyglot).expect(200);
    const { bytes, picture } = await stored(res.body.profilePic);
    expect(picture).toMatchObject({ format: 'webp', width: 40, height: 30 });
    expectNoPassengers(bytes);
  });

  it('drops EXIF (GPS position, camera, author), XMP and ICC, and turns the photo upright', async () => {
    const photo = await photoWithGps(60, 40);
    expect((await decode(photo)).exif).toContain(EXIF_GPS_INFO);
    const { cookie } = await signUp(app);
    const res = await uploadAvatar(cookie, photo).expect(200);
    const { bytes, picture } = await stored(res.body.profilePic);
    expect(picture).toMatchObject({ format: 'webp', exif: undefined, xmp: false, icc: false });
    // EXIF orientation 6 is a quarter turn: the 60 × 40 pixels show as 40 × 60.
    expect(picture).toMatchObject({ width: 40, height: 60 });
    expectNoPassengers(bytes);
  });

  it('keeps transparency', async () => {
    const { cookie } = await signUp(app);
    const res = await updateProfile(cookie, await solidPng(20, 20, RED, 0.5)).expect(200);
    expect((await stored(res.body.profilePic)).picture).toMatchObject({ hasAlpha: true, width: 20 });
  });

  it('answers 400 to an image that cannot be decoded past a valid header', async () => {
    const { cookie, user } = await signUp(app);
    for (const send of [updateProfile, uploadAvatar]) {
      const res = await send(cookie, pngWithGarbagePixels()).expect(400);
      expect(res.body.message).toBe('The image is damaged or incomplete');
    }
    expect(await profilePicOf(user._id)).toBe('');
  });
});

describe('Profile pictures are re-encoded (Cloudinary, e2e)', () => {
  const fake = new FakeCloudinary();
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    await fake.start();
    app = await createTestApp({ CLOUDINARY_URL: fake.url });
  });
  afterAll(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => fake.reset());

  it('uploads one bounded, bare WebP frame whatever was sent', async () => {
    const { cookie } = await signUp(app);
    for (const image of [
      animatedPng(1600, 1200, 300),
      withHtmlAppended(await solidPng(2000, 900)),
      await photoWithGps(3000, 1000),
    ]) {
      await http()
        .put('/api/auth/update-profile')
        .set('Cookie', cookie)
        .send({ profilePic: dataUri(image) })
        .expect(200);
    }
    const uploads = fake.requests.filter((recorded) => recorded.action === 'upload');
    expect(uploads).toHaveLength(3);
    const pictures = await Promise.all(uploads.map((upload) => decode(upload.file!)));
    expect(
      pictures.map(({ format, frames, width, height, exif }) => ({ format, frames, width, height, exif })),
    ).toEqual([
      { format: 'webp', frames: 1, width: 512, height: 384, exif: undefined },
      { format: 'webp', frames: 1, width: 512, height: 230, exif: undefined },
      { format: 'webp', frames: 1, width: 171, height: 512, exif: undefined },
    ]);
    for (const upload of uploads) expectNoPassengers(upload.file!);
  });

  it('sends nothing to Cloudinary for a pixel flood or an undecodable image', async () => {
    const { cookie } = await signUp(app);
    for (const image of [gifFrameFlood(20000), pngWithGarbagePixels()]) {
      await http()
        .put('/api/users/me/avatar')
        .set('Cookie', cookie)
        .attach('file', image, 'a.gif')
        .expect(400);
    }
    expect(fake.requests).toEqual([]);
  });
});
