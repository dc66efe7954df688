import { describe, expect, it } from 'vitest';
import { md4 } from './md4.js';
import { ntHash } from './nt-hash.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

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
