import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

describe('crc32c', () => {
  it('gives the standard check values', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe('e3069283');
    expect(crc32c(Buffer.alloc(0))).toBe('00000000');
    expect(crc32c(Buffer.alloc(32))).toBe('8a9136aa');
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe('62a8ab43');
  });
});
