import { generate } from 'otplib';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

const NOW = new Date('2026-03-01T12:00:10Z');
const STEP = Math.floor(NOW.getTime() / 30_000);
const codeAt = (secret: string, step: number) => generate({ secret, epoch: step * 30 + 5 });

describe('TOTP', () => {
  let secret: string;
  beforeAll(async () => {
    secret = await newTotpSecret();
  });

  it('makes 160-bit base32 secrets, a new one each time', async () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await newTotpSecret()).not.toBe(secret);
  });

  it('writes the otpauth URI authenticator apps expect', async () => {
    const uri = await totpUri('Chat auth', 'ada@example.com', secret);
    // SHA-1, 6 digits and 30 seconds are the defaults the Key Uri Format leaves implicit.
    expect(uri).toBe(`otpauth://totp/Chat%20auth:ada%40example.com?secret=${secret}&issuer=Chat%20auth`);
  });

  it('accepts the current step and one either side, and names the step', async () => {
    for (const delta of [-1, 0, 1]) {
      expect(await matchTotp(secret, await codeAt(secret, STEP + delta), NOW)).toBe(STEP + delta);
    }
  });

  it('refuses two steps away, and anything but six digits', async () => {
    for (const delta of [-2, 2])
      expect(await matchTotp(secret, await codeAt(secret, STEP + delta), NOW)).toBeNull();
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456']) {
      expect(await matchTotp(secret, code, NOW)).toBeNull();
    }
  });

  it('refuses a step not later than afterStep, even one past the window', async () => {
    const current = await codeAt(secret, STEP);
    expect(await matchTotp(secret, current, NOW, STEP)).toBeNull();
    expect(await matchTotp(secret, current, NOW, STEP - 1)).toBe(STEP);
    expect(await matchTotp(secret, current, NOW, STEP + 5)).toBeNull();
  });
});
