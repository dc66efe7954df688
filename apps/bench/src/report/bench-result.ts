import { arch, cpus, loadavg, release, totalmem } from 'node:os';
import { type AuthMode, type FetchCommand, type TlsMode, TOP_ALL_LINES } from '../client/pop3-client.js';
import type { SeriesPoint } from '../metrics/aggregate.js';
import type { LatencySummary } from '../metrics/latency-histogram.js';
import type { Counts } from '../metrics/snapshot.js';
import type { ClientKind } from '../runner/native-binary.js';
import type { ScenarioName } from '../scenarios/scenario-context.js';

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryGiB: number;
  kernel: string;
  arch: string;
  node: string;
  /** 1, 5 and 15 minute load averages at the end of the run: other work on the machine skews every figure. */
  loadAverage: number[];
}

/** The JSON result of one run; rates use MB = 10^6 bytes. */
export interface BenchResult {
  tool: 'poplar-bench';
  scenario: ScenarioName;
  startedAt: string;
  /** True when nothing failed validation and the run did some work. */
  ok: boolean;
  target: { host: string; port: number; tls: TlsMode; auth: AuthMode; label?: string | undefined };
  settings: {
    concurrency: number;
    workers: number;
    users: number;
    userPattern: string;
    warmupSec: number;
    durationSec: number;
    once: boolean;
    /** How messages were fetched (RETR, or TOP <msn> 99999999); the latencies carry the same name. */
    fetch: FetchCommand;
    requireChecksum: boolean;
  };
  machine: MachineInfo;
  /** Length of the measured window, or of the work when it finished sooner. */
  elapsedSec: number;
  totals: Counts;
  rates: { messagesPerSec: number; payloadMBps: number; wireMBps: number; sessionsPerSec: number };
  /** Per command, milliseconds. SESSION is a whole session; CONNECT is connect + greeting. */
  latencyMs: Record<string, LatencySummary>;
  errorTotal: number;
  errors: Record<string, number>;
  errorSamples: string[];
  server?: { pid: number; cpuCores: number; processes: number; rssKiB: number; pssKiB: number; maxPssKiB: number };
  /** The load client's CPU (a native client's processes included) and its threads or processes. */
  client: { cpuCores: number; workers: number; kind?: ClientKind };
  /** The command the series' latencies follow. */
  seriesCommand: string;
  series: SeriesPoint[];
  detail?: unknown;
}

/** How the messages were fetched, for the reports: "" for RETR, which goes without saying. */
export function fetchNote(result: BenchResult): string {
  return result.settings.fetch === 'top' ? `TOP <msn> ${TOP_ALL_LINES}` : '';
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    arch: arch(),
    node: process.version,
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
  };
}
