const LF = 0x0a;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.');

/** Messages remembered; past this many the one learned longest ago is forgotten (a few MB at most). */
const REMEMBERED = 50_000;

/**
 * The messages stored in CRLF form that this process has read whole and found without a line-start "." (keyed by
 * their path): their wire form is the file itself followed by the terminator, so a session that can send files is
 * given the message file. Learned as messages are read, so the first download of a message never benefits.
 */
export class DotFreeMessages {
  readonly #known = new Set<string>();

  has(key: string): boolean {
    return this.#known.has(key);
  }

  remember(key: string): void {
    this.#known.add(key);
    if (this.#known.size > REMEMBERED) this.#known.delete(this.#known.values().next().value as string);
  }
}

/** The process's memory of dot-free messages, shared by every snapshot. */
export const dotFreeMessages = new DotFreeMessages();

/** Follows a message chunk by chunk and tells whether a line of it started with "." (one native search a chunk). */
export class LineStartDots {
  #atLineStart = true;
  #found = false;

  get found(): boolean {
    return this.#found;
  }

  push(chunk: Uint8Array): void {
    if (this.#found || chunk.length === 0) return;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.#found = (this.#atLineStart && bytes[0] === DOT) || bytes.indexOf(LF_DOT) >= 0;
    this.#atLineStart = bytes[bytes.length - 1] === LF;
  }
}
