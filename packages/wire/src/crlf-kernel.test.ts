import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crlfReference, expectSameBytes, mailish } from '../test/crlf-reference.js';
import { CRLF_SLICE, convertCrlf, convertCrlfInJs, crlfKernelMemoryBytes } from './crlf-kernel.js';

const LF = 0x0a;
const CR = 0x0d;

/** [byte before, byte]: placed at every offset of short inputs. */
const PAIRS = [
  [CR, LF],
  [0x41, LF],
  [LF, LF],
  [CR, CR],
] as const;

describe('convertCrlf', () => {
  it('gives what the byte loop gives, either CR state before it (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(mailish(120), fc.uint8Array({ maxLength: 300 }).map(Buffer.from)),
        fc.boolean(),
        (input, prevCr) => {
          const expected = crlfReference(input, prevCr);
          expectSameBytes(convertCrlf(input, prevCr), expected);
          expectSameBytes(convertCrlfInJs(input, prevCr), expected);
        },
      ),
      { numRuns: 3000 },
    );
    expect(crlfKernelMemoryBytes()).toBeGreaterThan(0); // the WebAssembly kernel did the work
  });

  it('handles a CR or LF at every place around the 16-byte blocks', () => {
    for (let length = 1; length <= 48; length++) {
      for (let at = 0; at < length; at++) {
        for (const [a, b] of PAIRS) {
          const input = Buffer.alloc(length, 0x41);
          input[at] = b;
          if (at > 0) input[at - 1] = a;
          for (const prevCr of [false, true]) expectSameBytes(convertCrlf(input, prevCr), crlfReference(input, prevCr));
        }
      }
    }
  });

  it('returns an input without a bare LF as it is, over several slices too', () => {
    const small = Buffer.from('a\r\nb\rc');
    expect(convertCrlf(small, false)).toBe(small);
    const lf = Buffer.from('\nx');
    expect(convertCrlf(lf, true)).toBe(lf);
    const big = Buffer.from('line\r\n'.repeat(50_000));
    expect(convertCrlf(big, false)).toBe(big);
  });

  it('carries the CR state across slice boundaries', () => {
    for (const boundary of [CRLF_SLICE, 2 * CRLF_SLICE]) {
      const input = Buffer.alloc(2 * CRLF_SLICE + 100, 0x41);
      input[boundary - 1] = CR; // a CRLF split by the slicing: stays as it is
      input[boundary] = LF;
      expect(convertCrlf(input, false)).toBe(input);
      input[boundary - 1] = 0x41; // a bare LF at the first byte of a slice
      expectSameBytes(convertCrlf(input, false), crlfReference(input, false));
      input[boundary - 1] = LF; // and one just before it
      expectSameBytes(convertCrlf(input, false), crlfReference(input, false));
    }
  });

  it('gives what the byte loop gives for inputs of several slices (property)', () => {
    fc.assert(
      fc.property(
        mailish(1500),
        fc.boolean(),
        fc.nat({ max: 3 }),
        fc.nat({ max: 64 }),
        (part, prevCr, copies, shift) => {
          // After a run of dots that ends just before the first slice boundary, and repeated so it spans more.
          const input = Buffer.concat([
            Buffer.alloc(CRLF_SLICE - shift, 0x2e),
            ...Array.from({ length: copies + 1 }, () => part),
          ]);
          expectSameBytes(convertCrlf(input, prevCr), crlfReference(input, prevCr));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps its memory to a few hundred KiB after a large input', () => {
    const input = Buffer.alloc(4 * 1024 * 1024, LF);
    const out = convertCrlf(input, false);
    expect(out.length).toBe(2 * input.length);
    expect(out.subarray(0, 4).toString('latin1')).toBe('\r\n\r\n');
    expect(crlfKernelMemoryBytes()).toBeLessThanOrEqual(4 * 64 * 1024);
  });
});
