import { MessageEncoder } from '@poplar/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanCalculator } from './scan-calculator.js';

/** Splits bytes at the given cut points (taken modulo the length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    if (p > start) chunks.push(bytes.subarray(start, p));
    start = Math.max(start, p);
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** What RETR sends for `chunks`, minus the terminator, with dot-stuffing undone: the octets LIST must report. */
function wireOctets(chunks: Uint8Array[]): number {
  const encoder = new MessageEncoder();
  const out = Buffer.concat([...chunks.map((c) => encoder.push(c)), encoder.end()]);
  expect(out.subarray(out.length - 3).toString('latin1')).toBe('.\r\n');
  const body = out.subarray(0, out.length - 3);
  let dots = 0;
  for (let i = 0; i < body.length; i++) {
    if ((i === 0 || body[i - 1] === 0x0a) && body[i] === 0x2e) dots++;
  }
  return body.length - dots;
}

// Bytes rich in the characters that matter: LF, CR and '.'.
const messageBytes = fc
  .array(fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x2e), fc.integer({ min: 0, max: 255 })), { maxLength: 600 })
  .map((a) => Uint8Array.from(a));
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('scan calculator agrees with the RETR encoder', () => {
  it('for arbitrary bytes split at arbitrary points', async () => {
    await fc.assert(
      fc.asyncProperty(messageBytes, cuts, cuts, async (bytes, encoderCuts, scanCuts) => {
        const expected = wireOctets(split(bytes, encoderCuts));
        const measured = await scanCalculator().measure({
          key: 'm',
          storedSize: bytes.length,
          hints: {},
          async *open() {
            yield* split(bytes, scanCuts);
          },
        });
        expect(measured).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
