import type { BenchResult } from '../report/bench-result.js';
import type { IdleOutcome } from '../scenarios/idle.js';
import { formatShort } from '../util/format.js';

/** A figure taken from each run's result; `higherIsBetter` orients the ratio's reading (none: shown, not compared). */
export interface Metric {
  scenario: string;
  name: string;
  higherIsBetter?: boolean;
  value(result: BenchResult): number | undefined;
}

/**
 * Payload MB the server sent per second of CPU it used: its own cost per byte, which the client's share of a
 * machine they both run on does not move, unlike MB/s.
 */
function mbPerServerCoreSecond(result: BenchResult): number | undefined {
  const cores = result.server?.cpuCores;
  return cores === undefined || cores <= 0 ? undefined : result.rates.payloadMBps / cores;
}

/** The figures of a scenario that fetches whole maildrops with `command` (RETR or TOP). */
function fetchMetrics(scenario: string, command: string): Metric[] {
  return [
    { scenario, name: 'payload MB/s', higherIsBetter: true, value: (r) => r.rates.payloadMBps },
    { scenario, name: 'messages/s', higherIsBetter: true, value: (r) => r.rates.messagesPerSec },
    { scenario, name: `${command} p99 ms`, higherIsBetter: false, value: (r) => r.latencyMs[command]?.p99 },
    { scenario, name: 'server CPU cores', higherIsBetter: false, value: (r) => r.server?.cpuCores },
    { scenario, name: 'MB per server core-second', higherIsBetter: true, value: mbPerServerCoreSecond },
    // Context, not merit: whether the client had room, and how busy the machine was.
    { scenario, name: 'client CPU cores', value: (r) => r.client.cpuCores },
    { scenario, name: 'load average (1 min)', value: (r) => r.machine.loadAverage[0] },
  ];
}

export const METRICS: readonly Metric[] = [
  ...fetchMetrics('retr-all', 'RETR'),
  ...fetchMetrics('top-all', 'TOP'),
  { scenario: 'login', name: 'logins/s', higherIsBetter: true, value: (r) => r.rates.sessionsPerSec },
  {
    scenario: 'idle',
    name: 'PSS KiB/session',
    higherIsBetter: false,
    value: (r) => (r.detail as IdleOutcome | undefined)?.perSessionPssKiB,
  },
  {
    scenario: 'idle',
    name: 'RSS KiB/session',
    higherIsBetter: false,
    value: (r) => (r.detail as IdleOutcome | undefined)?.perSessionRssKiB,
  },
  { scenario: 'big', name: 'payload MB/s', higherIsBetter: true, value: (r) => r.rates.payloadMBps },
  { scenario: 'big', name: 'MB per server core-second', higherIsBetter: true, value: mbPerServerCoreSecond },
  { scenario: 'exchange-profile', name: 'messages/s', higherIsBetter: true, value: (r) => r.rates.messagesPerSec },
];

/** One run of one scenario against one server. */
export interface RunRecord {
  target: string;
  scenario: string;
  run: number;
  result: BenchResult;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, n: sorted.length };
}

function show(s: Spread | undefined): string {
  if (s === undefined) return '–';
  return s.n === 1 ? formatShort(s.median) : `${formatShort(s.median)} (${formatShort(s.min)}–${formatShort(s.max)})`;
}

/** Values of a metric for a target, by run number; runs that failed validation are left out. */
function byRun(records: RunRecord[], target: string, metric: Metric): Map<number, number> {
  const values = new Map<number, number>();
  for (const record of records) {
    if (record.target !== target || record.scenario !== metric.scenario || !record.result.ok) continue;
    const value = metric.value(record.result);
    if (value !== undefined && Number.isFinite(value)) values.set(record.run, value);
  }
  return values;
}

/**
 * The comparison as Markdown: one table of absolute figures (median and min–max over the runs) and one of
 * ratios `a / b` for each pair, computed run by run so both sides of a ratio come from the same sitting.
 */
export function compareTables(records: RunRecord[], targets: string[], pairs: [string, string][]): string {
  const scenarios = new Set(records.map((record) => record.scenario));
  const metrics = METRICS.filter((metric) => scenarios.has(metric.scenario));
  const lines = [
    `| scenario | metric | ${targets.join(' | ')} |`,
    `| --- | --- | ${targets.map(() => '---:').join(' | ')} |`,
  ];
  for (const metric of metrics) {
    const cells = targets.map((target) => show(spread([...byRun(records, target, metric).values()])));
    lines.push(`| ${metric.scenario} | ${metric.name} | ${cells.join(' | ')} |`);
  }
  if (pairs.length > 0) {
    lines.push('', `| scenario | metric | ${pairs.map(([a, b]) => `${a} / ${b}`).join(' | ')} | better |`);
    lines.push(`| --- | --- | ${pairs.map(() => '---:').join(' | ')} | --- |`);
    for (const metric of metrics.filter((m) => m.higherIsBetter !== undefined)) {
      const cells = pairs.map(([a, b]) => {
        const left = byRun(records, a, metric);
        const right = byRun(records, b, metric);
        const ratios = [...left]
          .filter(([run]) => (right.get(run) ?? 0) > 0)
          .map(([run, value]) => value / right.get(run)!);
        return show(spread(ratios));
      });
      lines.push(
        `| ${metric.scenario} | ${metric.name} | ${cells.join(' | ')} | ${metric.higherIsBetter ? 'higher' : 'lower'} |`,
      );
    }
  }
  const failed = records.filter((record) => !record.result.ok);
  if (failed.length > 0) {
    lines.push('', 'Runs that failed validation (left out above):');
    for (const record of failed) {
      const errors =
        Object.entries(record.result.errors)
          .map(([kind, n]) => `${kind} ${n}`)
          .join(', ') || 'no work done';
      lines.push(`- ${record.target} ${record.scenario} run ${record.run}: ${errors}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
