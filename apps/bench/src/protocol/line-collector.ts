import { BenchError } from './bench-error.js';
import { CR, LF } from './bytes.js';

/**
 * Collects one CRLF-terminated protocol line (a status line or a listing line, never a message body) that may be
 * split across chunks. The line is checked for CRLF and its length is capped, so a server that never sends LF
 * cannot make the client buffer without limit.
 */
export class LineCollector {
  #parts: Buffer[] = [];
  #length = 0;
  /** The line just taken, without its CRLF. */
  line = '';

  /** @param max longest accepted line in octets, CRLF included. */
  constructor(readonly max: number) {}

  /** Consumes bytes from `offset`; returns the offset after the line's LF, or -1 when the chunk ended first. */
  take(chunk: Buffer, offset: number): number {
    const lf = chunk.indexOf(LF, offset);
    const end = lf < 0 ? chunk.length : lf + 1;
    if (this.#length + end - offset > this.max) {
      throw new BenchError('line-too-long', `line longer than ${this.max} octets`);
    }
    if (lf < 0) {
      // A copy: the chunk may be a read buffer that the next read overwrites.
      if (end > offset) this.#parts.push(Buffer.from(chunk.subarray(offset, end)));
      this.#length += end - offset;
      return -1;
    }
    let whole: Buffer;
    if (this.#parts.length === 0) {
      whole = chunk.subarray(offset, end);
    } else {
      this.#parts.push(chunk.subarray(offset, end));
      whole = Buffer.concat(this.#parts);
      this.#parts = [];
    }
    this.#length = 0;
    if (whole.length < 2 || whole[whole.length - 2] !== CR) {
      throw new BenchError('bare-lf', `line not ended by CRLF: ${JSON.stringify(whole.toString('latin1'))}`);
    }
    this.line = whole.toString('latin1', 0, whole.length - 2);
    return end;
  }
}
