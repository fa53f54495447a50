import { BadRequestException } from '@nestjs/common';
import { decode, gifFrameFlood, solidPng } from '../../test/support/hostile-images.js';
import { ImageReencoder } from './image-reencoder.js';
import { validateImage } from './image-validator.js';

const MAX_BYTES = 5 * 1024 * 1024;

describe('ImageReencoder', () => {
  const reencoder = new ImageReencoder();
  const reencode = async (bytes: Buffer, kind: 'avatar' | 'chat') =>
    reencoder.reencode(await validateImage(bytes, MAX_BYTES), kind);

  it('scales the longer side down to 512 px for an avatar and 1024 px for a chat image', async () => {
    const wide = await solidPng(3000, 1000);
    expect(await reencode(wide, 'avatar')).toMatchObject({ extension: 'webp', width: 512, height: 171 });
    const chat = await reencode(wide, 'chat');
    expect(chat).toMatchObject({ extension: 'webp', mimeType: 'image/webp', width: 1024, height: 341 });
    expect(await decode(chat.bytes)).toMatchObject({ format: 'webp', width: 1024, height: 341 });
  });

  it('never enlarges a small picture', async () => {
    expect(await reencode(await solidPng(100, 50), 'chat')).toMatchObject({ width: 100, height: 50 });
  });

  it('checks the dimensions the decoder would allocate, not only those of the header', async () => {
    const flood = gifFrameFlood(5000);
    expect(await validateImage(flood, MAX_BYTES)).toMatchObject({ width: 1, height: 1 });
    const refused = reencode(flood, 'avatar');
    await expect(refused).rejects.toBeInstanceOf(BadRequestException);
    await expect(refused).rejects.toThrow('The image is 5000 × 5000 pixels; at most 4096 × 4096 is accepted');
  });
});
