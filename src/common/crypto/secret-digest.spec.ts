import { secretDigest } from './secret-digest.js';

describe('secretDigest', () => {
  it('is the hex SHA-256 of the UTF-8 text, so digests stored before stay valid', () => {
    // FIPS 180-2's test vector for "abc".
    expect(secretDigest('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // Text is hashed as UTF-8 (c3 a9 here), as the tokens stored so far were.
    expect(secretDigest('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});
