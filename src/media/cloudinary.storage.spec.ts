import { CloudinaryStorage } from './cloudinary.storage.js';

describe('CloudinaryStorage', () => {
  it('describes the cloud without the API key or secret', () => {
    const storage = new CloudinaryStorage('cloudinary://123456:s3cr3t@my-cloud', 1000);
    expect(storage.describe()).toBe('Cloudinary, cloud "my-cloud"');
    const proxied = new CloudinaryStorage(
      'cloudinary://123456:s3cr3t@my-cloud?upload_prefix=http://127.0.0.1:9',
      1000,
    );
    expect(proxied.describe()).toBe('Cloudinary, cloud "my-cloud" via http://127.0.0.1:9');
  });

  it('refuses an invalid upload_prefix at boot', () => {
    expect(
      () => new CloudinaryStorage('cloudinary://123456:s3cr3t@my-cloud?upload_prefix=nope', 1000),
    ).toThrow('CLOUDINARY_URL has an invalid upload_prefix');
  });

  it('refuses to destroy a key it did not issue, before any request', async () => {
    // Port 9 (discard) is not listening: a request would fail with a different error.
    const storage = new CloudinaryStorage(
      'cloudinary://123456:s3cr3t@my-cloud?upload_prefix=http://127.0.0.1:9',
      1000,
    );
    await expect(storage.delete('local:6650f0c2a1b2c3d4e5f60718/x.png')).rejects.toThrow(
      'Not a Cloudinary media key',
    );
  });
});
