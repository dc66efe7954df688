import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crlfReference, expectSameBytes, mailish } from '../test/crlf-reference.js';
import { CRLF_SLICE } from './crlf-kernel.js';
import { CrlfNormalizer } from './crlf-normalizer.js';

/** The CRLF form of a whole message: the reference conversion, and CRLF after an unterminated last line. */
function reference(message: Buffer): Buffer {
  const out = crlfReference(message, false);
  return message.length > 0 && message.at(-1) !== 0x0a ? Buffer.concat([out, Buffer.from('\r\n')]) : out;
}

/** `message` cut at `cuts` (taken modulo its length + 1), empty pieces included. */
function split(message: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (message.length + 1)))].sort((a, b) => a - b);
  return [...points, message.length].map((p, i, all) => message.subarray(i === 0 ? 0 : all[i - 1], p));
}

function normalize(chunks: readonly Uint8Array[]): { out: Buffer; length: number } {
  const normalizer = new CrlfNormalizer();
  const pieces = chunks.map((c) => normalizer.push(c));
  pieces.push(normalizer.end());
  return { out: Buffer.concat(pieces), length: normalizer.length };
}

describe('CrlfNormalizer against a byte loop', () => {
  it('gives the same bytes and length for any mix split anywhere (property)', () => {
    fc.assert(
      fc.property(mailish(150), fc.array(fc.nat(), { maxLength: 20 }), (message, cuts) => {
        const { out, length } = normalize(split(message, cuts));
        const expected = reference(message);
        expectSameBytes(out, expected);
        expect(length).toBe(expected.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the same for chunks of several slices with CRLF split between chunks and slices', () => {
    const message = Buffer.from('ab\n\r\n.\r'.repeat(CRLF_SLICE / 2), 'latin1');
    for (const cut of [CRLF_SLICE - 1, CRLF_SLICE, 3 * CRLF_SLICE + 5]) {
      // Each place where a CR ends one chunk and its LF begins the next.
      const crEnd = message.indexOf('\r\n', cut) + 1;
      const chunks = [message.subarray(0, crEnd), message.subarray(crEnd)];
      const { out, length } = normalize(chunks);
      expectSameBytes(out, reference(message));
      expect(length).toBe(out.length);
    }
  });

  it('accepts Uint8Array views at an offset', () => {
    const backing = new Uint8Array(Buffer.from('xxa\nb\r\ncyy', 'latin1'));
    const { out } = normalize([backing.subarray(2, 5), backing.subarray(5, 8)]);
    expect(out.toString('latin1')).toBe('a\r\nb\r\nc\r\n');
  });
});
