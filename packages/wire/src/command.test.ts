import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCommand, parseCount, parseMsn } from './command.js';

const parse = (s: string) => parseCommand(Buffer.from(s, 'latin1'));

describe('parseCommand', () => {
  it('upper-cases the keyword and splits arguments on runs of SPACE or TAB (2.1.1)', () => {
    const c = parse('top \t 1   10');
    expect(c.keyword).toBe('TOP');
    expect(c.args).toEqual(['1', '10']);
  });

  it('has no 40-character argument limit (2.1.2)', () => {
    const long = 'x'.repeat(300);
    expect(parse(`USER ${long}`).args).toEqual([long]);
  });

  it('keeps the whole rest of the line for PASS, spaces included (V0011)', () => {
    const c = parse('PASS  my secret  pass ');
    expect(c.rest.toString()).toBe('my secret  pass ');
  });

  it('flags NUL, control and 8-bit octets', () => {
    expect(parse('USER a\x00b').hasBadOctets).toBe(true);
    expect(parseCommand(Buffer.from([0x55, 0x53, 0x45, 0x52, 0x20, 0xc3, 0xa9])).hasBadOctets).toBe(true);
    expect(parse('USER\tabc').hasBadOctets).toBe(false);
  });

  it('an empty line has an empty keyword', () => {
    expect(parse('').keyword).toBe('');
    expect(parse('').args).toEqual([]);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const c = parseCommand(Buffer.from(bytes));
        expect(typeof c.keyword).toBe('string');
      }),
    );
  });
});

describe('parseMsn and parseCount', () => {
  it('accepts plain decimal numbers', () => {
    expect(parseMsn('1')).toBe(1);
    expect(parseMsn('00012')).toBe(12);
    expect(parseCount('0')).toBe(0);
    expect(parseCount('99999999')).toBe(99999999);
  });

  it.each([
    '0',
    '-1',
    '+1',
    ' 1',
    '1 ',
    '1a',
    '0x10',
    '',
    '1e3',
    '1.0',
    '4294967297000000000',
    '١',
  ])('refuses %j as a message number', (s) => {
    expect(parseMsn(s)).toBeNull();
  });
});
