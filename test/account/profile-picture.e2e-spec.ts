import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import request from 'supertest';
import { GOOD_PASSWORD, signUp, USER_KEYS } from '../support/auth.js';
import { FakeCloudinary } from '../support/fake-cloudinary.js';
import { decode } from '../support/hostile-images.js';
import { errorBody } from '../support/http/errors.js';
import { dataUri, gif, html, jpeg, png, pngOfSize, svg, tiff, webp } from '../support/images.js';
import { createTestApp, databaseOf } from '../support/app/test-app.js';

const MAX_BYTES = 5 * 1024 * 1024; // the MEDIA_MAX_BYTES default
const UPLOAD_TIMEOUT_MS = 1000;

/** supertest parser that keeps a response body as the raw bytes. */
function binary(res: request.Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/** Strings that are not an image data URI, each with the message it must get (400). */
const NOT_IMAGE_DATA_URIS: Array<[string, unknown, RegExp]> = [
  ['an https URL', 'https://example.com/cat.png', /data URI/],
  ['an absolute file path', '/etc/passwd', /data URI/],
  ['a relative file path', './package.json', /data URI/],
  ['a Windows path', 'C:\\Windows\\win.ini', /data URI/],
  ['an empty string', '', /data URI/],
  ['a number', 42, /data URI/],
  ['an object', { url: 'https://example.com/cat.png' }, /data URI/],
  ['an SVG data URI', dataUri(svg, 'image/svg+xml'), /data URI/],
  ['an HTML data URI', dataUri(html, 'text/html'), /data URI/],
  ['a data URI that is not base64', `data:image/png,${png().toString('latin1')}`, /data URI/],
  ['a data URI with no payload', 'data:image/png;base64,', /not valid base64/],
  ['a payload with characters outside base64', 'data:image/png;base64,iVBORw0K!!==', /not valid base64/],
  [
    'a payload with a line break',
    `data:image/png;base64,${png()
      .toString('base64')
      .replace(/^(.{8})/, '$1\n')}`,
    /not valid base64/,
  ],
];

/** Image data URIs whose bytes are not an acceptable image (400). */
const REJECTED_IMAGES: Array<[string, Buffer, RegExp]> = [
  ['SVG bytes declared as PNG', svg, /Only PNG, JPEG, WebP and GIF/],
  ['HTML bytes declared as PNG', html, /Only PNG, JPEG, WebP and GIF/],
  ['a TIFF', tiff, /Only PNG, JPEG, WebP and GIF/],
  ['a truncated PNG', png().subarray(0, 20), /damaged or incomplete/],
  ['a PNG 4097 pixels wide', png(4097, 1), /at most 4096 × 4096/],
  ['a JPEG 4097 pixels high', jpeg(1, 4097), /at most 4096 × 4096/],
  ['a GIF of 5000 × 5000', gif(5000, 5000), /at most 4096 × 4096/],
  ['a WebP of 16384 × 16384', webp(16384, 16384), /at most 4096 × 4096/],
];

describe('Profile pictures on local disk (e2e)', () => {
  let app: NestExpressApplication;
  let db: Connection;
  let dataDir: string;
  const http = () => request(app.getHttpServer());
  const updateProfile = (cookie: string, profilePic: unknown) =>
    http().put('/api/auth/update-profile').set('Cookie', cookie).send({ profilePic });
  const uploadAvatar = (cookie: string, file: Buffer, field = 'file') =>
    http().put('/api/users/me/avatar').set('Cookie', cookie).attach(field, file, 'picture.png');
  const storedPicture = (userId: string) =>
    db
      .collection('users')
      .findOne({ _id: new Types.ObjectId(userId) }, { projection: { profilePic: 1, profilePicKey: 1 } });
  /** profilePic is an absolute URL (MEDIA_PUBLIC_URL); the test server answers its path. */
  const pathOf = (url: string) => new URL(url).pathname;
  const fetchMedia = (url: string) => http().get(pathOf(url)).buffer(true).parse(binary);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'media-e2e-'));
    app = await createTestApp({ DATA_DIR: dataDir });
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('PUT /api/auth/update-profile (data URI)', () => {
    // Every picture is re-encoded as WebP (test/account/picture-reencoding.e2e-spec.ts).
    it.each([
      ['PNG', png(2, 3), 'image/png', 2],
      ['JPEG', jpeg(16, 16), 'image/jpeg', 16],
      ['WebP', webp(), 'image/webp', 1],
      ['GIF', gif(), 'image/gif', 1],
    ])(
      'stores a %s as WebP and serves the same bytes under /media with its content type',
      async (_name, image, type, width) => {
        const { cookie, user } = await signUp(app);
        const res = await updateProfile(cookie, dataUri(image, type)).expect(200);
        expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
        expect(res.body.profilePic).toMatch(
          new RegExp(`^http://localhost:5001/media/${user._id}/[a-f0-9]{32}\\.webp$`),
        );
        expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$|hmac|profilePicKey|local:/i);

        const onDisk = await readFile(join(dataDir, pathOf(res.body.profilePic as string)));
        expect(await decode(onDisk)).toMatchObject({ format: 'webp', width });
        const served = await fetchMedia(res.body.profilePic).expect(200);
        expect(served.headers['content-type']).toBe('image/webp');
        expect(served.headers['x-content-type-options']).toBe('nosniff');
        expect(served.headers['cross-origin-resource-policy']).toBe('cross-origin');
        expect((served.body as Buffer).equals(onDisk)).toBe(true);

        const check = await http().get('/api/auth/check').set('Cookie', cookie).expect(200);
        expect(check.body.profilePic).toBe(res.body.profilePic);
      },
    );

    it('takes the type from the bytes, not from the data URI', async () => {
      const { cookie } = await signUp(app);
      const res = await updateProfile(cookie, dataUri(jpeg(), 'image/png')).expect(200);
      expect(res.body.profilePic).toMatch(/\.webp$/);
      const served = await fetchMedia(res.body.profilePic).expect(200);
      expect(served.headers['content-type']).toBe('image/webp');
    });

    it('takes a picture far over the 100 kB default JSON limit', async () => {
      const { cookie } = await signUp(app);
      const image = png(256, 200, 'random');
      expect(image.length).toBeGreaterThan(150 * 1024);
      await updateProfile(cookie, dataUri(image)).expect(200);
    });

    it('takes an image of exactly MEDIA_MAX_BYTES and answers 413 to one byte more', async () => {
      const { cookie, user } = await signUp(app);
      await updateProfile(cookie, dataUri(pngOfSize(MAX_BYTES))).expect(200);
      const before = await storedPicture(user._id);
      const res = await updateProfile(cookie, dataUri(pngOfSize(MAX_BYTES + 1))).expect(413);
      expect(res.body).toEqual(errorBody(413, 'The image must be at most 5 MB'));
      expect(await storedPicture(user._id)).toEqual(before);
    });

    it('answers 413 in the one error shape to a body over the route limit', async () => {
      const { cookie } = await signUp(app);
      const res = await updateProfile(
        cookie,
        `data:image/png;base64,${'A'.repeat(7 * 1024 * 1024 + 4)}`,
      ).expect(413);
      expect(res.body).toEqual(errorBody(413, expect.any(String)));
    });

    it('deletes the stored picture with the account', async () => {
      const { cookie } = await signUp(app);
      const url = (await updateProfile(cookie, dataUri(png())).expect(200)).body.profilePic as string;
      expect(existsSync(join(dataDir, pathOf(url)))).toBe(true);
      await http()
        .delete('/api/users/me')
        .set('Cookie', cookie)
        .send({ password: GOOD_PASSWORD })
        .expect(204);
      expect(existsSync(join(dataDir, pathOf(url)))).toBe(false);
      await http().get(pathOf(url)).expect(404);
    });

    it('replaces the picture and deletes the previous file once the new one is saved', async () => {
      const { cookie, user } = await signUp(app);
      const first = (await updateProfile(cookie, dataUri(png())).expect(200)).body.profilePic as string;
      const second = (await updateProfile(cookie, dataUri(gif())).expect(200)).body.profilePic as string;
      expect(second).not.toBe(first);
      await vi.waitFor(() => expect(existsSync(join(dataDir, pathOf(first)))).toBe(false));
      await http().get(pathOf(first)).expect(404);
      await fetchMedia(second).expect(200);
      expect(await storedPicture(user._id)).toMatchObject({
        profilePic: second,
        profilePicKey: `local:${pathOf(second).slice('/media/'.length)}`,
      });
    });

    it.each([
      ...NOT_IMAGE_DATA_URIS,
      ...REJECTED_IMAGES.map(([name, bytes, message]): [string, unknown, RegExp] => [
        name,
        dataUri(bytes),
        message,
      ]),
    ])('answers 400 to %s and leaves the profile unchanged', async (_name, profilePic, message) => {
      const { cookie, user } = await signUp(app);
      await updateProfile(cookie, dataUri(png())).expect(200);
      const before = await storedPicture(user._id);
      const res = await updateProfile(cookie, profilePic).expect(400);
      expect(res.body).toMatchObject(errorBody(400, expect.stringMatching(message)));
      expect(await storedPicture(user._id)).toEqual(before);
    });

    it('answers 401 to a picture sent without a session', async () => {
      const res = await http()
        .put('/api/auth/update-profile')
        .send({ profilePic: dataUri(pngOfSize(3 * 1024 * 1024)) })
        .expect(401);
      expect(res.body.message).toBe('Not authenticated');
    });

    it('answers 400 to a missing profilePic and to unknown fields', async () => {
      const { cookie } = await signUp(app);
      await http().put('/api/auth/update-profile').set('Cookie', cookie).send({}).expect(400);
      const res = await http()
        .put('/api/auth/update-profile')
        .set('Cookie', cookie)
        .send({ profilePic: dataUri(png()), fullName: 'Renamed' })
        .expect(400);
      expect(res.body.message).toBe('fullName is not an allowed field');
    });

    it('answers 401 without a session', async () => {
      await http()
        .put('/api/auth/update-profile')
        .send({ profilePic: dataUri(png()) })
        .expect(401);
    });
  });

  describe('PUT /api/users/me/avatar (multipart)', () => {
    it('stores the file and answers with the user', async () => {
      const { cookie, user } = await signUp(app);
      const image = webp();
      const res = await uploadAvatar(cookie, image).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
      expect(res.body.profilePic).toMatch(
        new RegExp(`^http://localhost:5001/media/${user._id}/[a-f0-9]{32}\\.webp$`),
      );
      expect(await decode((await fetchMedia(res.body.profilePic).expect(200)).body as Buffer)).toMatchObject({
        format: 'webp',
        width: 1,
      });
    });

    it('takes exactly MEDIA_MAX_BYTES and answers 413 to one byte more', async () => {
      const { cookie, user } = await signUp(app);
      await uploadAvatar(cookie, pngOfSize(MAX_BYTES)).expect(200);
      const before = await storedPicture(user._id);
      const res = await uploadAvatar(cookie, pngOfSize(MAX_BYTES + 1)).expect(413);
      expect(res.body).toEqual(errorBody(413, 'The image must be at most 5 MB'));
      expect(await storedPicture(user._id)).toEqual(before);
    });

    it.each(REJECTED_IMAGES)('answers 400 to %s', async (_name, bytes, message) => {
      const { cookie } = await signUp(app);
      const res = await uploadAvatar(cookie, bytes).expect(400);
      expect(res.body.message).toMatch(message);
    });

    it.each([
      [
        'a file in another field',
        (req: request.Test) => req.attach('avatar', png(), 'a.png'),
        /exactly one part/,
      ],
      [
        'two files',
        (req: request.Test) => req.attach('file', png(), 'a.png').attach('file', gif(), 'b.gif'),
        /exactly one part/,
      ],
      [
        'a text field besides the file',
        (req: request.Test) => req.field('note', 'hi').attach('file', png(), 'a.png'),
        /exactly one part/,
      ],
      [
        'the image as a text field',
        (req: request.Test) => req.field('file', dataUri(png())),
        /exactly one part/,
      ],
      ['an empty file', (req: request.Test) => req.attach('file', Buffer.alloc(0), 'a.png'), /empty|missing/],
    ])('answers 400 to %s', async (_name, build, message) => {
      const { cookie, user } = await signUp(app);
      const res = await build(http().put('/api/users/me/avatar').set('Cookie', cookie)).expect(400);
      expect(res.body.message).toMatch(message);
      expect((await storedPicture(user._id))?.profilePic).toBe('');
    });

    it('answers 400 to a form without parts and to a malformed one', async () => {
      const { cookie } = await signUp(app);
      const send = (contentType: string, body: string) =>
        http().put('/api/users/me/avatar').set('Cookie', cookie).set('Content-Type', contentType).send(body);
      const empty = await send('multipart/form-data; boundary=xyz', '--xyz--\r\n').expect(400);
      expect(empty.body.message).toMatch(/"file" with the image is missing/);
      const noBoundary = await send('multipart/form-data', '--xyz--\r\n').expect(400);
      expect(noBoundary.body.message).toBe('The multipart body is malformed');
      const cut = await send(
        'multipart/form-data; boundary=xyz',
        '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nabc',
      ).expect(400);
      expect(cut.body.message).toBe('The multipart body is malformed');
    });

    it('answers 415 to a JSON body and 401 without a session', async () => {
      const { cookie } = await signUp(app);
      const res = await http()
        .put('/api/users/me/avatar')
        .set('Cookie', cookie)
        .send({ file: dataUri(png()) })
        .expect(415);
      expect(res.body.message).toBe('Content-Type must be multipart/form-data');
      await http().put('/api/users/me/avatar').attach('file', png(), 'a.png').expect(401);
    });
  });

  describe('GET /media', () => {
    it('serves files only: no listing, no dotfiles, nothing outside the folder, JSON 404s', async () => {
      const { cookie, user } = await signUp(app);
      await updateProfile(cookie, dataUri(png())).expect(200);
      for (const path of [
        `/media/${user._id}`,
        `/media/${user._id}/`,
        '/media/',
        `/media/${user._id}/.hidden`,
        '/media/%2e%2e/package.json',
        '/media/..%2f..%2fpackage.json',
      ]) {
        const res = await http().get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect({ path, body: res.body }).toMatchObject({
          path,
          body: errorBody(404, expect.any(String)),
        });
      }
    });
  });

  it('documents both routes, their bodies and their failures in the OpenAPI document', async () => {
    const doc = (await http().get('/api/docs-json').expect(200)).body;
    const updateProfile = doc.paths['/api/auth/update-profile'].put;
    const avatar = doc.paths['/api/users/me/avatar'].put;
    expect(updateProfile.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/UpdateProfileDto',
    );
    expect(doc.components.schemas.UpdateProfileDto.required).toEqual(['profilePic']);
    expect(avatar.requestBody.content['multipart/form-data'].schema.properties.file).toMatchObject({
      type: 'string',
      format: 'binary',
    });
    for (const operation of [updateProfile, avatar]) {
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '413', '502', '504']),
      );
      expect(operation.security).toEqual(expect.arrayContaining([{ oauth2: [] }, { bearer: [] }]));
    }
  });
});

describe('Profile pictures on Cloudinary (e2e)', () => {
  const fake = new FakeCloudinary();
  let app: NestExpressApplication;
  let db: Connection;
  const http = () => request(app.getHttpServer());
  const updateProfile = (cookie: string, profilePic: unknown) =>
    http().put('/api/auth/update-profile').set('Cookie', cookie).send({ profilePic });
  const storedPicture = (userId: string) =>
    db
      .collection('users')
      .findOne({ _id: new Types.ObjectId(userId) }, { projection: { profilePic: 1, profilePicKey: 1 } });
  const actions = () => fake.requests.map((recorded) => recorded.action);
  const publicIdOf = (url: string) =>
    url.replace(/^https:\/\/res\.cloudinary\.com\/fake-cloud\/image\/upload\/v\d+\//, '');

  beforeAll(async () => {
    await fake.start();
    app = await createTestApp({ CLOUDINARY_URL: fake.url, UPLOAD_TIMEOUT_MS: String(UPLOAD_TIMEOUT_MS) });
    db = databaseOf(app);
  });
  afterAll(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => fake.reset());

  it('uploads the re-encoded bytes through the SDK, signed, into a folder of the user', async () => {
    const { cookie, user } = await signUp(app);
    const image = png(4, 4);
    const res = await updateProfile(cookie, dataUri(image)).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(USER_KEYS);
    expect(fake.requests).toHaveLength(1);
    const [upload] = fake.requests;
    expect(upload).toMatchObject({
      action: 'upload',
      signatureValid: true,
      fields: { api_key: fake.apiKey, folder: `profile-pictures/${user._id}` },
    });
    expect(await decode(upload.file!)).toMatchObject({ format: 'webp', width: 4, height: 4 });
    expect(res.body.profilePic).toMatch(
      new RegExp(
        `^https://res\\.cloudinary\\.com/fake-cloud/image/upload/v\\d+/profile-pictures/${user._id}/[a-f0-9]{20}$`,
      ),
    );
    expect(await storedPicture(user._id)).toMatchObject({
      profilePic: res.body.profilePic,
      profilePicKey: `cloudinary:${publicIdOf(res.body.profilePic)}`,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/password|\$2[aby]\$|hmac|profilePicKey/i);
  });

  it('uploads a multipart file the same way', async () => {
    const { cookie } = await signUp(app);
    const image = jpeg(8, 8);
    await http()
      .put('/api/users/me/avatar')
      .set('Cookie', cookie)
      .attach('file', image, 'me.jpg')
      .expect(200);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0].signatureValid).toBe(true);
    expect(await decode(fake.requests[0].file!)).toMatchObject({ format: 'webp', width: 8, height: 8 });
  });

  it('destroys the previous asset, signed, once the new one is saved', async () => {
    const { cookie } = await signUp(app);
    const first = (await updateProfile(cookie, dataUri(png())).expect(200)).body.profilePic as string;
    const second = (await updateProfile(cookie, dataUri(gif())).expect(200)).body.profilePic as string;
    await vi.waitFor(() => expect(actions()).toEqual(['upload', 'upload', 'destroy']));
    expect(fake.requests[2]).toMatchObject({
      signatureValid: true,
      fields: { public_id: publicIdOf(first), api_key: fake.apiKey },
    });
    expect(publicIdOf(second)).not.toBe(publicIdOf(first));
  });

  it('logs a failed destroy instead of failing the request', async () => {
    const { cookie, user } = await signUp(app);
    await updateProfile(cookie, dataUri(png())).expect(200);
    fake.mode.destroy = 'fail';
    const res = await updateProfile(cookie, dataUri(gif())).expect(200);
    await vi.waitFor(() => expect(actions()).toEqual(['upload', 'upload', 'destroy']));
    expect((await storedPicture(user._id))?.profilePic).toBe(res.body.profilePic);
  });

  it('answers 502 when Cloudinary fails, keeps the profile and shows nothing of the failure', async () => {
    const { cookie, user } = await signUp(app);
    await updateProfile(cookie, dataUri(png())).expect(200);
    const before = await storedPicture(user._id);
    fake.mode.upload = 'fail';
    const res = await updateProfile(cookie, dataUri(gif())).expect(502);
    expect(res.body).toEqual(errorBody(502, 'The picture could not be stored, please try again later'));
    expect(JSON.stringify(res.body)).not.toContain(fake.failureDetail);
    expect(await storedPicture(user._id)).toEqual(before);
    expect(actions()).toEqual(['upload', 'upload']);
  });

  it('answers 504 after UPLOAD_TIMEOUT_MS when Cloudinary hangs, and keeps the profile', async () => {
    const { cookie, user } = await signUp(app);
    await updateProfile(cookie, dataUri(png())).expect(200);
    const before = await storedPicture(user._id);
    fake.mode.upload = 'hang';
    const started = Date.now();
    const res = await updateProfile(cookie, dataUri(gif())).expect(504);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(UPLOAD_TIMEOUT_MS + 1500);
    expect(res.body).toEqual(errorBody(504, 'The picture store did not answer in time, please try again'));
    expect(await storedPicture(user._id)).toEqual(before);
  });

  it('deletes an upload that succeeds only after the 504', async () => {
    const { cookie, user } = await signUp(app);
    fake.mode.upload = 'slow';
    fake.slowMs = UPLOAD_TIMEOUT_MS + 300;
    await updateProfile(cookie, dataUri(png())).expect(504);
    await vi.waitFor(() => expect(actions()).toEqual(['upload', 'destroy']), { timeout: 5000 });
    expect(fake.requests[1].fields.public_id).toMatch(new RegExp(`^profile-pictures/${user._id}/`));
    expect((await storedPicture(user._id))?.profilePic).toBe('');
  });

  it('sends nothing to Cloudinary for rejected input', async () => {
    const { cookie } = await signUp(app);
    for (const [name, profilePic] of NOT_IMAGE_DATA_URIS) {
      const res = await updateProfile(cookie, profilePic);
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
    }
    for (const [name, bytes] of REJECTED_IMAGES) {
      const res = await updateProfile(cookie, dataUri(bytes));
      expect({ name, status: res.status }).toEqual({ name, status: 400 });
    }
    await updateProfile(cookie, dataUri(pngOfSize(MAX_BYTES + 1))).expect(413);
    await http().put('/api/users/me/avatar').set('Cookie', cookie).attach('file', svg, 'a.png').expect(400);
    await http()
      .put('/api/users/me/avatar')
      .set('Cookie', cookie)
      .attach('avatar', png(), 'a.png')
      .expect(400);
    expect(fake.requests).toEqual([]);
  });
});

describe('Profile picture URLs (e2e)', () => {
  it('uses MEDIA_PUBLIC_URL as the base of picture URLs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'media-url-e2e-'));
    const app = await createTestApp({
      DATA_DIR: dataDir,
      MEDIA_PUBLIC_URL: 'https://api.chat.example/media/',
    });
    try {
      const { cookie, user } = await signUp(app);
      const res = await request(app.getHttpServer())
        .put('/api/auth/update-profile')
        .set('Cookie', cookie)
        .send({ profilePic: dataUri(png()) })
        .expect(200);
      expect(res.body.profilePic).toMatch(
        new RegExp(`^https://api\\.chat\\.example/media/${user._id}/[a-f0-9]{32}\\.webp$`),
      );
      await request(app.getHttpServer()).get(new URL(res.body.profilePic).pathname).expect(200);
    } finally {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
