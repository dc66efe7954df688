import { describe, expect, it } from 'vitest';
import { md4, ntHash } from './md4.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (s: string): Uint8Array => Buffer.from(s, 'latin1');

describe('md4', () => {
  // RFC 1320 appendix A.5, all seven vectors.
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
  ])('md4(%j)', (input, digest) => {
    expect(hex(md4(ascii(input)))).toBe(digest);
  });

  it('handles every length around the padding boundaries', () => {
    // Lengths 55, 56 and 63, 64 change the number of padded blocks; a one-shot digest of a prefix must differ from
    // its neighbours and stay deterministic.
    const seen = new Set<string>();
    for (let n = 50; n <= 130; n++) {
      const digest = hex(md4(new Uint8Array(n).fill(0x61)));
      expect(digest).toBe(hex(md4(new Uint8Array(n).fill(0x61))));
      seen.add(digest);
    }
    expect(seen.size).toBe(81);
  });
});

describe('ntHash', () => {
  it('matches the MS-NLMP 4.2.1 password "Password"', () => {
    expect(hex(ntHash('Password'))).toBe('a4f49c406510bdcab6824ee7c30fd852');
  });

  it('encodes the password as UTF-16LE without normalising it', () => {
    expect(hex(ntHash(''))).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
    expect(hex(ntHash('\u00e9'))).not.toBe(hex(ntHash('e\u0301')));
    expect(hex(ntHash('\u00e9'))).toBe(hex(md4(Uint8Array.of(0xe9, 0x00))));
  });
});
