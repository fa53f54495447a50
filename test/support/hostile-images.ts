import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { png, pngChunk } from './images.js';

/**
 * Pictures that abuse whoever decodes them (issue 19): animation and pixel floods, polyglots,
 * location metadata. Built with sharp, or byte by byte where sharp will not write the format.
 */

export type Rgb = [number, number, number];
export const RED: Rgb = [255, 0, 0];
export const BLUE: Rgb = [0, 0, 255];

/**
 * An animated PNG of `frames` full-size frames: the first red, every later one blue, looping for
 * ever. Every frame's pixels compress to the same few bytes, so many frames stay small.
 */
export function animatedPng(width: number, height: number, frames: number): Buffer {
  const scanlines = (colour: Rgb) => {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set(colour, 1 + x * 3);
    return deflateSync(Buffer.concat(Array<Buffer>(height).fill(row)), { level: 9 });
  };
  const [first, later] = [scanlines(RED), scanlines(BLUE)];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const u32 = (...values: number[]) => {
    const bytes = Buffer.alloc(values.length * 4);
    values.forEach((value, i) => bytes.writeUInt32BE(value, i * 4));
    return bytes;
  };
  let sequence = 0;
  // fcTL: sequence, size, offset 0,0, delay 1/50 s, dispose none, blend source.
  const frameControl = () =>
    pngChunk('fcTL', Buffer.concat([u32(sequence++, width, height, 0, 0), Buffer.from([0, 1, 0, 50, 0, 0])]));
  const chunks = [pngChunk('IHDR', header), pngChunk('acTL', u32(frames, 0))];
  chunks.push(frameControl(), pngChunk('IDAT', first));
  for (let frame = 1; frame < frames; frame++) {
    chunks.push(frameControl(), pngChunk('fdAT', Buffer.concat([u32(sequence++), later])));
  }
  return Buffer.concat([png().subarray(0, 8), ...chunks, pngChunk('IEND', Buffer.alloc(0))]);
}

/** An animated WebP or GIF: the first frame red, every later one blue. */
export function animated(format: 'webp' | 'gif', width: number, height: number, frames: number) {
  const pixels = Buffer.alloc(width * height * frames * 3);
  for (let i = 0; i < width * height * frames; i++) pixels.set(i < width * height ? RED : BLUE, i * 3);
  return sharp(pixels, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .toFormat(format, { loop: 0, delay: Array<number>(frames).fill(20), effort: 1 })
    .toBuffer();
}

/**
 * A pixel flood under a harmless header: a GIF whose screen is 1 × 1 (what a header parser reads)
 * and whose one frame declares side × side (what a decoder allocates). A few dozen bytes.
 */
export function gifFrameFlood(side: number): Buffer {
  const size = (value: number) => [value & 0xff, value >> 8];
  // prettier-ignore
  return Buffer.from([
    ...Buffer.from('GIF89a'), ...size(1), ...size(1), 0x80, 0, 0,
    0, 0, 0, 0xff, 0xff, 0xff,
    0x2c, 0, 0, 0, 0, ...size(side), ...size(side), 0,
    2, 2, 0x44, 0x01, 0,
    0x3b,
  ]);
}

/** Where the photo was taken: what its EXIF GPS tags say, and must not survive an upload. */
export const GPS = {
  GPSLatitudeRef: 'N',
  GPSLatitude: '48/1 51/1 24/1',
  GPSLongitudeRef: 'E',
  GPSLongitude: '2/1 21/1 3/1',
};

export const PHOTO_AUTHOR = 'Alice Example';

/**
 * A JPEG photo, stored sideways (EXIF orientation 6: shown turned a quarter clockwise), with its GPS
 * position, camera and author in EXIF.
 */
export function photoWithGps(width = 60, height = 40): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({ IFD0: { Make: 'Phone', Model: 'Camera 1', Artist: PHOTO_AUTHOR }, IFD3: GPS })
    .toBuffer();
}

export const EXIF_ORIENTATION = 0x0112;
export const EXIF_GPS_INFO = 0x8825;

/** The tags of an EXIF block's first directory (IFD0), where the GPS directory is linked from. */
export function exifTags(exif: Buffer): number[] {
  const tiff = exif.subarray(exif.indexOf('Exif\0\0', 0, 'latin1') + 6);
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const directory = u32(4);
  return Array.from({ length: u16(directory) }, (_, i) => u16(directory + 2 + i * 12));
}

/** A PNG of one colour, with an alpha channel when `alpha` is given. */
export function solidPng(width: number, height: number, colour: Rgb = RED, alpha?: number): Promise<Buffer> {
  const [r, g, b] = colour;
  const background = alpha === undefined ? { r, g, b } : { r, g, b, alpha };
  return sharp({ create: { width, height, channels: alpha === undefined ? 3 : 4, background } })
    .png()
    .toBuffer();
}

/** A picture that is also a web page: what a browser sniffing the bytes would run. */
export const HTML_PAYLOAD = '<html><body><script>alert(document.cookie)</script></body></html>';
export const withHtmlAppended = (image: Buffer) => Buffer.concat([image, Buffer.from(HTML_PAYLOAD)]);

/** A PNG with a valid header whose pixel data is not a deflate stream. */
export function pngWithGarbagePixels(width = 8, height = 8): Buffer {
  const image = png(width, height);
  const idat = image.indexOf('IDAT');
  const length = image.readUInt32BE(idat - 4);
  const broken = Buffer.from(image);
  broken.fill(0x5a, idat + 4, idat + 4 + length);
  const chunk = pngChunk('IDAT', broken.subarray(idat + 4, idat + 4 + length));
  return Buffer.concat([image.subarray(0, idat - 4), chunk, image.subarray(idat + 8 + length)]);
}

export interface DecodedPicture {
  format: string | undefined;
  width: number;
  height: number;
  /** Frames in the file: 1 for a still picture. libvips reads an animated PNG as its first frame. */
  frames: number;
  /** The EXIF block's first tags, or undefined without EXIF. */
  exif?: number[];
  xmp: boolean;
  icc: boolean;
  /** The colour of the centre pixel of the first frame. */
  centre: Rgb;
  hasAlpha: boolean;
}

/** What a stored picture is, as a decoder sees it. */
export async function decode(bytes: Buffer): Promise<DecodedPicture> {
  const meta = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  return {
    format: meta.format,
    width: meta.width,
    height: meta.pageHeight ?? meta.height,
    frames: meta.pages ?? 1,
    exif: meta.exif && exifTags(meta.exif),
    xmp: meta.xmp !== undefined,
    icc: meta.icc !== undefined,
    centre: [data[at], data[at + 1], data[at + 2]],
    hasAlpha: meta.hasAlpha,
  };
}

/** Whether two colours are the same but for lossy-compression noise. */
export const sameColour = (a: Rgb, b: Rgb) => a.every((value, i) => Math.abs(value - b[i]) <= 16);
