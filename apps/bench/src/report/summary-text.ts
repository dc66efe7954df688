import type { BigOutcome } from '../scenarios/big.js';
import type { ExchangeOutcome } from '../scenarios/exchange-profile.js';
import type { IdleOutcome } from '../scenarios/idle.js';
import { formatNumber, formatShort } from '../util/format.js';
import { type BenchResult, fetchNote } from './bench-result.js';

/** The scenario's own figures, when it has any. */
function detailLine(result: BenchResult): string | undefined {
  if (result.detail === undefined) return undefined;
  if (result.scenario === 'idle') {
    const idle = result.detail as IdleOutcome;
    const server =
      idle.perSessionPssKiB === undefined
        ? 'server memory not sampled (give --server-pid)'
        : `server PSS ${formatShort(idle.perSessionPssKiB)} KiB, RSS ${formatShort(idle.perSessionRssKiB ?? 0)} KiB`;
    const dropped = idle.dropped > 0 ? ` (${idle.dropped} dropped by the server)` : '';
    return `  idle: ${idle.opened}/${idle.requested} sessions held${dropped}; per session: ${server}; client ${formatShort(idle.clientPerSessionKiB)} KiB`;
  }
  if (result.scenario === 'big') {
    const big = result.detail as BigOutcome;
    return `  big: ${formatNumber(big.size)} octets (${big.user} #${big.msn}); MB/s per ${result.seriesCommand}: ${big.retrievals.map((r) => r.MBps).join(', ')}`;
  }
  if (result.scenario === 'exchange-profile') {
    const { owed } = result.detail as ExchangeOutcome;
    return `  exchange-profile: ${formatNumber(result.totals.deleted)} deleted, ${formatNumber(result.totals.deliveries)} delivered, ${owed} deliveries owed at the end`;
  }
  return `  detail: ${JSON.stringify(result.detail)}`;
}

/** A few lines for the terminal at the end of a run. */
export function summaryText(result: BenchResult): string {
  const r = result.rates;
  const fetch = fetchNote(result);
  const lines = [
    `${result.scenario}${fetch === '' ? '' : ` with ${fetch}`} against ${result.target.label ?? `${result.target.host}:${result.target.port}`}: ` +
      `${result.ok ? 'PASSED' : 'FAILED'} in ${formatShort(result.elapsedSec)} s`,
    `  ${formatNumber(result.totals.messages)} messages validated (${formatNumber(result.totals.checksummed)} by checksum), ` +
      `${formatNumber(result.totals.sessions)} sessions`,
    `  ${formatShort(r.messagesPerSec)} msg/s, ${formatShort(r.payloadMBps)} MB/s payload, ` +
      `${formatShort(r.wireMBps)} MB/s wire, ${formatShort(r.sessionsPerSec)} sessions/s`,
  ];
  for (const [command, l] of Object.entries(result.latencyMs)) {
    lines.push(
      `  ${command.padEnd(8)} n=${l.count} p50 ${l.p50} ms  p90 ${l.p90} ms  p99 ${l.p99} ms  max ${l.max} ms`,
    );
  }
  const units = result.client.kind === 'native' ? 'native process(es)' : 'thread(s)';
  lines.push(`  client CPU ${formatShort(result.client.cpuCores)} cores on ${result.client.workers} ${units}`);
  const detail = detailLine(result);
  if (detail !== undefined) lines.push(detail);
  if (result.server !== undefined) {
    const s = result.server;
    lines.push(
      `  server CPU ${formatShort(s.cpuCores)} cores, ${s.processes} processes, ` +
        `PSS ${formatShort(s.pssKiB / 1024)} MiB, RSS ${formatShort(s.rssKiB / 1024)} MiB`,
    );
  }
  if (result.errorTotal > 0) {
    lines.push(
      `  errors: ${Object.entries(result.errors)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(', ')}`,
    );
    for (const sample of result.errorSamples.slice(0, 5)) lines.push(`    ${sample}`);
  }
  return `${lines.join('\n')}\n`;
}
