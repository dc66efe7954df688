import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RESPONSE_LENGTH, renderErr, renderMultiline, renderOk } from './response.js';

describe('responses', () => {
  it('renders status, optional response code and text', () => {
    expect(renderOk().toString()).toBe('+OK\r\n');
    expect(renderOk('2 320').toString()).toBe('+OK 2 320\r\n');
    expect(renderErr('Logon failure', 'AUTH').toString()).toBe('-ERR [AUTH] Logon failure\r\n');
  });

  it('never exceeds 512 octets including CRLF, whatever the text (C0001)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000, unit: 'grapheme' }), (s) => {
        const line = renderErr(s, 'SYS/TEMP');
        expect(line.length).toBeLessThanOrEqual(MAX_RESPONSE_LENGTH);
        expect(line.subarray(-2).toString()).toBe('\r\n');
        expect(line.subarray(0, -2).includes(0x0a)).toBe(false);
        expect(line.subarray(0, -2).includes(0x0d)).toBe(false);
      }),
    );
  });

  it('cuts long UTF-8 text on a character boundary', () => {
    const line = renderErr('é'.repeat(600));
    expect(line.length).toBeLessThanOrEqual(512);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(line)).not.toThrow();
  });

  it('dot-stuffs multi-line responses and terminates them', () => {
    const out = renderMultiline(renderOk(), ['TOP', '.hidden', 'UIDL']).toString();
    expect(out).toBe('+OK\r\nTOP\r\n..hidden\r\nUIDL\r\n.\r\n');
  });
});
