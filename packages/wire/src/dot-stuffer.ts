import { asBuffer } from './as-buffer.js';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const NO_PIECES: readonly Buffer[] = Object.freeze([]);
const BLANK_LINE = Buffer.from('\n\r\n');
const TERMINATOR = '.\r\n';
const CRLF_TERMINATOR = '\r\n.\r\n';

/** Where the previous chunk left a possible blank line: mid-line, at a line start, or at a line start after CR. */
const MID_LINE = 0;
const LINE_START = 1;
const LINE_START_CR = 2;

export interface DotStufferOptions {
  /** TOP: body lines to send after the header section and its blank line, as for MessageEncoder. */
  readonly bodyLines?: number;
  /**
   * Octets the whole input will have, when known (it must not be less). A TOP count at least this large cannot
   * stop before the end, so lines are not counted and TOP costs what RETR costs.
   */
  readonly length?: number;
  /**
   * The input is already dot-stuffed (a store's cached wire form): nothing is doubled, TOP still counts lines (a
   * doubled dot adds none) and end() still adds the terminator.
   */
  readonly stuffed?: boolean;
}

/**
 * The RETR/TOP encoder for messages already in CRLF form (no bare LF, ending with CRLF or empty, as CrlfNormalizer
 * makes them): only a "." that starts a line needs doubling, so chunks pass through without being copied. `push`
 * returns views of the chunk, cut only where a line starts with "." (the dot then appears at the end of one piece
 * and the start of the next), found with a native search; TOP finds the blank line and counts body lines the same
 * way. The output is byte for byte what MessageEncoder gives for the same input, however it is split.
 *
 * The pieces share the chunk's memory: the chunk must not be reused until they are written. The input must really
 * be in CRLF form: a bare LF would go out as it is.
 */
export class DotStuffer {
  #atLineStart = true;
  readonly #top: boolean;
  readonly #stuffed: boolean;
  #inHeaders = true;
  #bodyLeft: number;
  #blank = LINE_START;
  #done = false;

  constructor(options: DotStufferOptions = {}) {
    const { bodyLines, length } = options;
    this.#top = bodyLines !== undefined && !(length !== undefined && bodyLines >= length);
    this.#bodyLeft = bodyLines ?? 0;
    this.#stuffed = options.stuffed === true;
  }

  /** True once TOP has sent all it should: the caller can stop reading the message. */
  get done(): boolean {
    return this.#done;
  }

  /** The next pieces of output, in order: views of `chunk`, never copies. */
  push(chunk: Uint8Array): readonly Buffer[] {
    if (this.#done || chunk.length === 0) return NO_PIECES;
    const input = asBuffer(chunk);
    return this.#stuff(input, this.#top ? this.#topEnd(input) : input.length);
  }

  /** The final bytes: CRLF when the last line was not terminated, then the "." CRLF terminator. */
  end(): Buffer {
    const close = Buffer.from(this.#atLineStart ? TERMINATOR : CRLF_TERMINATOR);
    this.#done = true;
    this.#atLineStart = true;
    return close;
  }

  /** input[0, end) with every line-start dot doubled, as views of input. */
  #stuff(input: Buffer, end: number): readonly Buffer[] {
    if (end === 0) return NO_PIECES;
    if (this.#stuffed) return [input.subarray(0, end)];
    const pieces: Buffer[] = [];
    let start = 0;
    // A piece ends just after a line-start dot and the next one starts at that dot, so the dot goes out twice.
    if (this.#atLineStart && input[0] === DOT) {
      pieces.push(input.subarray(0, 1));
    }
    // Searching for the dot, then looking behind it, skips base64 (which has no dots) in one native search; a
    // search for LF "." would stop at every line.
    for (let dot = input.indexOf(DOT, 1); dot >= 0 && dot < end; dot = input.indexOf(DOT, dot + 1)) {
      if (input[dot - 1] !== LF) continue;
      pieces.push(input.subarray(start, dot + 1));
      start = dot;
    }
    pieces.push(input.subarray(start, end));
    this.#atLineStart = input[end - 1] === LF;
    return pieces;
  }

  /** TOP: how much of `input` to send; sets done when the last line to send ends inside it. */
  #topEnd(input: Buffer): number {
    let from = 0;
    if (this.#inHeaders) {
      const blankEnd = this.#findBlankLine(input);
      if (blankEnd < 0) return input.length;
      this.#inHeaders = false;
      from = blankEnd;
      if (this.#bodyLeft <= 0) {
        this.#done = true;
        return blankEnd;
      }
    }
    for (let lf = input.indexOf(LF, from); lf >= 0; lf = input.indexOf(LF, lf + 1)) {
      if (--this.#bodyLeft <= 0) {
        this.#done = true;
        return lf + 1;
      }
    }
    return input.length;
  }

  /** The end of the first blank line ("\r\n" at a line start) in input, or -1; looks across chunk boundaries. */
  #findBlankLine(input: Buffer): number {
    const n = input.length;
    const state = this.#blank;
    if (state === LINE_START_CR && input[0] === LF) return 1;
    if (state === LINE_START && input[0] === CR) {
      if (n === 1) {
        this.#blank = LINE_START_CR;
        return -1;
      }
      if (input[1] === LF) return 2;
    }
    const found = input.indexOf(BLANK_LINE);
    if (found >= 0) return found + 3;
    const last = input[n - 1];
    this.#blank = last === LF ? LINE_START : last === CR && n >= 2 && input[n - 2] === LF ? LINE_START_CR : MID_LINE;
    return -1;
  }
}
