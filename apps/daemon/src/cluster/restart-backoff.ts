export interface RestartBackoffOptions {
  readonly firstMs?: number;
  readonly maxMs?: number;
  /** A worker that ran this long before it died counts as healthy: the next delay starts from the first again. */
  readonly stableMs?: number;
}

/**
 * Delays before restarting a worker that died: doubling from `firstMs` up to `maxMs` while workers keep dying
 * quickly, so a worker that cannot start does not spin, and back to the first once one ran for `stableMs`.
 */
export class RestartBackoff {
  readonly #firstMs: number;
  readonly #maxMs: number;
  readonly #stableMs: number;
  #failures = 0;

  constructor(options: RestartBackoffOptions = {}) {
    this.#firstMs = options.firstMs ?? 500;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#stableMs = options.stableMs ?? 30_000;
  }

  /** Quick deaths in a row so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Counts a death after `ranMs` of running and returns the delay before the next start. */
  next(ranMs: number): number {
    if (ranMs >= this.#stableMs) this.#failures = 0;
    const delay = Math.min(this.#maxMs, this.#firstMs * 2 ** Math.min(this.#failures, 30));
    this.#failures += 1;
    return delay;
  }
}
