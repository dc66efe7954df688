import type { PenaltySettings } from './config/daemon-config.js';

interface Entry {
  /** Failures remembered, already decayed to `at`. */
  score: number;
  at: number;
}

/**
 * The per-address failed-login penalty. Each failure adds one to the address's score; the score loses one per
 * decay period. The extra delay doubles with each remembered failure beyond the first (0, 1, 3, 7... steps) up to
 * the maximum. The table holds at most `tableSize` addresses, dropping the least recently failed first, so a flood
 * of addresses costs bounded memory.
 */
export class LoginPenalty {
  readonly #settings: PenaltySettings;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(settings: PenaltySettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Records a failure from `address`; returns the extra delay in ms. */
  failed(address: string): number {
    const now = this.#now();
    const score = this.#decayed(this.#entries.get(address), now) + 1;
    // Re-inserting keeps the Map in least-recently-failed order.
    this.#entries.delete(address);
    this.#entries.set(address, { score, at: now });
    while (this.#entries.size > this.#settings.tableSize) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    const { stepMs, maxMs } = this.#settings;
    // The exponent is capped so a zero step never meets an infinite factor.
    return Math.round(Math.min(maxMs, stepMs * (2 ** (Math.min(score, 40) - 1) - 1)));
  }

  #decayed(entry: Entry | undefined, now: number): number {
    if (entry === undefined) return 0;
    return Math.max(0, entry.score - (now - entry.at) / this.#settings.decayMs);
  }
}
