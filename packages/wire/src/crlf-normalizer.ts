import { asBuffer } from './as-buffer.js';
import { copyInto } from './copy-into.js';

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');

/**
 * Turns stored message bytes into their CRLF form, chunk by chunk, split anywhere: a bare LF becomes CRLF and a
 * message whose last line lacks a line break gets CRLF (the same rules as MessageEncoder and exactSize(), so the
 * output has exactly `exactSize()` octets). Other bytes, a bare CR included, pass through unchanged.
 *
 * A chunk without a bare LF is returned as it is (no copy); otherwise the result is a view of a new buffer of up
 * to twice its size (one pass, sized for the worst case). Store the output once and every later RETR only has
 * dot-stuffing left to do (see DotStuffer).
 */
export class CrlfNormalizer {
  #prevCr = false;
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
    const prevCr = this.#prevCr;
    this.#prevCr = input[n - 1] === CR;
    this.#last = input[n - 1]!;
    let lf = input.indexOf(LF);
    while (lf >= 0 && (lf > 0 ? input[lf - 1] === CR : prevCr)) lf = input.indexOf(LF, lf + 1);
    if (lf < 0) {
      this.#length += n;
      return input;
    }
    // From the first bare LF on, at worst every byte is a LF that gains a CR.
    const out = Buffer.allocUnsafe(n + (n - lf));
    let o = 0;
    let i = 0;
    for (; lf >= 0; lf = input.indexOf(LF, i)) {
      o += copyInto(out, o, input, i, lf);
      if (!(lf > 0 ? input[lf - 1] === CR : prevCr)) out[o++] = CR;
      out[o++] = LF;
      i = lf + 1;
    }
    o += copyInto(out, o, input, i, n);
    this.#length += o;
    return out.subarray(0, o);
  }

  /** CRLF when the last line was not terminated, else nothing. */
  end(): Buffer {
    if (this.#last === -1 || this.#last === LF) return EMPTY;
    this.#last = LF;
    this.#length += 2;
    return CRLF;
  }
}
