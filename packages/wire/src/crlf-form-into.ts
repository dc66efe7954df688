import { asBuffer } from './as-buffer.js';
import { convertCrlfInto } from './crlf-kernel.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * The CRLF form of a whole message, exactly what CrlfNormalizer's push() and end() give for it (bare LF -> CRLF, a
 * final CRLF when the last line has none), written at the start of `output` instead of a new buffer: for callers
 * that reuse their memory. Returns its length, or -1 when `output` is too small (its content is then meaningless).
 */
export function crlfFormInto(message: Uint8Array, output: Uint8Array): number {
  const input = asBuffer(message);
  const n = convertCrlfInto(input, false, output, 0);
  if (n < 0 || input.length === 0 || input[input.length - 1] === LF) return n;
  if (n + 2 > output.length) return -1;
  output[n] = CR;
  output[n + 1] = LF;
  return n + 2;
}
