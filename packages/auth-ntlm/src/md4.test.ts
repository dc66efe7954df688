import { describe, expect, it } from 'vitest';
import { md4 } from './md4.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('md4', () => {
  // RFC 1320 §A.5 test suite.
  it.each([
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      'e33b4ddc9c38f2199c3e7b164fcc0536',
    ],
  ])('MD4(%j)', (input, digest) => {
    expect(hex(md4(Buffer.from(input, 'latin1')))).toBe(digest);
  });

  it('handles every length around the 56-byte padding boundary', () => {
    // Lengths 55, 56 and 64 change how many padding blocks are needed; digests must all differ and be stable.
    const digests = new Set<string>();
    for (let length = 50; length <= 70; length++) {
      const input = new Uint8Array(length).fill(0x61);
      const digest = hex(md4(input));
      expect(hex(md4(Uint8Array.from(input)))).toBe(digest);
      digests.add(digest);
    }
    expect(digests.size).toBe(21);
  });

  it('does not look past a subarray', () => {
    const backing = Buffer.from('xxabcxx', 'latin1');
    expect(hex(md4(backing.subarray(2, 5)))).toBe('a448017aaf21d8525fc10ae87aa6729d');
  });
});
