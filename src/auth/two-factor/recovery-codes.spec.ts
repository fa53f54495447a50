import { hashRecoveryCode, newRecoveryCodes, RECOVERY_CODE_COUNT } from './recovery-codes.js';

describe('recovery codes', () => {
  it('makes ten distinct grouped codes of 100 bits', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    // 20 characters from a 32-letter alphabet: 20 × 5 = 100 bits.
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}(-[a-z2-7]{5}){3}$/);
  });

  it('hashes whatever the case, hyphens and spaces, and refuses what cannot be a code', () => {
    const [code] = newRecoveryCodes();
    const hash = hashRecoveryCode(code);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(code.replaceAll('-', ''));
    for (const variant of [code.toUpperCase(), code.replaceAll('-', ''), ` ${code.replaceAll('-', ' ')} `]) {
      expect(hashRecoveryCode(variant)).toBe(hash);
    }
    for (const bad of ['', '123456', `${code}a`, code.replace(/[a-z]/, '1')]) {
      expect(hashRecoveryCode(bad)).toBeNull();
    }
  });
});
