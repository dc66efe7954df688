import type { ClientObserver } from '../client/pop3-client.js';
import type { ErrorKind } from '../protocol/bench-error.js';
import { encodeHistogram, type Histogram, newHistogram } from './latency-histogram.js';
import { type Counts, emptyCounts, type Snapshot } from './snapshot.js';

/** The run's measured window, in Date.now() milliseconds. */
export interface Window {
  measureFrom: number;
  endAt: number;
}

const MAX_ERROR_SAMPLES = 20;

/**
 * Counts what one shard of the run does. Events before the window (the warm-up) and after it are left out, so
 * rates are exact for the window; errors count whenever they happen.
 */
export class Recorder implements ClientObserver {
  #counts: Counts = emptyCounts();
  #warmup = { messages: 0, sessions: 0 };
  #histograms = new Map<string, Histogram>();
  #errors: Record<string, number> = {};
  #errorSamples: string[] = [];
  #sampled = 0;
  errorTotal = 0;

  constructor(readonly window: Window) {}

  /** Whether now is inside the window. */
  get measuring(): boolean {
    return this.#inWindow(Date.now());
  }

  #inWindow(at: number): boolean {
    return at >= this.window.measureFrom && at < this.window.endAt;
  }

  get expired(): boolean {
    return Date.now() >= this.window.endAt;
  }

  received(bytes: number): void {
    if (this.measuring) this.#counts.wireBytes += bytes;
  }

  latency(command: string, micros: number, at = Date.now()): void {
    if (!this.#inWindow(at)) return;
    let histogram = this.#histograms.get(command);
    if (histogram === undefined) {
      histogram = newHistogram();
      this.#histograms.set(command, histogram);
    }
    histogram.recordValue(Math.max(1, micros));
  }

  /** A fetched message; `at` as given to latency() for it, so both count or neither. */
  message(octets: number, checksummed: boolean, at = Date.now()): void {
    if (!this.#inWindow(at)) {
      this.#warmup.messages++;
      return;
    }
    this.#counts.messages++;
    this.#counts.payloadBytes += octets;
    if (checksummed) this.#counts.checksummed++;
  }

  /** A session that ended; `at` as for message(). */
  session(at = Date.now()): void {
    if (this.#inWindow(at)) this.#counts.sessions++;
    else this.#warmup.sessions++;
  }

  deleted(count: number): void {
    if (this.measuring) this.#counts.deleted += count;
  }

  delivered(): void {
    if (this.measuring) this.#counts.deliveries++;
  }

  error(kind: ErrorKind, detail: string): void {
    this.errorTotal++;
    this.#errors[kind] = (this.#errors[kind] ?? 0) + 1;
    if (this.#sampled < MAX_ERROR_SAMPLES) {
      this.#sampled++;
      this.#errorSamples.push(`${kind}: ${detail}`);
    }
  }

  /** Everything since the last snapshot; the recorder starts a new interval. */
  takeSnapshot(): Snapshot {
    const histograms: Record<string, string> = {};
    for (const [command, histogram] of this.#histograms) {
      if (histogram.totalCount > 0) histograms[command] = encodeHistogram(histogram);
      histogram.reset();
    }
    const snapshot: Snapshot = {
      counts: this.#counts,
      warmup: this.#warmup,
      errors: this.#errors,
      errorSamples: this.#errorSamples,
      histograms,
    };
    this.#counts = emptyCounts();
    this.#warmup = { messages: 0, sessions: 0 };
    this.#errors = {};
    this.#errorSamples = [];
    return snapshot;
  }
}
