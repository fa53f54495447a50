import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import { dataUri, gif, html, jpeg, png, pngOfSize, svg, tiff, webp } from '../../test/support/images.js';
import { decodeImageDataUri, validateImage } from './image-validator.js';

const MAX_BYTES = 64 * 1024;

async function rejection(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpException) return { status: error.getStatus(), message: error.message };
    throw error;
  }
  throw new Error('the image was accepted');
}

describe('validateImage', () => {
  it.each([
    ['PNG', png(3, 2), 'png', 'image/png', 3, 2],
    ['JPEG', jpeg(9, 17), 'jpg', 'image/jpeg', 9, 17],
    ['WebP', webp(5, 7), 'webp', 'image/webp', 5, 7],
    ['GIF', gif(300, 1), 'gif', 'image/gif', 300, 1],
  ])(
    'accepts a %s, typed and sized from its bytes',
    async (_name, bytes, extension, mimeType, width, height) => {
      const image = await validateImage(bytes, MAX_BYTES);
      expect(image).toEqual({ bytes, extension, mimeType, width, height });
    },
  );

  it.each([
    ['SVG', svg],
    ['HTML', html],
    ['TIFF', tiff],
    ['plain text', Buffer.from('hello, world')],
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n')],
    ['a PNG signature followed by HTML', Buffer.concat([png().subarray(0, 8), html])],
  ])('refuses %s with 400', async (_name, bytes) => {
    expect(await rejection(validateImage(bytes, MAX_BYTES))).toEqual({
      status: 400,
      message: 'Only PNG, JPEG, WebP and GIF images are accepted',
    });
  });

  it('refuses an image whose header cannot be read, even as a view into a larger buffer', async () => {
    expect(await rejection(validateImage(png().subarray(0, 20), MAX_BYTES))).toEqual({
      status: 400,
      message: 'The image is damaged or incomplete',
    });
  });

  it('refuses an empty file with 400', async () => {
    expect((await rejection(validateImage(Buffer.alloc(0), MAX_BYTES))).status).toBe(400);
  });

  it('takes exactly maxBytes and answers 413 to one byte more', async () => {
    await expect(validateImage(pngOfSize(MAX_BYTES), MAX_BYTES)).resolves.toBeDefined();
    const tooLarge = validateImage(pngOfSize(MAX_BYTES + 1), MAX_BYTES);
    await expect(tooLarge).rejects.toBeInstanceOf(PayloadTooLargeException);
    await expect(tooLarge).rejects.toThrow('The image must be at most 64 kB');
  });

  it('takes 4096 × 4096 and refuses anything wider or higher (pixel-flood guard)', async () => {
    await expect(validateImage(png(4096, 4096, 'none'), MAX_BYTES)).resolves.toMatchObject({ width: 4096 });
    for (const bytes of [
      png(4097, 1, 'none'),
      png(1, 4097, 'none'),
      jpeg(4097, 8),
      gif(1, 65535),
      webp(16384, 2),
    ]) {
      const { status, message } = await rejection(validateImage(bytes, MAX_BYTES));
      expect(status).toBe(400);
      expect(message).toMatch(/at most 4096 × 4096 is accepted$/);
    }
  });
});

describe('decodeImageDataUri', () => {
  it('returns the bytes of an image data URI', () => {
    const bytes = png();
    expect(decodeImageDataUri(dataUri(bytes), MAX_BYTES).equals(bytes)).toBe(true);
    expect(decodeImageDataUri(dataUri(bytes, 'image/webp'), MAX_BYTES).equals(bytes)).toBe(true);
  });

  it.each([
    ['a URL', 'https://example.com/a.png'],
    ['a file path', '/etc/passwd'],
    ['an SVG data URI', dataUri(svg, 'image/svg+xml')],
    ['a non-base64 data URI', 'data:image/png,abc'],
    ['a data URI with parameters', `data:image/png;charset=utf-8;base64,${png().toString('base64')}`],
    ['a data URI after other text', ` ${dataUri(png())}`],
  ])('refuses %s with 400', (_name, value) => {
    expect(() => decodeImageDataUri(value, MAX_BYTES)).toThrow(BadRequestException);
    expect(() => decodeImageDataUri(value, MAX_BYTES)).toThrow(/data URI/);
  });

  it.each([
    ['an empty payload', ''],
    ['characters outside base64', 'iVBO*w0K'],
    ['base64url characters', 'iVBO-w0_'],
    ['whitespace', 'iVBO w0K'],
    ['a length that is not a multiple of 4', 'iVBORw0'],
    ['padding in the middle', 'iV==Rw0K'],
  ])('refuses a payload with %s as invalid base64', (_name, payload) => {
    expect(() => decodeImageDataUri(`data:image/png;base64,${payload}`, MAX_BYTES)).toThrow(
      'profilePic is not valid base64',
    );
  });

  it('checks the decoded size before decoding: exactly maxBytes passes, one more is 413', () => {
    expect(decodeImageDataUri(dataUri(Buffer.alloc(MAX_BYTES)), MAX_BYTES)).toHaveLength(MAX_BYTES);
    for (const size of [MAX_BYTES + 1, MAX_BYTES + 2, MAX_BYTES + 3]) {
      expect(() => decodeImageDataUri(dataUri(Buffer.alloc(size)), MAX_BYTES)).toThrow(
        PayloadTooLargeException,
      );
    }
  });
});
