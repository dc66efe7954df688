import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { saslPrep } from './sasl-prep.js';

describe('saslPrep', () => {
  // RFC 4013 section 3 examples.
  it.each([
    ['I\u00adX', 'IX'],
    ['user', 'user'],
    ['USER', 'USER'],
    ['\u00aa', 'a'],
    ['\u2168', 'IX'],
    ['a\u00a0b', 'a b'],
    ['\u0627\u0031\u0628', '\u0627\u0031\u0628'],
  ])('prepares %j as %j', (input, output) => {
    expect(saslPrep(input)).toBe(output);
  });

  it.each([
    ['\u0007', 'a control character'],
    ['\u0627\u0031', 'RandALCat not at both ends'],
    ['a\u0627', 'RandALCat with LCat'],
    ['\ue000', 'private use'],
    ['\ud800', 'a lone surrogate'],
    ['', 'the empty string'],
    ['\u00ad', 'only characters mapped to nothing'],
  ])('refuses %j (%s)', (input) => {
    expect(saslPrep(input)).toBeNull();
  });

  it('allows code points unassigned in Unicode 3.2', () => {
    expect(saslPrep('pw\u{1f600}')).toBe('pw\u{1f600}');
  });

  it('is idempotent and never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (input) => {
        const once = saslPrep(input);
        if (once !== null) expect(saslPrep(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});
