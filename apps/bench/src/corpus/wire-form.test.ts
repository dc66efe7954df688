import { describe, expect, it } from 'vitest';
import { exactSize, toWireForm } from './wire-form.js';

describe('exactSize and toWireForm', () => {
  it('adds one octet per LF without CR, and 2 when the last line has no LF', () => {
    expect(exactSize(Buffer.from('a\nb\n'))).toBe(6);
    expect(exactSize(Buffer.from('a\r\nb\n'))).toBe(6);
    expect(exactSize(Buffer.from('a\r\nb'))).toBe(6);
    expect(exactSize(Buffer.from('\n'))).toBe(2);
    expect(exactSize(Buffer.alloc(0))).toBe(0);
  });

  it('writes CRLF, stuffs lines starting with "." and ends an unterminated last line', () => {
    expect(toWireForm(Buffer.from('.a\nb\r\n..\n.'), true).toString()).toBe('..a\r\nb\r\n...\r\n..\r\n');
    expect(toWireForm(Buffer.from('.a\nb'), false).toString()).toBe('.a\r\nb\r\n');
  });

  it('agrees with exactSize for the un-stuffed form', () => {
    for (const text of ['x', 'x\n', '\n\n\r\n', 'a\rb\n', '.\n.\n', 'no end\r']) {
      expect(toWireForm(Buffer.from(text), false).length).toBe(exactSize(Buffer.from(text)));
    }
  });
});
