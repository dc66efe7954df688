import { CrlfNormalizer } from './crlf-normalizer.js';
import { DotStuffer } from './dot-stuffer.js';

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');

export interface MessageEncoderOptions {
  /**
   * TOP: how many body lines to send after the header section and its blank line. Absent for RETR (the whole
   * message). TOP n 0 sends the headers and the blank line.
   */
  readonly bodyLines?: number;
}

/**
 * Turns stored message bytes into the body of a RETR or TOP response in one streaming pass: a bare LF becomes CRLF,
 * a "." at the start of a line is doubled, TOP stops after its body lines, and a message that lacks a final line
 * break gets CRLF. Works on chunks of any size split at any byte and never holds more than one chunk.
 *
 * Bytes other than LF pass through untouched: a bare CR stays a bare CR and NUL stays NUL (changing them would make
 * the bytes differ from the stored message and from the size that LIST reported). The size rule that matches this
 * encoder is `exactSize()`.
 *
 * It is CrlfNormalizer (the WebAssembly kernel) followed by DotStuffer (a native search for line-start dots), with
 * each chunk's output joined into one new buffer; a sender that can write several buffers at once can use the two
 * directly and skip that copy.
 */
export class MessageEncoder {
  readonly #normalizer = new CrlfNormalizer();
  readonly #stuffer: DotStuffer;

  constructor(options: MessageEncoderOptions = {}) {
    this.#stuffer = new DotStuffer(options.bodyLines === undefined ? {} : { bodyLines: options.bodyLines });
  }

  /** True once TOP has sent all it should: the caller can stop reading the message. */
  get done(): boolean {
    return this.#stuffer.done;
  }

  /** The output for `chunk`, in a buffer of its own (never a view of `chunk`, which the caller may reuse). */
  push(chunk: Uint8Array): Buffer {
    if (this.done || chunk.length === 0) return EMPTY;
    const pieces = this.#stuffer.push(this.#normalizer.push(chunk));
    return pieces.length === 1 ? Buffer.from(pieces[0]!) : Buffer.concat(pieces);
  }

  /** The final bytes: CRLF when the last line was not terminated, then the "." CRLF terminator. */
  end(): Buffer {
    return this.#stuffer.end();
  }
}

/** CRLF, for callers that frame their own output. */
export { CRLF };
