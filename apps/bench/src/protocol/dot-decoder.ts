import { BenchError } from './bench-error.js';
import { CR, DOT, LF } from './bytes.js';

/** Receives the un-stuffed content of a multi-line reply as ranges of the chunks it arrived in. */
export interface SegmentSink {
  write(chunk: Buffer, start: number, end: number): void;
}

const LINE_START = 0;
const IN_LINE = 1;
const DOT_SEEN = 2;
const DOT_CR = 3;

/**
 * Decodes the body of a multi-line reply as it streams in: checks that every LF follows a CR, removes the
 * byte-stuffing dot, finds the "." CRLF terminator, and counts the octets left after un-stuffing. It searches each
 * chunk with Buffer#indexOf line by line and hands contiguous runs of content to the sink, so no byte is copied or
 * turned into a string here.
 */
export class DotDecoder {
  /** Octets of content so far, after un-stuffing, terminator excluded. */
  octets = 0;
  #state = LINE_START;
  #prevCr = false;

  /**
   * @param sink receives the content
   * @param limit most octets the reply may hold (the size from LIST); one more fails at once, so a runaway
   *   reply is cut short instead of read to its end
   */
  constructor(
    private readonly sink: SegmentSink,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}

  /** Consumes bytes from `offset`; returns the offset after the terminator, or -1 when more bytes are needed. */
  feed(chunk: Buffer, offset: number): number {
    const length = chunk.length;
    let state = this.#state;
    let at = offset;
    let runStart = at;
    while (at < length) {
      if (state === LINE_START) {
        if (chunk[at] === DOT) {
          this.#emit(chunk, runStart, at);
          state = DOT_SEEN;
          runStart = ++at;
          continue;
        }
      } else if (state === DOT_SEEN) {
        const byte = chunk[at];
        if (byte === CR) {
          state = DOT_CR;
          runStart = ++at;
          continue;
        }
        if (byte === LF) throw new BenchError('bad-terminator', 'terminator "." ended by a bare LF');
        if (byte !== DOT)
          throw new BenchError('bad-dot-stuffing', 'line starts with a single "." that was not stuffed');
        // ".." : the first dot was the stuffing, the second is content and starts the run.
      } else if (state === DOT_CR) {
        if (chunk[at] !== LF) throw new BenchError('bad-terminator', 'terminator "." CR not followed by LF');
        this.#state = LINE_START;
        return at + 1;
      }
      // Inside a line: jump from LF to LF until a line starts with "." or the chunk ends.
      state = IN_LINE;
      let lf = chunk.indexOf(LF, at);
      if (lf < 0) break;
      if (lf > 0 ? chunk[lf - 1] !== CR : !this.#prevCr) throw new BenchError('bare-lf', 'line ended by a bare LF');
      for (;;) {
        at = lf + 1;
        if (at >= length || chunk[at] === DOT) break;
        lf = chunk.indexOf(LF, at);
        if (lf < 0) break;
        if (chunk[lf - 1] !== CR) throw new BenchError('bare-lf', 'line ended by a bare LF');
      }
      if (lf < 0) break;
      state = LINE_START;
    }
    this.#state = state;
    this.#emit(chunk, runStart, length);
    this.#prevCr = chunk[length - 1] === CR;
    return -1;
  }

  #emit(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    this.octets += end - start;
    if (this.octets > this.limit) {
      throw new BenchError('size-mismatch', `reply longer than the ${this.limit} octets announced`);
    }
    this.sink.write(chunk, start, end);
  }
}
