import { describe, expect, it } from 'vitest';
import { parseMaildirName } from './maildir-name.js';

describe('parseMaildirName', () => {
  it.each([
    // Poplar and Dovecot: sizes in the name, flags after ':2,'.
    [
      '1700000000.M1P2Q3R4.host,S=1200,W=1230:2,S',
      '1700000000.M1P2Q3R4.host,S=1200,W=1230',
      { S: 1200, W: 1230 },
      ':2,S',
    ],
    ['1700000000.M1P2Q3R4.host,S=1200,W=1230', '1700000000.M1P2Q3R4.host,S=1200,W=1230', { S: 1200, W: 1230 }, ''],
    // Courier maildrop with quota: S= only.
    ['1700000000.M123P456_0.mx,S=777:2,RS', '1700000000.M123P456_0.mx,S=777', { S: 777 }, ':2,RS'],
    // Postfix local/virtual: no fields at all.
    ['1700000000.V801I1a2bM123456.mx.example.org', '1700000000.V801I1a2bM123456.mx.example.org', {}, ''],
    ['1700000000.V801I1a2bM123456.mx.example.org:2,', '1700000000.V801I1a2bM123456.mx.example.org', {}, ':2,'],
    // Other fields are ignored, order does not matter.
    ['base,W=10,FOO=bar,S=8:2,FS', 'base,W=10,FOO=bar,S=8', { S: 8, W: 10 }, ':2,FS'],
    // Malformed sizes are no hint.
    ['base,S=12a,W=:2,', 'base,S=12a,W=', {}, ':2,'],
    ['base,S=-1,W=1e3', 'base,S=-1,W=1e3', {}, ''],
    ['base,S=1234567890123456', 'base,S=1234567890123456', {}, ''],
    // The first well-formed value wins.
    ['base,S=1,S=2', 'base,S=1,S=2', { S: 1 }, ''],
    // Experimental ':1,' info and an empty name do not throw.
    ['base:1,xyz', 'base', {}, ':1,xyz'],
    ['', '', {}, ''],
    [':2,S', '', {}, ':2,S'],
  ])('%j', (name, unique, hints, info) => {
    const parsed = parseMaildirName(name);
    expect(parsed).toEqual({ unique, hints, info });
    expect(parsed.unique + parsed.info).toBe(name);
  });
});
