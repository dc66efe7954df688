import { LineCollector } from './line-collector.js';
import type { ReplyReader } from './reply-reader.js';
import { MAX_STATUS_LINE, parseStatusLine, type StatusLine } from './status-line.js';

/** Reads a single-line reply: the greeting, or the answer to USER, PASS, AUTH, STAT, DELE, NOOP, QUIT and so on. */
export class StatusReader implements ReplyReader<StatusLine> {
  #lines = new LineCollector(MAX_STATUS_LINE);
  #status: StatusLine | undefined;

  feed(chunk: Buffer, offset: number): number {
    const next = this.#lines.take(chunk, offset);
    if (next >= 0) this.#status = parseStatusLine(this.#lines.line);
    return next;
  }

  result(): StatusLine {
    if (this.#status === undefined) throw new Error('reply not complete');
    return this.#status;
  }
}
