import { ntHash } from '@poplar/auth-ntlm';
import { describe, expect, it } from 'vitest';
import { decryptNtHash, encryptNtHash, generateNtKey, isSealedNtHash, parseNtKey } from './nt-hash-cipher.js';

const key = parseNtKey(generateNtKey());
const otherKey = parseNtKey(generateNtKey());
const hash = ntHash('Password');

describe('NT hash encryption', () => {
  it('round-trips and never stores the hash in the clear', () => {
    const sealed = encryptNtHash(key, 'alice', hash);
    expect(isSealedNtHash(sealed)).toBe(true);
    expect(Buffer.from(sealed, 'base64').includes(Buffer.from(hash))).toBe(false);
    expect(decryptNtHash(key, 'alice', sealed)).toEqual(new Uint8Array(hash));
    // Names are matched without case, so the binding is too.
    expect(decryptNtHash(key, 'ALICE', sealed)).toEqual(new Uint8Array(hash));
  });

  it('uses a fresh IV each time', () => {
    expect(encryptNtHash(key, 'alice', hash)).not.toBe(encryptNtHash(key, 'alice', hash));
  });

  it('fails with the wrong key', () => {
    const sealed = encryptNtHash(key, 'alice', hash);
    expect(() => decryptNtHash(otherKey, 'alice', sealed)).toThrow(/wrong NT key or damaged entry/);
  });

  it("fails for another user's entry", () => {
    const sealed = encryptNtHash(key, 'alice', hash);
    expect(() => decryptNtHash(key, 'bob', sealed)).toThrow(/cannot decrypt/);
  });

  it('fails when a single bit is flipped anywhere', () => {
    const sealed = Buffer.from(encryptNtHash(key, 'alice', hash), 'base64');
    for (let i = 0; i < sealed.length; i++) {
      const damaged = Buffer.from(sealed);
      damaged[i]! ^= 1;
      expect(() => decryptNtHash(key, 'alice', damaged.toString('base64').replace(/=+$/, ''))).toThrow();
    }
  });

  it('refuses keys and hashes of the wrong size', () => {
    expect(() => encryptNtHash(key.subarray(1), 'alice', hash)).toThrow(RangeError);
    expect(() => encryptNtHash(key, 'alice', hash.subarray(1))).toThrow(RangeError);
    expect(() => decryptNtHash(key, 'alice', 'AAAA')).toThrow(/wrong length/);
  });
});

describe('parseNtKey', () => {
  it('reads hex and base64', () => {
    const hex = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
    expect(Buffer.from(parseNtKey(hex)).toString('hex')).toBe(hex);
    expect(Buffer.from(parseNtKey(`${hex.toUpperCase()}\n`)).toString('hex')).toBe(hex);
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    expect(Buffer.from(parseNtKey(b64)).toString('hex')).toBe(hex);
  });

  it.each([
    '',
    'abc',
    '00'.repeat(31),
    '00'.repeat(33),
    Buffer.alloc(31).toString('base64'),
    'zz'.repeat(32),
  ])('refuses %j', (text) => {
    expect(() => parseNtKey(text)).toThrow(/32 bytes/);
  });
});
