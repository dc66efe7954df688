import { describe, expect, it } from 'vitest';
import { desEncryptBlock, expandDesKey } from './des.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => Buffer.from(text, 'hex');

describe('desEncryptBlock', () => {
  it.each([
    // The worked example from FIPS 46 teaching material and the NBS validation set.
    ['133457799bbcdff1', '0123456789abcdef', '85e813540f0ab405'],
    ['0e329232ea6d0d73', '8787878787878787', '0000000000000000'],
    ['0101010101010101', '95f8a5e5dd31d900', '8000000000000000'],
    ['8001010101010101', '0000000000000000', '95a8d72813daa94d'],
  ])('key %s, block %s', (key, block, ciphertext) => {
    expect(hex(desEncryptBlock(bytes(key), bytes(block)))).toBe(ciphertext);
  });

  it('ignores parity bits', () => {
    expect(desEncryptBlock(bytes('123457799bbcdff0'), bytes('0123456789abcdef'))).toEqual(
      desEncryptBlock(bytes('133457799bbcdff1'), bytes('0123456789abcdef')),
    );
  });

  it('refuses a wrong size', () => {
    expect(() => desEncryptBlock(new Uint8Array(7), new Uint8Array(8))).toThrow(RangeError);
  });
});

describe('expandDesKey', () => {
  it('spreads 56 bits over 8 bytes with zero parity bits', () => {
    expect(hex(expandDesKey(bytes('ffffffffffffff')))).toBe('fefefefefefefefe');
    expect(hex(expandDesKey(bytes('80000000000001')))).toBe('8000000000000002');
  });
});
