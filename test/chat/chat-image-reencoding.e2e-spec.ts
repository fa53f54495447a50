import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
import { dataUri } from '../support/images.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';

const CHAT_SIDE = 1024;

/** Nothing of the upload but its first frame's pixels: no page, no script, no animation chunk. */
function expectNoPassengers(stored: Buffer) {
  for (const marker of ['<html', '<script', 'alert(', 'acTL', 'fdAT', PHOTO_AUTHOR]) {
    expect({ marker, found: stored.includes(marker) }).toEqual({ marker, found: false });
  }
}

describe('Chat images are re-encoded (local disk, e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  let dataDir: string;
  const http = () => request(app.getHttpServer());
  const sendImage = async (image: Buffer) => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    const res = await http()
      .post(`/api/messages/send/${bob.user._id}`)
      .set('Cookie', alice.cookie)
      .send({ text: 'look', image: dataUri(image) });
    return { res, alice };
  };
  /** The stored file behind a message's image URL. */
  async function stored(url: string) {
    const path = new URL(url).pathname;
    expect(path).toMatch(/^\/media\/[a-f0-9]{24}\/[a-f0-9]{32}\.webp$/);
    const bytes = await readFile(join(dataDir, path));
    const served = await http().get(path).expect(200);
    expect(served.headers['content-type']).toBe('image/webp');
    return { bytes, picture: await decode(bytes) };
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'chat-image-reencoding-e2e-'));
    app = await createTestApp({ DATA_DIR: dataDir });
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps only the first frame of a 300-frame animated PNG, at most 1024 px on the longer side', async () => {
    const { res } = await sendImage(animatedPng(1600, 1200, 300));
    expect(res.status).toBe(201);
    const { bytes, picture } = await stored(res.body.image);
    expect(picture).toMatchObject({ format: 'webp', frames: 1, width: CHAT_SIDE, height: 768 });
    expect(sameColour(picture.centre, RED)).toBe(true);
    expectNoPassengers(bytes);
  });

  it('keeps only the first frame of an animated WebP, and does not enlarge it', async () => {
    const { res } = await sendImage(await animated('webp', 600, 400, 3));
    expect(res.status).toBe(201);
    const { picture } = await stored(res.body.image);
    expect(picture).toMatchObject({ format: 'webp', frames: 1, width: 600, height: 400 });
    expect(sameColour(picture.centre, RED)).toBe(true);
  });

  it('stores the picture of a PNG followed by a web page, and not the page', async () => {
    const polyglot = withHtmlAppended(await solidPng(1200, 300));
    expect(polyglot.includes(HTML_PAYLOAD)).toBe(true);
    const { res } = await sendImage(polyglot);
    expect(res.status).toBe(201);
    const { bytes, picture } = await stored(res.body.image);
    expect(picture).toMatchObject({ format: 'webp', width: CHAT_SIDE, height: 256 });
    expectNoPassengers(bytes);
  });

  it('drops the EXIF GPS position of a photo', async () => {
    const photo = await photoWithGps(60, 40);
    expect((await decode(photo)).exif).toContain(EXIF_GPS_INFO);
    const { res } = await sendImage(photo);
    expect(res.status).toBe(201);
    const { bytes, picture } = await stored(res.body.image);
    expect(picture).toMatchObject({ format: 'webp', exif: undefined, xmp: false, icc: false });
    expect(picture).toMatchObject({ width: 40, height: 60 });
    expectNoPassengers(bytes);
  });

  it.each([
    [
      'a pixel flood',
      gifFrameFlood(20000),
      'The image is 20000 × 20000 pixels; at most 4096 × 4096 is accepted',
    ],
    ['an undecodable image', pngWithGarbagePixels(), 'The image is damaged or incomplete'],
  ])('answers 400 to %s and stores no message', async (_name, image, message) => {
    const { res, alice } = await sendImage(image);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(message);
    expect(
      await db.collection('messages').countDocuments({ senderId: new Types.ObjectId(alice.user._id) }),
    ).toBe(0);
  });
});

describe('Chat images are re-encoded (Cloudinary, e2e)', () => {
  const fake = new FakeCloudinary();
  let app: NestExpressApplication;

  beforeAll(async () => {
    await fake.start();
    app = await createTestApp({ CLOUDINARY_URL: fake.url });
  });
  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  it('uploads one bounded, bare WebP frame', async () => {
    const alice = await signUp(app);
    const bob = await signUp(app);
    for (const image of [animatedPng(1600, 1200, 300), withHtmlAppended(await photoWithGps(3000, 1500))]) {
      await request(app.getHttpServer())
        .post(`/api/messages/send/${bob.user._id}`)
        .set('Cookie', alice.cookie)
        .send({ image: dataUri(image) })
        .expect(201);
    }
    const uploads = fake.requests.filter((recorded) => recorded.action === 'upload');
    const pictures = await Promise.all(uploads.map((upload) => decode(upload.file!)));
    expect(
      pictures.map(({ format, frames, width, height, exif }) => ({ format, frames, width, height, exif })),
    ).toEqual([
      { format: 'webp', frames: 1, width: 1024, height: 768, exif: undefined },
      { format: 'webp', frames: 1, width: 512, height: 1024, exif: undefined },
    ]);
    for (const upload of uploads) expectNoPassengers(upload.file!);
  });
});
