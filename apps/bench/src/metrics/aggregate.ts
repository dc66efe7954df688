import { decodeHistogram, type Histogram, newHistogram } from './latency-histogram.js';
import { addCounts, type Counts, emptyCounts, type Snapshot } from './snapshot.js';

/** One interval of the run, for the chart. */
export interface SeriesPoint {
  /** Seconds from the start of the measured window to the end of this interval. */
  t: number;
  messagesPerSec: number;
  payloadMBps: number;
  wireMBps: number;
  sessionsPerSec: number;
  errors: number;
  /** Latency of the scenario's main command in this interval, in milliseconds (0 when none finished). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const MB = 1e6;

/** Merges the snapshots of every shard into run totals, per-command histograms and a time series. */
export class Aggregate {
  readonly totals: Counts = emptyCounts();
  readonly errors: Record<string, number> = {};
  readonly errorSamples: string[] = [];
  readonly histograms = new Map<string, Histogram>();
  readonly series: SeriesPoint[] = [];
  readonly warmup = { messages: 0, sessions: 0 };
  errorTotal = 0;
  #bucket: Counts = emptyCounts();
  #bucketErrors = 0;
  #bucketLatency = newHistogram();

  /** @param mainCommand the command whose latency the series follows (RETR for fetching scenarios) */
  constructor(readonly mainCommand: string) {}

  add(snapshot: Snapshot): void {
    addCounts(this.totals, snapshot.counts);
    addCounts(this.#bucket, snapshot.counts);
    this.warmup.messages += snapshot.warmup.messages;
    this.warmup.sessions += snapshot.warmup.sessions;
    for (const [kind, count] of Object.entries(snapshot.errors)) {
      this.errors[kind] = (this.errors[kind] ?? 0) + count;
      this.errorTotal += count;
      this.#bucketErrors += count;
    }
    for (const sample of snapshot.errorSamples) if (this.errorSamples.length < 20) this.errorSamples.push(sample);
    for (const [command, encoded] of Object.entries(snapshot.histograms)) {
      const histogram = decodeHistogram(encoded);
      let total = this.histograms.get(command);
      if (total === undefined) {
        total = newHistogram();
        this.histograms.set(command, total);
      }
      total.add(histogram);
      if (command === this.mainCommand) this.#bucketLatency.add(histogram);
      histogram.destroy();
    }
  }

  /** Ends the current interval, `seconds` long, ending `t` seconds into the window; returns its point. */
  closeInterval(t: number, seconds: number): SeriesPoint {
    const bucket = this.#bucket;
    const latency = this.#bucketLatency;
    const ms = (micros: number): number => Math.round(micros) / 1000;
    const point: SeriesPoint = {
      t: Math.round(t * 1000) / 1000,
      messagesPerSec: bucket.messages / seconds,
      payloadMBps: bucket.payloadBytes / MB / seconds,
      wireMBps: bucket.wireBytes / MB / seconds,
      sessionsPerSec: bucket.sessions / seconds,
      errors: this.#bucketErrors,
      p50Ms: latency.totalCount > 0 ? ms(latency.getValueAtPercentile(50)) : 0,
      p99Ms: latency.totalCount > 0 ? ms(latency.getValueAtPercentile(99)) : 0,
      maxMs: latency.totalCount > 0 ? ms(latency.maxValue) : 0,
    };
    this.series.push(point);
    this.#bucket = emptyCounts();
    this.#bucketErrors = 0;
    latency.reset();
    return point;
  }
}
