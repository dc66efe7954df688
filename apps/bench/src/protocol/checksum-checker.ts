import { createHash, type Hash } from 'node:crypto';
import { BenchError } from './bench-error.js';
import type { SegmentSink } from './dot-decoder.js';

/** The header a corpus message carries: the SHA-256 (hex) of its body as sent on the wire (CRLF, un-stuffed). */
export const CHECKSUM_HEADER = 'X-Bench-Checksum';

const HEADER_AT_START = Buffer.from(`${CHECKSUM_HEADER}:`);
const HEADER_AFTER_LINE = Buffer.from(`\r\n${CHECKSUM_HEADER}:`);
const BLANK_LINE = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** Headers longer than this are not searched for a checksum; the message then counts as carrying none. */
const MAX_HEADER = 32 * 1024;

const HEADERS = 0;
const HASHING = 1;
const SKIPPING = 2;

export type ChecksumVerdict = 'ok' | 'absent';

/**
 * Follows the un-stuffed content of one message: keeps the header section (bounded) until the blank line, reads
 * the checksum header from it, then hashes the body as it streams by. Only header bytes are ever copied.
 */
export class ChecksumChecker implements SegmentSink {
  #header: Buffer | undefined;
  #headerLength = 0;
  #phase = HEADERS;
  #hash: Hash | undefined;
  #expected = '';

  reset(): void {
    this.#headerLength = 0;
    this.#phase = HEADERS;
    this.#hash = undefined;
    this.#expected = '';
  }

  write(chunk: Buffer, start: number, end: number): void {
    if (this.#phase === HASHING) {
      this.#hash!.update(chunk.subarray(start, end));
    } else if (this.#phase === HEADERS) {
      this.#collect(chunk, start, end);
    }
  }

  /** Ends the message: 'ok' when the checksum matched, 'absent' when it carried none; throws on a mismatch. */
  finish(): ChecksumVerdict {
    if (this.#phase !== HASHING) return 'absent';
    const actual = this.#hash!.digest('hex');
    if (actual !== this.#expected) {
      throw new BenchError('checksum-mismatch', `body checksum ${actual} differs from header ${this.#expected}`);
    }
    return 'ok';
  }

  #collect(chunk: Buffer, start: number, end: number): void {
    this.#header ??= Buffer.allocUnsafe(MAX_HEADER);
    const header = this.#header;
    const before = this.#headerLength;
    const copied = chunk.copy(header, before, start, end);
    this.#headerLength += copied;
    const blank = header.subarray(0, this.#headerLength).indexOf(BLANK_LINE, Math.max(0, before - 3));
    // A message whose first line is empty has no header section at all.
    const noHeaders = this.#headerLength >= 2 && header[0] === 0x0d && header[1] === 0x0a;
    const bodyStart = noHeaders ? 2 : blank < 0 ? -1 : blank + 4;
    if (bodyStart < 0) {
      if (this.#headerLength === MAX_HEADER) this.#phase = SKIPPING;
      return;
    }
    this.#expected = this.#readExpected(header.subarray(0, bodyStart));
    if (this.#expected === '') {
      this.#phase = SKIPPING;
      return;
    }
    this.#phase = HASHING;
    const hash = createHash('sha256');
    hash.update(header.subarray(bodyStart, this.#headerLength));
    if (start + copied < end) hash.update(chunk.subarray(start + copied, end));
    this.#hash = hash;
  }

  #readExpected(header: Buffer): string {
    let at = header.indexOf(HEADER_AFTER_LINE);
    if (at >= 0) at += HEADER_AFTER_LINE.length;
    else if (header.subarray(0, HEADER_AT_START.length).equals(HEADER_AT_START)) at = HEADER_AT_START.length;
    else return '';
    const lineEnd = header.indexOf(CRLF, at);
    return header
      .toString('latin1', at, lineEnd < 0 ? header.length : lineEnd)
      .trim()
      .toLowerCase();
  }
}
