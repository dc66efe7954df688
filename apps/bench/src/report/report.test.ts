import { describe, expect, it } from 'vitest';
import type { BenchResult } from './bench-result.js';
import { machineInfo } from './bench-result.js';
import { renderMarkdown, resultChart } from './markdown-report.js';
import { summaryText } from './summary-text.js';
import { escapeXml, niceTicks, renderChart } from './svg-chart.js';

function result(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    tool: 'poplar-bench',
    scenario: 'retr-all',
    startedAt: '2026-01-01T00:00:00.000Z',
    ok: true,
    target: { host: '127.0.0.1', port: 1100, tls: 'none', auth: 'user', label: 'dovecot <stock>' },
    settings: {
      concurrency: 8,
      workers: 1,
      users: 10,
      userPattern: 'user%d',
      warmupSec: 1,
      durationSec: 3,
      once: false,
      fetch: 'retr',
      requireChecksum: true,
    },
    machine: machineInfo(),
    elapsedSec: 3,
    totals: {
      sessions: 6,
      messages: 3000,
      checksummed: 3000,
      deleted: 0,
      deliveries: 0,
      payloadBytes: 3e8,
      wireBytes: 3.01e8,
    },
    rates: { messagesPerSec: 1000, payloadMBps: 100, wireMBps: 100.3, sessionsPerSec: 2 },
    latencyMs: { RETR: { count: 3000, p50: 1.5, p90: 3, p99: 9.9, max: 20, mean: 2 } },
    errorTotal: 0,
    errors: {},
    errorSamples: [],
    client: { cpuCores: 0.5, workers: 1 },
    seriesCommand: 'RETR',
    series: [1, 2, 3].map((t) => ({
      t,
      messagesPerSec: 1000,
      payloadMBps: 90 + t,
      wireMBps: 91 + t,
      sessionsPerSec: 2,
      errors: 0,
      p50Ms: 1.5,
      p99Ms: 9 + t,
      maxMs: 20,
    })),
    ...overrides,
  };
}

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten up to the maximum', () => {
    expect(niceTicks(93)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

describe('renderChart', () => {
  it('draws one polyline per line with one point per time, and escapes text', () => {
    const svg = renderChart(
      [1, 2, 3],
      [
        { title: 'A & B', unit: 'MB/s', lines: [{ label: '<p50>', color: '#000', values: [1, 2, 3] }] },
        {
          title: 'C',
          unit: 'ms',
          lines: [
            { label: 'x', color: '#111', values: [3, 2, 1] },
            { label: 'y', color: '#222', values: [0, 0, 0] },
          ],
        },
      ],
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const polylines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' ').length);
    expect(polylines).toEqual([3, 3, 3]);
    expect(svg).toContain('A &amp; B (MB/s)');
    expect(svg).toContain('&lt;p50&gt;');
    expect(svg).not.toContain('NaN');
    expect(escapeXml('"&"')).toBe('&quot;&amp;&quot;');
  });
});

describe('renderMarkdown', () => {
  it('reports rates, latencies, the chart and the label', () => {
    const markdown = renderMarkdown(result(), 'chart.svg');
    expect(markdown).toContain('# poplar-bench retr-all: dovecot <stock>');
    expect(markdown).toContain('PASSED: 0 errors');
    expect(markdown).toContain('| messages/s | 1 000 |');
    expect(markdown).toContain('| payload MB/s | 100 |');
    expect(markdown).toContain('| RETR | 3 000 | 1.5 | 3 | 9.9 | 20 |');
    expect(markdown).toContain('![throughput and RETR latency over time](chart.svg)');
    expect(markdown).not.toContain('## Errors');
  });

  it('lists errors by kind with samples when a run failed', () => {
    const markdown = renderMarkdown(
      result({
        ok: false,
        errorTotal: 3,
        errors: { 'size-mismatch': 3 },
        errorSamples: ['size-mismatch: received 9 octets, LIST said 10'],
      }),
    );
    expect(markdown).toContain('FAILED: 3 errors');
    expect(markdown).toContain('| size-mismatch | 3 |');
    expect(markdown).toContain('- size-mismatch: received 9 octets');
  });

  it('says when messages were fetched with TOP', () => {
    expect(renderMarkdown(result())).not.toContain('TOP');
    const top = result({
      settings: { ...result().settings, fetch: 'top' },
      latencyMs: { TOP: { count: 3000, p50: 1.5, p90: 3, p99: 9.9, max: 20, mean: 2 } },
      seriesCommand: 'TOP',
    });
    const markdown = renderMarkdown(top, 'chart.svg');
    expect(markdown).toContain('login user; messages fetched with TOP <msn> 99999999.');
    expect(markdown).toContain('| TOP | 3 000 | 1.5 | 3 | 9.9 | 20 |');
    expect(markdown).toContain('![throughput and TOP latency over time](chart.svg)');
    expect(summaryText(top)).toContain('retr-all with TOP <msn> 99999999 against dovecot <stock>: PASSED');
    expect(summaryText(top)).toContain('TOP      n=3000 p50 1.5 ms');
  });

  it('charts sessions per second for the login scenario', () => {
    expect(resultChart(result({ scenario: 'login', seriesCommand: 'SESSION' }))).toContain('sessions/s');
  });
});

describe('summaryText', () => {
  it('prints rates, latencies and errors for the terminal', () => {
    const text = summaryText(
      result({ ok: false, errorTotal: 1, errors: { timeout: 1 }, errorSamples: ['timeout: no reply to RETR in time'] }),
    );
    expect(text).toContain('retr-all against dovecot <stock>: FAILED in 3.00 s');
    expect(text).toContain('3 000 messages validated (3 000 by checksum)');
    expect(text).toContain('RETR     n=3000 p50 1.5 ms  p90 3 ms  p99 9.9 ms  max 20 ms');
    expect(text).toContain('errors: timeout 1');
  });

  it('prints the memory per idle session, and sessions the server dropped', () => {
    const detail = {
      requested: 10,
      opened: 10,
      dropped: 0,
      perSessionPssKiB: 300,
      perSessionRssKiB: 800,
      clientPerSessionKiB: 12,
    };
    expect(summaryText(result({ scenario: 'idle', detail }))).toContain(
      'idle: 10/10 sessions held; per session: server PSS 300 KiB, RSS 800 KiB; client 12.0 KiB',
    );
    expect(summaryText(result({ scenario: 'idle', detail: { ...detail, dropped: 2 } }))).toContain(
      '10/10 sessions held (2 dropped by the server)',
    );
  });
});
