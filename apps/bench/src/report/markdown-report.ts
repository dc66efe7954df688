import { formatNumber, formatShort } from '../util/format.js';
import { type BenchResult, fetchNote } from './bench-result.js';
import { type ChartPanel, renderChart } from './svg-chart.js';

/** Whether the scenario is about sessions rather than messages. */
function sessionScenario(result: BenchResult): boolean {
  return result.scenario === 'login' || result.scenario === 'idle';
}

/** The chart of a result: throughput over time above, latency of the main command below. */
export function resultChart(result: BenchResult): string {
  const times = result.series.map((point) => point.t);
  const throughput: ChartPanel = sessionScenario(result)
    ? {
        title: 'Throughput',
        unit: 'sessions/s',
        lines: [{ label: 'sessions/s', color: '#1f77b4', values: result.series.map((p) => p.sessionsPerSec) }],
      }
    : {
        title: 'Throughput',
        unit: 'MB/s',
        lines: [
          { label: 'payload MB/s', color: '#1f77b4', values: result.series.map((p) => p.payloadMBps) },
          { label: 'wire MB/s', color: '#ff7f0e', values: result.series.map((p) => p.wireMBps), dashed: true },
        ],
      };
  const latency: ChartPanel = {
    title: `${result.seriesCommand} latency`,
    unit: 'ms',
    lines: [
      { label: 'p50', color: '#2ca02c', values: result.series.map((p) => p.p50Ms) },
      { label: 'p99', color: '#d62728', values: result.series.map((p) => p.p99Ms) },
    ],
  };
  return renderChart(times, [throughput, latency]);
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** The Markdown report of a result; `chartFile` is the SVG's name beside it, if one was written. */
export function renderMarkdown(result: BenchResult, chartFile?: string): string {
  const t = result.target;
  const s = result.settings;
  const m = result.machine;
  const fetch = fetchNote(result);
  const lines = [
    `# poplar-bench ${result.scenario}: ${t.label ?? `${t.host}:${t.port}`}`,
    '',
    `${result.ok ? 'PASSED' : 'FAILED'}: ${result.errorTotal} errors. Started ${result.startedAt}; ` +
      `${formatShort(result.elapsedSec)} s measured` +
      (s.warmupSec > 0 ? ` after ${s.warmupSec} s of warm-up` : '') +
      `; ${s.concurrency} sessions on ${s.workers} thread(s); ${s.users} users (${s.userPattern}); ` +
      `TLS ${t.tls}, login ${t.auth}${s.once ? '; each mailbox once' : ''}` +
      `${fetch === '' ? '' : `; messages fetched with ${fetch}`}.`,
    '',
    `Machine: ${m.cpus} × ${m.model}, ${m.memoryGiB} GiB, Linux ${m.kernel} ${m.arch}, Node ${m.node}; ` +
      `load average at the end ${m.loadAverage.join(' / ')}.`,
    '',
    row(['result', 'value']),
    row(['---', '---:']),
  ];
  const r = result.rates;
  if (!sessionScenario(result)) {
    lines.push(
      row(['messages/s', formatNumber(r.messagesPerSec)]),
      row(['payload MB/s', formatShort(r.payloadMBps)]),
      row(['wire MB/s', formatShort(r.wireMBps)]),
    );
  }
  lines.push(
    row(['sessions/s', formatShort(r.sessionsPerSec)]),
    row(['messages validated', formatNumber(result.totals.messages)]),
    row(['of which checksum verified', formatNumber(result.totals.checksummed)]),
  );
  if (result.totals.deliveries > 0 || result.totals.deleted > 0) {
    lines.push(row(['deleted / delivered', `${result.totals.deleted} / ${result.totals.deliveries}`]));
  }
  lines.push(row(['errors', result.errorTotal]), row(['client CPU (cores)', formatShort(result.client.cpuCores)]));
  if (result.server !== undefined) {
    const v = result.server;
    lines.push(
      row(['server CPU (cores)', formatShort(v.cpuCores)]),
      row(['server processes at end', v.processes]),
      row([
        'server memory at end, PSS / RSS (MiB)',
        `${formatShort(v.pssKiB / 1024)} / ${formatShort(v.rssKiB / 1024)}`,
      ]),
    );
  }
  lines.push(
    '',
    '## Latency (ms)',
    '',
    row(['command', 'count', 'p50', 'p90', 'p99', 'max']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
  );
  for (const [command, l] of Object.entries(result.latencyMs)) {
    lines.push(row([command, formatNumber(l.count), l.p50, l.p90, l.p99, l.max]));
  }
  if (result.errorTotal > 0) {
    lines.push('', '## Errors', '', row(['kind', 'count']), row(['---', '---:']));
    for (const [kind, count] of Object.entries(result.errors)) lines.push(row([kind, count]));
    lines.push('', ...result.errorSamples.map((sample) => `- ${sample}`));
  }
  if (chartFile !== undefined && result.series.length > 0) {
    lines.push('', '## Over time', '', `![throughput and ${result.seriesCommand} latency over time](${chartFile})`);
  }
  if (result.detail !== undefined) {
    lines.push('', '## Scenario detail', '', '```json', JSON.stringify(result.detail, null, 2), '```');
  }
  return `${lines.join('\n')}\n`;
}
