import { describe, expect, it } from 'vitest';
import { rc4 } from './rc4.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('rc4', () => {
  it.each([
    // The classic published vectors.
    ['Key', 'Plaintext', 'bbf316e8d940af0ad3'],
    ['Wiki', 'pedia', '1021bf0420'],
    ['Secret', 'Attack at dawn', '45a01f645fc35b383552544b9bf5'],
  ])('RC4(%j, %j)', (key, plaintext, ciphertext) => {
    expect(hex(rc4(Buffer.from(key), Buffer.from(plaintext)))).toBe(ciphertext);
  });

  it('matches RFC 6229 (40-bit key 0102030405, keystream offset 0)', () => {
    const keystream = rc4(Buffer.from('0102030405', 'hex'), new Uint8Array(16));
    expect(hex(keystream)).toBe('b2396305f03dc027ccc3524a0a1118a8');
  });

  it('is its own inverse', () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const data = Buffer.from('a session key...');
    expect(Buffer.from(rc4(key, rc4(key, data)))).toEqual(data);
  });

  it('refuses an empty key', () => {
    expect(() => rc4(new Uint8Array(0), new Uint8Array(1))).toThrow(RangeError);
  });
});
