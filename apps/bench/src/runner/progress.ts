import type { Aggregate, SeriesPoint } from '../metrics/aggregate.js';
import type { ScenarioName } from '../scenarios/scenario-context.js';
import { formatShort } from '../util/format.js';

/** One line of live progress for the interval that just ended. */
export function formatProgress(scenario: ScenarioName, aggregate: Aggregate, point: SeriesPoint): string {
  const parts = [`${point.t.toFixed(0).padStart(4)}s`];
  if (scenario === 'login' || scenario === 'idle') parts.push(`${formatShort(point.sessionsPerSec)} sessions/s`);
  else parts.push(`${formatShort(point.messagesPerSec)} msg/s`, `${formatShort(point.payloadMBps)} MB/s`);
  parts.push(`${aggregate.mainCommand} p50 ${formatShort(point.p50Ms)} ms p99 ${formatShort(point.p99Ms)} ms`);
  parts.push(`errors ${aggregate.errorTotal}`);
  return parts.join('  ');
}
