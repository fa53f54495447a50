import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import bcrypt from 'bcrypt';
import { PasswordHasher } from './password-hasher.js';

const PEPPER = 'unit-test-pepper-that-is-long-enough-0123';
const PASSWORD = 'violet-kettle-harbour-42';

function hasherWith(settings: { bcryptCost?: number; passwordPepper?: string } = {}): PasswordHasher {
  const hasher = new PasswordHasher(
    new ConfigService({ auth: { bcryptCost: 4, passwordPepper: PEPPER, ...settings } }),
    new EventEmitter2(),
  );
  hasher.onModuleInit();
  return hasher;
}

describe('PasswordHasher', () => {
  const hasher = hasherWith();

  it('verifies a password against its own hash, which names the scheme and cost', async () => {
    const hash = await hasher.hash(PASSWORD);
    expect(hash).toMatch(/^\$hmac-sha384-bcrypt\$\$2b\$04\$/);
    expect(hash).not.toContain(PASSWORD);
    expect(await hasher.verify(PASSWORD, hash)).toEqual({ valid: true, needsRehash: false });
  });

  it('rejects a different password', async () => {
    const hash = await hasher.hash(PASSWORD);
    for (const other of ['violet-kettle-harbour-43', 'Violet-kettle-harbour-42', `${PASSWORD} `, '']) {
      expect(await hasher.verify(other, hash)).toEqual({ valid: false, needsRehash: false });
    }
  });

  it('salts every hash', async () => {
    const [first, second] = await Promise.all([hasher.hash(PASSWORD), hasher.hash(PASSWORD)]);
    expect(first).not.toBe(second);
  });

  it('tells apart passwords that differ only after byte 72', async () => {
    const prefix = 'é'.repeat(36); // 72 bytes in UTF-8
    const hash = await hasher.hash(`${prefix}-one`);
    expect((await hasher.verify(`${prefix}-one`, hash)).valid).toBe(true);
    expect((await hasher.verify(`${prefix}-two`, hash)).valid).toBe(false);
    expect((await hasher.verify(prefix, hash)).valid).toBe(false);
  });

  it('needs the same pepper: a stolen hash is useless without the server secret', async () => {
    const hash = await hasher.hash(PASSWORD);
    const otherServer = hasherWith({ passwordPepper: `${PEPPER}-rotated` });
    expect(await otherServer.verify(PASSWORD, hash)).toEqual({ valid: false, needsRehash: false });
  });

  it.each(['a', 'b'] as const)(
    'verifies plain bcrypt hashes (version 2%s) of the reference backend and asks for a rehash',
    async (minor) => {
      const legacy = await bcrypt.hash(PASSWORD, await bcrypt.genSalt(4, minor));
      expect(legacy.startsWith(`$2${minor}$04$`)).toBe(true);
      expect(await hasher.verify(PASSWORD, legacy)).toEqual({ valid: true, needsRehash: true });
      expect(await hasher.verify('wrong-password', legacy)).toEqual({ valid: false, needsRehash: false });
    },
  );

  it('asks for a rehash when the current scheme was used at another cost only', async () => {
    const atCost5 = await hasherWith({ bcryptCost: 5 }).hash(PASSWORD);
    expect(atCost5).toMatch(/^\$hmac-sha384-bcrypt\$\$2b\$05\$/);
    expect(await hasher.verify(PASSWORD, atCost5)).toEqual({ valid: true, needsRehash: true });
    expect(await hasherWith({ bcryptCost: 5 }).verify(PASSWORD, atCost5)).toEqual({
      valid: true,
      needsRehash: false,
    });
  });

  it.each([
    ['an empty value', ''],
    ['plain text', PASSWORD],
    ['an unknown scheme', `$argon2id$v=19$m=65536,t=3,p=4$${'a'.repeat(43)}`],
    ['the current prefix with garbage', '$hmac-sha384-bcrypt$garbage'],
    ['the current prefix alone', '$hmac-sha384-bcrypt$'],
    ['a truncated bcrypt hash', '$2b$10$tooshort'],
    ['bcrypt with invalid characters', `$2b$04$${'!'.repeat(53)}`],
  ])('answers invalid, without throwing, for %s stored', async (_name, stored) => {
    await expect(hasher.verify(PASSWORD, stored)).resolves.toEqual({ valid: false, needsRehash: false });
  });

  it('resolves verifyDummy for any password (its timing is checked in test/auth/abuse.e2e-spec.ts)', async () => {
    await expect(hasher.verifyDummy(PASSWORD)).resolves.toBeUndefined();
    await expect(hasher.verifyDummy('')).resolves.toBeUndefined();
  });
});
