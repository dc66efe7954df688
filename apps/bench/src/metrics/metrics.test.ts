import { describe, expect, it } from 'vitest';
import { Aggregate } from './aggregate.js';
import { decodeHistogram, encodeHistogram, newHistogram, summarize } from './latency-histogram.js';
import { Recorder } from './recorder.js';

describe('latency histograms', () => {
  it('summarizes microseconds as milliseconds and survives encoding', () => {
    const histogram = newHistogram();
    for (let i = 1; i <= 1000; i++) histogram.recordValue(i * 1000);
    const summary = summarize(decodeHistogram(encodeHistogram(histogram)));
    expect(summary.count).toBe(1000);
    expect(summary.p50).toBeCloseTo(500, -1);
    expect(summary.p99).toBeCloseTo(990, -1);
    expect(summary.max).toBeCloseTo(1000, -1);
  });
});

describe('Recorder and Aggregate', () => {
  it('counts only inside the window, counts errors always, and merges shards', () => {
    const now = Date.now();
    const inside = new Recorder({ measureFrom: now - 1000, endAt: now + 60_000 });
    const before = new Recorder({ measureFrom: now + 60_000, endAt: now + 120_000 });
    for (const recorder of [inside, before]) {
      recorder.message(100, true);
      recorder.received(150);
      recorder.latency('RETR', 2000);
      recorder.session();
      recorder.error('size-mismatch', 'x');
    }
    const aggregate = new Aggregate('RETR');
    aggregate.add(inside.takeSnapshot());
    aggregate.add(before.takeSnapshot());
    inside.message(50, false);
    aggregate.add(inside.takeSnapshot());
    expect(aggregate.totals).toMatchObject({
      messages: 2,
      checksummed: 1,
      payloadBytes: 150,
      wireBytes: 150,
      sessions: 1,
    });
    expect(aggregate.warmup).toEqual({ messages: 1, sessions: 1 });
    expect(aggregate.errors).toEqual({ 'size-mismatch': 2 });
    expect(aggregate.histograms.get('RETR')!.totalCount).toBe(1);
    const point = aggregate.closeInterval(2, 2);
    expect(point).toMatchObject({ t: 2, messagesPerSec: 1, payloadMBps: 75e-6, errors: 2, p50Ms: 2 });
    expect(aggregate.closeInterval(3, 1)).toMatchObject({ messagesPerSec: 0, p99Ms: 0, errors: 0 });
  });
});
