import { asBuffer } from './as-buffer.js';
import { convertCrlf } from './crlf-kernel.js';

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');

/**
 * Turns stored message bytes into their CRLF form, chunk by chunk, split anywhere: a bare LF becomes CRLF and a
 * message whose last line lacks a line break gets CRLF (the same rules as MessageEncoder and exactSize(), so the
 * output has exactly `exactSize()` octets). Other bytes, a bare CR included, pass through unchanged.
 *
 * A chunk without a bare LF is returned as it is (no copy); otherwise the result is a new buffer (a view of one
 * sized for the worst case when the chunk is over 64 KiB), made in one pass by a WebAssembly SIMD kernel (see
 * crlf-kernel.wat). Store the output once and every later RETR only has dot-stuffing left to do (see DotStuffer).
 */
export class CrlfNormalizer {
  /** The last byte pushed, -1 before any. */
  #last = -1;
  #length = 0;

  /** Octets of CRLF form produced so far, the final CRLF from end() included once it was called. */
  get length(): number {
    return this.#length;
  }

  push(chunk: Uint8Array): Buffer {
    const input = asBuffer(chunk);
    const n = input.length;
    if (n === 0) return EMPTY;
    const out = convertCrlf(input, this.#last === CR);
    this.#last = input[n - 1]!;
    this.#length += out.length;
    return out;
  }

  /** CRLF when the last line was not terminated, else nothing. */
  end(): Buffer {
    if (this.#last === -1 || this.#last === LF) return EMPTY;
    this.#last = LF;
    this.#length += 2;
    return CRLF;
  }
}
