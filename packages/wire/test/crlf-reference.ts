// Shared by the CRLF tests: a byte-at-a-time reference conversion, mail-like random input, and a byte comparison
// that stays fast on large buffers and points at the first difference.
import fc from 'fast-check';
import { expect } from 'vitest';

const LF = 0x0a;
const CR = 0x0d;

/** Every LF not preceded by CR (`prevCr`: the byte before `input` was CR) gains one, one byte at a time. */
export function crlfReference(input: Uint8Array, prevCr: boolean): Buffer {
  const out = Buffer.alloc(2 * input.length);
  let o = 0;
  let prev = prevCr ? CR : -1;
  for (const b of input) {
    if (b === LF && prev !== CR) out[o++] = CR;
    out[o++] = b;
    prev = b;
  }
  return out.subarray(0, o);
}

/** Mail-like bytes: line breaks of every kind, dots, NUL, 0xff, words and long lines, in any mix, or none. */
export function mailish(maxParts: number): fc.Arbitrary<Buffer> {
  return fc
    .array(
      fc.oneof(
        fc.constantFrom('\n', '\r', '\r\n', '\n\n', '\r\r\n', '.', '..\n', '\0', '\xff', 'Subject: x', ' word'),
        fc.string({ maxLength: 40 }),
        fc.nat({ max: 400 }).map((n) => 'x'.repeat(n)),
        fc.constant(''),
      ),
      { maxLength: maxParts },
    )
    .map((parts) => Buffer.from(parts.join(''), 'latin1'));
}

/** Asserts equal bytes; on a difference, shows the lengths and both sides around the first differing offset. */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (Buffer.compare(actual, expected) === 0) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const around = (b: Uint8Array) =>
    JSON.stringify(Buffer.from(b.subarray(Math.max(0, at - 8), at + 8)).toString('latin1'));
  expect({ length: actual.length, at, around: around(actual) }).toEqual({
    length: expected.length,
    at,
    around: around(expected),
  });
}
