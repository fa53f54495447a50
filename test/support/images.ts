import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

/**
 * Small images built byte by byte, so tests need no binary fixtures and no image library. PNGs are
 * complete; the other formats have real headers (what the validator reads) and a minimal body.
 */

type Pixels = 'zeros' | 'random' | 'none';

/** An RGB PNG. `pixels: 'none'` leaves out the image data, for header-only checks of huge sizes. */
export function png(width = 1, height = 1, pixels: Pixels = 'zeros'): Buffer {
  const raw = Buffer.alloc(pixels === 'none' ? 0 : (width * 3 + 1) * height);
  if (pixels === 'random') {
    for (let row = 0; row < height; row++) randomBytes(width * 3).copy(raw, row * (width * 3 + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A 1×1 PNG padded with an ancillary chunk (which decoders skip) to exactly `size` bytes. */
export function pngOfSize(size: number): Buffer {
  const image = png();
  const iend = image.subarray(image.length - 12);
  const padding = pngChunk('ruBb', Buffer.alloc(size - image.length - 12));
  return Buffer.concat([image.subarray(0, image.length - 12), padding, iend]);
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write(type, 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length);
  return chunk;
}

/** A baseline grayscale JPEG whose every 8×8 block is mid-grey (DC 0, then end of block). */
export function jpeg(width = 1, height = 1): Buffer {
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  const oneCodeTable = (tableClass: number) => [tableClass, 1, ...Array<number>(15).fill(0), 0x00];
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  // Two zero bits per block (DC category 0, EOB), the last byte padded with ones.
  const scan = Array<number>(Math.ceil((blocks * 2) / 8)).fill(0);
  if ((blocks * 2) % 8) scan[scan.length - 1] = 0xff >> ((blocks * 2) % 8);
  // prettier-ignore
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0, ...Array<number>(64).fill(1)]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, oneCodeTable(0x00)),
    ...segment(0xc4, oneCodeTable(0x10)),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...scan,
    0xff, 0xd9,
  ]);
}

/** A GIF89a with a two-colour palette; the image data covers one pixel. */
export function gif(width = 1, height = 1): Buffer {
  const size = [width & 0xff, width >> 8, height & 0xff, height >> 8];
  // prettier-ignore
  return Buffer.from([
    ...Buffer.from('GIF89a'), ...size, 0x80, 0, 0,
    0, 0, 0, 0xff, 0xff, 0xff,
    0x2c, 0, 0, 0, 0, ...size, 0,
    2, 2, 0x44, 0x01, 0,
    0x3b,
  ]);
}

/** A lossless WebP (VP8L); the pixel data is that of a 1×1 image. */
export function webp(width = 1, height = 1): Buffer {
  const image = Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');
  const packed = image.readUInt32LE(21);
  const size = (width - 1) | ((height - 1) << 14);
  image.writeUInt32LE(((packed & 0xf0000000) | size) >>> 0, 21);
  return image;
}

export const svg = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
);
export const html = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
/** A little-endian TIFF header: an image, but not a format we take. */
export const tiff = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);

export function dataUri(bytes: Buffer, mimeType = 'image/png'): string {
  return `data:${mimeType};base64,${bytes.toString('base64')}`;
}
