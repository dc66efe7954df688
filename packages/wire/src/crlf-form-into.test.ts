import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectSameBytes, mailish } from '../test/crlf-reference.js';
import { crlfFormInto } from './crlf-form-into.js';
import { CrlfNormalizer } from './crlf-normalizer.js';

/** What CrlfNormalizer gives for the whole message at once. */
function normalized(message: Buffer): Buffer {
  const normalizer = new CrlfNormalizer();
  return Buffer.concat([normalizer.push(message), normalizer.end()]);
}

describe('crlfFormInto', () => {
  it('writes what CrlfNormalizer gives for the whole message, into the buffer it is given', () => {
    fc.assert(
      fc.property(mailish(60), fc.nat({ max: 64 }), (message, spare) => {
        const expected = normalized(message);
        const output = Buffer.alloc(expected.length + spare, 0xaa);
        const n = crlfFormInto(message, output);
        expect(n).toBe(expected.length);
        expectSameBytes(output.subarray(0, n), expected);
        // Nothing past the form is touched beyond the kernel's scratch, which lives in its own memory.
        expect(output.subarray(n).every((b) => b === 0xaa)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns -1 when the form does not fit, whether the lack is in the body or the final CRLF', () => {
    fc.assert(
      fc.property(mailish(60), fc.integer({ min: 1, max: 8 }), (message, short) => {
        const expected = normalized(message);
        fc.pre(expected.length >= short);
        expect(crlfFormInto(message, Buffer.alloc(expected.length - short))).toBe(-1);
      }),
      { numRuns: 1000 },
    );
    expect(crlfFormInto(Buffer.from('a\nb'), Buffer.alloc(5))).toBe(-1);
    expect(crlfFormInto(Buffer.from('a\nb'), Buffer.alloc(6))).toBe(6);
  });

  it('handles the empty message, a message without any LF, and a message of several 64 KiB slices', () => {
    expect(crlfFormInto(Buffer.alloc(0), Buffer.alloc(0))).toBe(0);
    const out = Buffer.alloc(8);
    expect(crlfFormInto(Buffer.from('abc\r'), out)).toBe(6);
    expect(out.subarray(0, 6).toString('latin1')).toBe('abc\r\r\n');
    const big = Buffer.from(`${'line of text\n'.repeat(20_000)}.last`);
    const expected = normalized(big);
    const output = Buffer.alloc(expected.length);
    expect(crlfFormInto(big, output)).toBe(expected.length);
    expectSameBytes(output, expected);
  });
});
