import { BenchError } from './bench-error.js';
import { LineCollector } from './line-collector.js';
import type { ReplyReader } from './reply-reader.js';
import { MAX_STATUS_LINE, parseStatusLine, type StatusLine } from './status-line.js';

export interface ListingEntry {
  msn: number;
  /** The size for LIST, the unique-id for UIDL. */
  value: string;
}

export interface Listing {
  status: StatusLine;
  entries: ListingEntry[];
}

/** Upper bound on listing lines, so a server that never ends a listing cannot exhaust memory. */
const MAX_ENTRIES = 1_000_000;
const ENTRY = /^([1-9][0-9]*) +([\x21-\x7e]+)$/;

/** Reads the multi-line answer to LIST or UIDL without an argument: "+OK", then "msn value" lines, then ".". */
export class ListingReader implements ReplyReader<Listing> {
  #lines = new LineCollector(MAX_STATUS_LINE);
  #status: StatusLine | undefined;
  #entries: ListingEntry[] = [];
  #done = false;

  feed(chunk: Buffer, offset: number): number {
    let at = offset;
    while (!this.#done) {
      const next = this.#lines.take(chunk, at);
      if (next < 0) return -1;
      at = next;
      this.#line(this.#lines.line);
    }
    return at;
  }

  #line(line: string): void {
    if (this.#status === undefined) {
      this.#status = parseStatusLine(line);
      this.#done = !this.#status.ok;
      return;
    }
    if (line === '.') {
      this.#done = true;
      return;
    }
    // Every listing line starts with a digit, so none is ever byte-stuffed.
    const match = ENTRY.exec(line);
    if (match === null) throw new BenchError('bad-listing', `bad listing line: ${JSON.stringify(line.slice(0, 80))}`);
    if (this.#entries.length >= MAX_ENTRIES) throw new BenchError('bad-listing', 'listing has too many lines');
    this.#entries.push({ msn: Number(match[1]), value: match[2]! });
  }

  result(): Listing {
    if (this.#status === undefined || !this.#done) throw new Error('reply not complete');
    return { status: this.#status, entries: this.#entries };
  }
}
