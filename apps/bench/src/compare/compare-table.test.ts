import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../report/bench-result.js';
import { compareTables, type RunRecord, spread } from './compare-table.js';

function record(
  target: string,
  run: number,
  mbps: number,
  ok = true,
  scenario = 'retr-all',
  serverCores?: number,
): RunRecord {
  const result = {
    ...(serverCores === undefined ? {} : { server: { cpuCores: serverCores } }),
    ok,
    rates: { payloadMBps: mbps, messagesPerSec: mbps * 10, wireMBps: mbps, sessionsPerSec: 1 },
    latencyMs: scenario === 'top-all' ? { TOP: { p99: mbps / 10 } } : {},
    errors: ok ? {} : { 'size-mismatch': 2 },
    client: { cpuCores: 0.5, workers: 1 },
    machine: { loadAverage: [run, 0, 0] },
  };
  return { target, scenario, run, result: result as unknown as BenchResult };
}

describe('spread', () => {
  it('gives the median and the range', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, 3])).toMatchObject({ median: 2.5 });
    expect(spread([])).toBeUndefined();
  });
});

describe('compareTables', () => {
  it('prints medians with min–max, ratios paired by run, and leaves failed runs out', () => {
    const records = [
      record('a', 1, 100),
      record('a', 2, 120),
      record('a', 3, 110),
      record('b', 1, 50),
      record('b', 2, 40),
      record('b', 3, 999, false),
    ];
    const table = compareTables(records, ['a', 'b'], [['a', 'b']]);
    expect(table).toContain('| retr-all | payload MB/s | 110 (100–120) | 45.0 (40.0–50.0) |');
    // Run 3 of b failed, so only runs 1 and 2 pair up: 100/50 = 2 and 120/40 = 3.
    expect(table).toContain('| retr-all | payload MB/s | 2.50 (2.00–3.00) | higher |');
    expect(table).toContain('- b retr-all run 3: size-mismatch 2');
    expect(table).toContain('| retr-all | load average (1 min) | 2.00 (1.00–3.00) | 1.50 (1.00–2.00) |');
    expect(table.match(/load average/g)).toHaveLength(1);
    expect(table).not.toContain('| login |');
    // Without server CPU figures there is no cost per byte to show.
    expect(table).toContain('| retr-all | MB per server core-second | – | – |');
  });

  it("gives the server's MB per core-second, and their ratio run by run", () => {
    const records = [record('a', 1, 300, true, 'retr-all', 1.2), record('b', 1, 200, true, 'retr-all', 1.6)];
    const table = compareTables(records, ['a', 'b'], [['a', 'b']]);
    expect(table).toContain('| retr-all | MB per server core-second | 250 | 125 |');
    expect(table).toContain('| retr-all | MB per server core-second | 2.00 | higher |');
  });

  it('shows top-all like retr-all, with the latency of TOP', () => {
    const records = [record('a', 1, 100, true, 'top-all'), record('b', 1, 50, true, 'top-all')];
    const table = compareTables(records, ['a', 'b'], [['a', 'b']]);
    expect(table).toContain('| top-all | payload MB/s | 100 | 50.0 |');
    expect(table).toContain('| top-all | messages/s | 1 000 | 500 |');
    expect(table).toContain('| top-all | TOP p99 ms | 10.0 | 5.00 |');
    expect(table).toContain('| top-all | TOP p99 ms | 2.00 | lower |');
    expect(table).not.toContain('RETR');
    expect(table).not.toContain('| retr-all |');
  });
});
