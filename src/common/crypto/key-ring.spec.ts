import { decrypt, encrypt, generateKey, isCiphertext, keyIdOf, KeyRingError, parseKeyRing } from './key-ring';

describe('key ring', () => {
  const k1 = generateKey();
  const k2 = generateKey();

  it('encrypts under the current key and decrypts with any key of the ring', () => {
    const old = parseKeyRing(`k1:${k1}`);
    const sealed = encrypt(old, 'hunter2', 'env-var');
    expect(isCiphertext(sealed)).toBe(true);
    expect(keyIdOf(sealed)).toBe('k1');
    expect(sealed).not.toContain('hunter2');
    expect(encrypt(old, 'hunter2', 'env-var')).not.toBe(sealed);

    const both = parseKeyRing(`k1:${k1},k2:${k2}`);
    expect(both.current).toBe('k2');
    expect(decrypt(both, sealed, 'env-var')).toBe('hunter2');
    expect(keyIdOf(encrypt(both, 'x', 'env-var'))).toBe('k2');
    expect(parseKeyRing(`k1:${k1},k2:${k2}`, 'k1').current).toBe('k1');
  });

  it('refuses a value made for another purpose, altered, or under a key it does not have', () => {
    const ring = parseKeyRing(`k1:${k1}`);
    const sealed = encrypt(ring, 'value', 'env-var');
    expect(() => decrypt(ring, sealed, 'webhook-secret')).toThrow(KeyRingError);
    const at = sealed.length - 2;
    const flipped = sealed.slice(0, at) + (sealed[at] === 'A' ? 'B' : 'A') + sealed.slice(at + 1);
    expect(flipped).not.toBe(sealed);
    expect(() => decrypt(ring, flipped, 'env-var')).toThrow(KeyRingError);
    expect(() => decrypt(parseKeyRing(`k2:${k2}`), sealed, 'env-var')).toThrow(/key k1, which is not in the ring/);
    expect(() => decrypt(ring, 'plain', 'env-var')).toThrow(/not encrypted/);
  });

  it('names bad keys by id, never by value', () => {
    const short = Buffer.alloc(16).toString('base64');
    expect(() => parseKeyRing(`k1:${short}`)).toThrow('key k1 is not 32 bytes of base64');
    expect(() => parseKeyRing(`k1:${k1},k1:${k2}`)).toThrow('listed twice');
    expect(() => parseKeyRing(`bad id:${k1}`)).toThrow(/id:base64key/);
    expect(() => parseKeyRing(`k1:${k1}`, 'k9')).toThrow('the current key k9 is not in the ring');
    expect(() => parseKeyRing('')).toThrow('no key');
    try {
      parseKeyRing(`k1:${short}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
  });
});
