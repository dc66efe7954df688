import { cleanTmp } from './clean-tmp.js';

/** Maildirs remembered as tidied; past this many, the one tidied longest ago is forgotten (and may be tidied again). */
const REMEMBERED = 100_000;

/**
 * Runs cleanTmp on a Maildir at most once per interval, in the background: maintenance that no session waits for.
 * A failure goes to `onError` and is not retried before the interval is over; the next tidy may well succeed.
 */
export class Tidier {
  readonly #everyMs: number;
  /** When each Maildir was last tidied, oldest first. */
  readonly #tidied = new Map<string, number>();
  readonly #onError: (maildir: string, error: Error) => void;
  readonly #now: () => number;

  constructor(everyMs: number, onError: (maildir: string, error: Error) => void, now: () => number = Date.now) {
    this.#everyMs = everyMs;
    this.#onError = onError;
    this.#now = now;
  }

  /** Starts tidying `maildir` unless that was done less than an interval ago; resolves when it is done, never rejects. */
  tidy(maildir: string): Promise<void> {
    const now = this.#now();
    const last = this.#tidied.get(maildir);
    if (last !== undefined && now - last < this.#everyMs) return Promise.resolve();
    this.#tidied.delete(maildir);
    this.#tidied.set(maildir, now);
    if (this.#tidied.size > REMEMBERED) this.#tidied.delete(this.#tidied.keys().next().value as string);
    return cleanTmp(maildir, { now }).then(
      () => undefined,
      (error: unknown) => {
        this.#onError(maildir, error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
