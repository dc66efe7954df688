import { asBuffer } from './as-buffer.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Counts the exact RFC 822 size of a stored message as RETR sends it before dot-stuffing: every bare LF counts as
 * CRLF, and a message whose last line lacks a line break counts the CRLF that the encoder adds. This is the rule
 * MessageEncoder follows, so LIST/STAT sizes equal the octets sent, byte for byte.
 */
export class ExactSizeCounter {
  #size = 0;
  #last = -1;

  push(chunk: Uint8Array): void {
    const input = asBuffer(chunk);
    const n = input.length;
    if (n === 0) return;
    let bareLf = 0;
    let i = input.indexOf(LF);
    while (i >= 0) {
      if (!(i > 0 ? input[i - 1] === CR : this.#last === CR)) bareLf++;
      i = input.indexOf(LF, i + 1);
    }
    this.#size += n + bareLf;
    this.#last = input[n - 1]!;
  }

  /** The size so far, including the CRLF that an unterminated last line will get. */
  get size(): number {
    return this.#last === -1 || this.#last === LF ? this.#size : this.#size + 2;
  }
}

/** Exact size of a message held in one buffer. */
export function exactSize(message: Uint8Array): number {
  const counter = new ExactSizeCounter();
  counter.push(message);
  return counter.size;
}
