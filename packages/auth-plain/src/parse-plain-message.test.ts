import { describe, expect, it } from 'vitest';
import { parsePlainMessage } from './parse-plain-message.js';

const parse = (text: string) => parsePlainMessage(Buffer.from(text, 'utf8'));

describe('parsePlainMessage', () => {
  it('splits the three fields (RFC 4616 section 4 examples)', () => {
    expect(parse('\0tim\0tanstaaftanstaaf')).toEqual({ authzid: '', authcid: 'tim', password: 'tanstaaftanstaaf' });
    expect(parse('Ursel\0Kurt\0xipj3plmq')).toEqual({ authzid: 'Ursel', authcid: 'Kurt', password: 'xipj3plmq' });
  });

  it('keeps spaces, a leading BOM and non-ASCII text exactly', () => {
    expect(parse('\0\ufeffjosé\0 pass word ')).toEqual({ authzid: '', authcid: '\ufeffjosé', password: ' pass word ' });
  });

  it('works on a view into a larger buffer', () => {
    const whole = Buffer.from('xx\0a\0b\0yy');
    expect(parsePlainMessage(whole.subarray(2, 6))).toEqual({ authzid: '', authcid: 'a', password: 'b' });
  });

  it.each(['', 'a', 'a\0b', '\0\0b', '\0a\0', 'a\0b\0c\0d', `\0a\0${'p'.repeat(256)}`])('refuses %j', (text) => {
    expect(parse(text)).toBeNull();
  });
});
