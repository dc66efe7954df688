import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';

describe('strict base64', () => {
  it('round-trips', () => {
    const data = Buffer.from('\0alice\0alicepw');
    expect(decodeBase64(encodeBase64(data))).toEqual(data);
    expect(decodeBase64('')).toEqual(Buffer.alloc(0));
  });

  it.each(['AGFsaWNl*', 'AGF', 'AG=a', 'A===', 'AGFs aWNl', 'AGFsaWNl\0', '====', 'YQ'])('refuses %j', (s) => {
    expect(decodeBase64(s)).toBeNull();
  });
});
