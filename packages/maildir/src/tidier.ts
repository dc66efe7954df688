import { cleanTmp } from './clean-tmp.js';

/** Maildirs remembered as tidied; past this many, the one tidied longest ago is forgotten (and may be tidied again). */
const REMEMBERED = 100_000;

/**
 * Runs cleanTmp on a Maildir at most once per interval, in the background: maintenance that no session waits for.
 * A failure is not retried before the interval is over either; the next tidy may well succeed.
 */
export class Tidier {
  readonly #everyMs: number;
  /** When each Maildir was last tidied, oldest first. */
  readonly #tidied = new Map<string, number>();
  readonly #now: () => number;

  constructor(everyMs: number, now: () => number = Date.now) {
    this.#everyMs = everyMs;
    this.#now = now;
  }

  /** Starts tidying `maildir` unless that was done less than an interval ago; resolves when it is done. */
  tidy(maildir: string): Promise<void> {
    const now = this.#now();
    const last = this.#tidied.get(maildir);
    if (last !== undefined && now - last < this.#everyMs) return Promise.resolve();
    this.#tidied.delete(maildir);
    this.#tidied.set(maildir, now);
    if (this.#tidied.size > REMEMBERED) this.#tidied.delete(this.#tidied.keys().next().value as string);
    return cleanTmp(maildir, { now }).then(
      () => undefined,
      () => undefined,
    );
  }
}
