// The byte-at-a-time encoder MessageEncoder used to be: the reference its tests and DotStuffer's compare with.
import { copyInto } from '../src/copy-into.js';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const EMPTY = Buffer.alloc(0);

/**
 * Stored bytes to a RETR or TOP body, one line at a time: bare LF to CRLF, line-start dots doubled, TOP's body
 * lines counted, a final CRLF when the last line has none; a bare CR and NUL pass through.
 */
export class ReferenceEncoder {
  #atLineStart = true;
  #prevCr = false;
  /** TOP state: still in the header section; body lines left; the current line's length so far. */
  readonly #top: boolean;
  #inHeaders = true;
  #bodyLeft: number;
  #lineLength = 0;
  #lineIsCr = false;
  #done = false;

  constructor(options: { readonly bodyLines?: number } = {}) {
    this.#top = options.bodyLines !== undefined;
    this.#bodyLeft = options.bodyLines ?? 0;
  }

  /** True once TOP has sent all it should: the caller can stop reading the message. */
  get done(): boolean {
    return this.#done;
  }

  push(chunk: Uint8Array): Buffer {
    if (this.#done || chunk.length === 0) return EMPTY;
    const input = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    return this.#top ? this.#encodeTop(input) : this.#encodeAll(input);
  }

  /** The final bytes: CRLF when the last line was not terminated, then the "." CRLF terminator. */
  end(): Buffer {
    const close = this.#atLineStart ? '.\r\n' : '\r\n.\r\n';
    this.#done = true;
    this.#atLineStart = true;
    return Buffer.from(close);
  }

  #encodeAll(input: Buffer): Buffer {
    // Worst case every byte is a LF that gains a CR, plus one doubled dot.
    const out = Buffer.allocUnsafe(input.length * 2 + 1);
    let o = 0;
    let i = 0;
    const n = input.length;
    while (i < n) {
      if (this.#atLineStart) {
        if (input[i] === DOT) out[o++] = DOT;
        this.#atLineStart = false;
      }
      const lf = input.indexOf(LF, i);
      if (lf < 0) {
        o += copyInto(out, o, input, i, n);
        this.#prevCr = input[n - 1] === CR;
        return out.subarray(0, o);
      }
      o += copyInto(out, o, input, i, lf);
      if (!(lf > 0 ? input[lf - 1] === CR : this.#prevCr)) out[o++] = CR;
      out[o++] = LF;
      this.#atLineStart = true;
      this.#prevCr = false;
      i = lf + 1;
    }
    return out.subarray(0, o);
  }

  #encodeTop(input: Buffer): Buffer {
    const out = Buffer.allocUnsafe(input.length * 2 + 1);
    let o = 0;
    let i = 0;
    const n = input.length;
    while (i < n && !this.#done) {
      if (this.#atLineStart) {
        if (input[i] === DOT) out[o++] = DOT;
        this.#atLineStart = false;
        this.#lineLength = 0;
        this.#lineIsCr = false;
      }
      const lf = input.indexOf(LF, i);
      const stop = lf < 0 ? n : lf;
      if (stop > i) {
        this.#lineIsCr = this.#lineLength === 0 && stop - i === 1 && input[i] === CR;
        this.#lineLength += stop - i;
      }
      o += copyInto(out, o, input, i, stop);
      if (lf < 0) {
        this.#prevCr = input[n - 1] === CR;
        break;
      }
      if (!(lf > 0 ? input[lf - 1] === CR : this.#prevCr)) out[o++] = CR;
      out[o++] = LF;
      this.#atLineStart = true;
      this.#prevCr = false;
      i = lf + 1;
      this.#lineEnded();
    }
    return out.subarray(0, o);
  }

  #lineEnded(): void {
    if (this.#inHeaders) {
      const blank = this.#lineLength === 0 || (this.#lineLength === 1 && this.#lineIsCr);
      if (!blank) return;
      this.#inHeaders = false;
    } else {
      this.#bodyLeft--;
    }
    if (this.#bodyLeft <= 0) this.#done = true;
  }
}

/** The reference encoding of `chunks` (RETR, or TOP with `bodyLines`), terminator included. */
export function referenceEncode(chunks: readonly Uint8Array[], bodyLines?: number): Buffer {
  const encoder = new ReferenceEncoder(bodyLines === undefined ? {} : { bodyLines });
  return Buffer.concat([...chunks.map((chunk) => encoder.push(chunk)), encoder.end()]);
}
