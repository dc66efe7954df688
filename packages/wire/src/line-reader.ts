import { asBuffer } from './as-buffer.js';

/** One event from the line reader: a complete line (without its CRLF or LF), or an over-long line that was dropped. */
export type LineEvent = { readonly kind: 'line'; readonly line: Buffer } | { readonly kind: 'too-long' };

export interface LineReaderOptions {
  /** Longest accepted line in octets, including CRLF. Default 512 (MS-STANXPOP3 2.1.2). */
  readonly maxLineLength?: number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines. Lines end at CRLF; a bare LF is accepted too. A line longer than the limit is
 * drained up to its end and reported once as 'too-long' (never split into several commands); memory stays bounded
 * by the limit whatever the client sends. Pull-based: the caller decides when to parse the next line, so nothing
 * is parsed while a long response is streaming.
 */
export class LineReader {
  #max: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Set while skipping the rest of an over-long line. */
  #discarding = false;

  constructor(options: LineReaderOptions = {}) {
    this.#max = options.maxLineLength ?? 512;
  }

  get maxLineLength(): number {
    return this.#max;
  }

  /** Changes the limit for the lines still to come (the AUTH exchange uses a larger one). */
  set maxLineLength(value: number) {
    this.#max = value;
  }

  /** Octets held that do not form a complete line yet. */
  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const buf = asBuffer(chunk);
    this.#chunks.push(buf);
    this.#buffered += buf.length;
  }

  /** The next complete line, or null when more input is needed. */
  read(): LineEvent | null {
    const end = this.#findLf();
    if (end < 0) {
      // No complete line yet: once more than the limit is held, drop it and skip to the line's end.
      if (this.#buffered >= this.#max) {
        this.#discarding = true;
        this.#chunks = [];
        this.#buffered = 0;
      }
      return null;
    }
    const line = this.#take(end + 1);
    if (this.#discarding) {
      this.#discarding = false;
      return { kind: 'too-long' };
    }
    if (line.length > this.#max) return { kind: 'too-long' };
    const cut = line.length >= 2 && line[line.length - 2] === CR ? 2 : 1;
    return { kind: 'line', line: line.subarray(0, line.length - cut) };
  }

  /** Discards everything buffered (STLS: nothing sent before the handshake may be executed). */
  clear(): void {
    this.#chunks = [];
    this.#buffered = 0;
    this.#discarding = false;
  }

  #findLf(): number {
    let offset = 0;
    for (const chunk of this.#chunks) {
      const at = chunk.indexOf(LF);
      if (at >= 0) return offset + at;
      offset += chunk.length;
    }
    return -1;
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[0]!;
      const want = n - filled;
      if (chunk.length <= want) {
        chunk.copy(out, filled);
        filled += chunk.length;
        this.#chunks.shift();
      } else {
        chunk.copy(out, filled, 0, want);
        this.#chunks[0] = chunk.subarray(want);
        filled = n;
      }
    }
    this.#buffered -= n;
    return out;
  }
}
