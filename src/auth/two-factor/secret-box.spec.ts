import { ConfigService } from '@nestjs/config';
import { Types } from 'mongoose';
import { TwoFactorSecretBox } from './secret-box.js';

const boxWith = (encryptionKey: string) =>
  new TwoFactorSecretBox(new ConfigService({ twoFactor: { encryptionKey } }) as never);

describe('TwoFactorSecretBox', () => {
  const box = boxWith('k'.repeat(40));
  const owner = new Types.ObjectId();
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('seals with a fresh nonce each time, and opens for the owner only', () => {
    const sealed = box.seal(secret, owner);
    expect(sealed).not.toContain(secret);
    expect(box.seal(secret, owner)).not.toBe(sealed);
    expect(box.open(sealed, owner)).toBe(secret);
    expect(() => box.open(sealed, new Types.ObjectId())).toThrow();
  });

  it('refuses another key and any altered byte', () => {
    const sealed = box.seal(secret, owner);
    expect(() => boxWith('x'.repeat(40)).open(sealed, owner)).toThrow();
    const parts = sealed.split('.');
    const last = parts[3];
    parts[3] = `${last.slice(0, -1)}${last.endsWith('A') ? 'B' : 'A'}`;
    expect(() => box.open(parts.join('.'), owner)).toThrow();
    expect(() => box.open('not sealed', owner)).toThrow();
  });
});
