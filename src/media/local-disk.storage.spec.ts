import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gif, png } from '../../test/support/images.js';
import { validateImage } from './image-validator.js';
import { LocalDiskStorage } from './local-disk.storage.js';

const OWNER = '6650f0c2a1b2c3d4e5f60718';

describe('LocalDiskStorage', () => {
  let root: string;
  let storage: LocalDiskStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'local-disk-'));
    storage = new LocalDiskStorage(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes the bytes under a random name in the owner folder, and deletes them by key', async () => {
    const bytes = gif(3, 3);
    const stored = await storage.save(await validateImage(bytes, 1024), OWNER);
    expect(stored.url).toMatch(new RegExp(`^/media/${OWNER}/[a-f0-9]{32}\\.gif$`));
    expect(stored.key).toBe(`local:${stored.url.slice('/media/'.length)}`);
    expect((await readFile(join(root, stored.url.slice('/media/'.length)))).equals(bytes)).toBe(true);

    await storage.delete(stored.key);
    expect(existsSync(join(root, stored.url.slice('/media/'.length)))).toBe(false);
    await expect(storage.delete(stored.key)).resolves.toBeUndefined();
  });

  it('never gives two pictures the same name', async () => {
    const image = await validateImage(png(), 1024);
    const urls = await Promise.all(Array.from({ length: 20 }, () => storage.save(image, OWNER)));
    expect(new Set(urls.map((stored) => stored.url)).size).toBe(20);
  });

  it('refuses keys it did not issue, and touches nothing outside its folder', async () => {
    const outside = join(root, '..', `outside-${OWNER}.png`);
    await writeFile(outside, 'keep me');
    try {
      for (const key of [
        `local:../outside-${OWNER}.png`,
        `local:${OWNER}/../../outside-${OWNER}.png`,
        'cloudinary:profile-pictures/x/y',
        `${OWNER}/0123456789abcdef0123456789abcdef.png`,
      ]) {
        await expect(storage.delete(key)).rejects.toThrow('Not a local media key');
      }
      expect(await readFile(outside, 'utf8')).toBe('keep me');
    } finally {
      await rm(outside, { force: true });
    }
  });
});
