import { BenchError } from './bench-error.js';
import type { ChecksumChecker, ChecksumVerdict } from './checksum-checker.js';
import { DotDecoder } from './dot-decoder.js';
import { LineCollector } from './line-collector.js';
import type { ReplyReader } from './reply-reader.js';
import { MAX_STATUS_LINE, parseStatusLine, type StatusLine } from './status-line.js';

export interface RetrReply {
  status: StatusLine;
  /** Octets of the message after un-stuffing (0 after -ERR). */
  octets: number;
  checksum: ChecksumVerdict;
}

const OCTETS = /^(\d+) octets/i;

/**
 * Reads and validates the answer to RETR, or to TOP asked for the whole message: the status line (whose
 * "<n> octets", when given, must match), then the message, which must un-stuff to exactly the size LIST announced
 * and match its checksum header when it has one.
 */
export class RetrReader implements ReplyReader<RetrReply> {
  #line = new LineCollector(MAX_STATUS_LINE);
  #status: StatusLine | undefined;
  #body: DotDecoder;
  #checksum: ChecksumChecker;
  #verdict: ChecksumVerdict = 'absent';

  /**
   * @param expectedSize the size LIST gave for the message
   * @param checksum reused between messages of one connection (it owns a header buffer)
   * @param requireChecksum a message without the checksum header is an error
   */
  constructor(
    private readonly expectedSize: number,
    checksum: ChecksumChecker,
    private readonly requireChecksum = false,
  ) {
    checksum.reset();
    this.#checksum = checksum;
    this.#body = new DotDecoder(checksum, expectedSize);
  }

  feed(chunk: Buffer, offset: number): number {
    let at = offset;
    if (this.#status === undefined) {
      at = this.#line.take(chunk, at);
      if (at < 0) return -1;
      const status = parseStatusLine(this.#line.line);
      this.#status = status;
      if (!status.ok) return at;
      const announced = OCTETS.exec(status.text);
      if (announced !== null && Number(announced[1]) !== this.expectedSize) {
        throw new BenchError('size-mismatch', `+OK announced ${announced[1]} octets, LIST said ${this.expectedSize}`);
      }
    }
    const next = this.#body.feed(chunk, at);
    if (next >= 0) this.#finish();
    return next;
  }

  #finish(): void {
    const octets = this.#body.octets;
    if (octets !== this.expectedSize) {
      throw new BenchError('size-mismatch', `received ${octets} octets, LIST said ${this.expectedSize}`);
    }
    this.#verdict = this.#checksum.finish();
    if (this.#verdict === 'absent' && this.requireChecksum) {
      throw new BenchError('missing-checksum', 'message has no checksum header');
    }
  }

  result(): RetrReply {
    if (this.#status === undefined) throw new Error('reply not complete');
    return { status: this.#status, octets: this.#body.octets, checksum: this.#verdict };
  }
}
