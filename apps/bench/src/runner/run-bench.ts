import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AuthMode, FetchCommand, ServerAddress } from '../client/pop3-client.js';
import { Aggregate } from '../metrics/aggregate.js';
import { summarize } from '../metrics/latency-histogram.js';
import type { Snapshot } from '../metrics/snapshot.js';
import { sampleTree, type TreeSample } from '../proc/process-tree.js';
import { type BenchResult, machineInfo } from '../report/bench-result.js';
import { FETCH_SCENARIOS, type ScenarioName } from '../scenarios/scenario-context.js';
import type { Account } from '../scenarios/user-pool.js';
import { fillPattern, userNumbers } from '../util/user-pattern.js';
import { type ClientKind, nativeClientProblem } from './native-binary.js';
import { runNativeShard } from './native-shard.js';
import { formatProgress } from './progress.js';
import { type DeliverySettings, runShard, type ShardConfig, type ShardOutcome } from './shard.js';

export interface BenchOptions {
  scenario: ScenarioName;
  address: ServerAddress;
  auth: AuthMode;
  /** Shown in reports to name the server. */
  label?: string | undefined;
  userPattern: string;
  passwordPattern: string;
  users: number;
  firstUser: number;
  concurrency: number;
  /** Worker threads sharing the sessions (1 = all in the main thread); with the native client, its processes. */
  workers: number;
  /** The load client: 'node' (the default) or 'native' (retr-all and big over plain TCP, cheaper per byte). */
  client?: ClientKind | undefined;
  /** Run the shards as threads (true) or all in this thread, which tests use. */
  threads?: boolean;
  warmupMs: number;
  durationMs: number;
  once: boolean;
  /** How the fetching scenarios fetch a message: RETR (the default), or TOP <msn> 99999999. */
  fetch?: FetchCommand | undefined;
  requireChecksum: boolean;
  maxErrors: number;
  intervalMs: number;
  serverPid?: number | undefined;
  /** Writes a progress line to stderr every interval. */
  progress: boolean;
  bigRepeat: number;
  idle: { sessions: number; holdMs: number };
  delivery: DeliverySettings;
}

/** The command whose latency the time series follows. */
function mainCommand(options: BenchOptions): string {
  if (FETCH_SCENARIOS.includes(options.scenario)) return fetchCommand(options).toUpperCase();
  return options.scenario === 'login' ? 'SESSION' : 'PASS';
}

function fetchCommand(options: BenchOptions): FetchCommand {
  return options.fetch ?? 'retr';
}

/** Scenarios that are one session or measure one server state: no warm-up, one thread. */
function singleShard(options: BenchOptions): boolean {
  return options.scenario === 'big' || options.scenario === 'idle';
}

function shardConfigs(options: BenchOptions, window: ShardConfig['window']): ShardConfig[] {
  const accounts: Account[] = userNumbers(options.users, options.firstUser).map((n) => ({
    name: fillPattern(options.userPattern, n),
    password: fillPattern(options.passwordPattern, n),
  }));
  const shards = singleShard(options) ? 1 : Math.max(1, Math.min(options.workers, options.concurrency));
  return Array.from({ length: shards }, (_, shard) => ({
    shard,
    scenario: options.scenario,
    client: options.client ?? 'node',
    address: options.address,
    auth: options.auth,
    // Accounts are dealt out so no two shards share one, unless there are fewer accounts than shards.
    accounts: accounts.length >= shards ? accounts.filter((_, i) => i % shards === shard) : accounts,
    concurrency: Math.floor(options.concurrency / shards) + (shard < options.concurrency % shards ? 1 : 0),
    window,
    once: options.once,
    fetch: fetchCommand(options),
    requireChecksum: options.requireChecksum,
    maxErrors: options.maxErrors,
    intervalMs: options.intervalMs,
    bigRepeat: options.bigRepeat,
    idle: { ...options.idle, serverPid: options.serverPid },
    delivery: options.delivery,
  }));
}

function startShard(
  config: ShardConfig,
  threads: boolean,
  onSnapshot: (snapshot: Snapshot) => void,
): Promise<ShardOutcome> {
  if (config.client === 'native') return runNativeShard(config, onSnapshot);
  if (!threads) return runShard(config, onSnapshot);
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: config });
    let outcome: ShardOutcome | undefined;
    worker.on(
      'message',
      (message: { type: 'snapshot'; snapshot: Snapshot } | { type: 'done'; outcome: ShardOutcome }) => {
        if (message.type === 'snapshot') onSnapshot(message.snapshot);
        else outcome = message.outcome;
      },
    );
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (outcome !== undefined) resolve(outcome);
      else reject(new Error(`worker ${config.shard} exited with code ${code} before finishing`));
    });
  });
}

interface Usage {
  at: number;
  client: NodeJS.CpuUsage;
  server: TreeSample | undefined;
}

/** Runs one scenario against one server and returns its validated result. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const problem = options.client === 'native' ? nativeClientProblem(options) : undefined;
  if (problem !== undefined) throw new Error(problem);
  const startedAt = new Date();
  const warmupMs = options.once || singleShard(options) ? 0 : options.warmupMs;
  const start = Date.now();
  const window = { measureFrom: start + warmupMs, endAt: start + warmupMs + options.durationMs };
  const configs = shardConfigs(options, window);
  const aggregate = new Aggregate(mainCommand(options));
  const serverPid = options.serverPid;
  const usage = async (): Promise<Usage> => ({
    at: performance.now(),
    client: process.cpuUsage(),
    server: serverPid === undefined ? undefined : await sampleTree(serverPid),
  });
  let maxPssKiB = 0;
  let first: Promise<Usage> | undefined;
  let last: Promise<Usage> | undefined;
  const firstTimer = setTimeout(
    () => {
      first = usage();
    },
    Math.max(0, window.measureFrom - Date.now()),
  );
  const lastTimer = setTimeout(
    () => {
      last ??= usage();
    },
    Math.max(0, window.endAt - Date.now()),
  );
  let lastClose = window.measureFrom;
  const ticker = setInterval(() => {
    const now = Date.now();
    if (now > window.measureFrom && lastClose < window.endAt && now - lastClose >= options.intervalMs / 2) {
      const until = Math.min(now, window.endAt);
      const point = aggregate.closeInterval((until - window.measureFrom) / 1000, (until - lastClose) / 1000);
      lastClose = until;
      if (options.progress) process.stderr.write(`${formatProgress(options.scenario, aggregate, point)}\n`);
    } else if (options.progress && now <= window.measureFrom) {
      process.stderr.write(`warm-up: ${aggregate.warmup.messages} messages, ${aggregate.warmup.sessions} sessions\n`);
    }
    if (serverPid !== undefined) {
      void sampleTree(serverPid).then((sample) => {
        maxPssKiB = Math.max(maxPssKiB, sample.pssKiB);
      });
    }
  }, options.intervalMs);
  let outcomes: ShardOutcome[];
  try {
    outcomes = await Promise.all(
      configs.map((config) => startShard(config, options.threads ?? configs.length > 1, (s) => aggregate.add(s))),
    );
  } finally {
    clearInterval(ticker);
    clearTimeout(firstTimer);
    clearTimeout(lastTimer);
  }
  first ??= usage();
  last ??= usage();
  const [begin, end] = await Promise.all([first, last]);
  const finishedAt = Math.max(...outcomes.map((outcome) => outcome.finishedAt));
  const elapsedSec = Math.max(0.001, (Math.min(window.endAt, finishedAt) - window.measureFrom) / 1000);
  const sinceClose = (Math.min(window.endAt, finishedAt) - lastClose) / 1000;
  if (sinceClose > 0.05) aggregate.closeInterval(elapsedSec, sinceClose);
  return buildResult(options, {
    startedAt,
    elapsedSec,
    aggregate,
    begin,
    end,
    maxPssKiB,
    outcomes,
    shards: configs.length,
  });
}

interface Collected {
  startedAt: Date;
  elapsedSec: number;
  aggregate: Aggregate;
  begin: Usage;
  end: Usage;
  maxPssKiB: number;
  outcomes: ShardOutcome[];
  shards: number;
}

function buildResult(options: BenchOptions, collected: Collected): BenchResult {
  const { aggregate, begin, end, elapsedSec } = collected;
  const totals = aggregate.totals;
  const usageSec = Math.max(0.001, (end.at - begin.at) / 1000);
  const nativeCpu = collected.outcomes.reduce((sum, outcome) => sum + (outcome.cpuSeconds ?? 0), 0);
  const clientCpu = (end.client.user + end.client.system - begin.client.user - begin.client.system) / 1e6 + nativeCpu;
  const latencyMs: BenchResult['latencyMs'] = {};
  for (const [command, histogram] of [...aggregate.histograms].sort(([a], [b]) => a.localeCompare(b))) {
    latencyMs[command] = summarize(histogram);
  }
  const didWork = FETCH_SCENARIOS.includes(options.scenario) ? totals.messages > 0 : totals.sessions > 0;
  const details = collected.outcomes.map((outcome) => outcome.detail).filter((detail) => detail !== undefined);
  const result: BenchResult = {
    tool: 'poplar-bench',
    scenario: options.scenario,
    startedAt: collected.startedAt.toISOString(),
    ok: aggregate.errorTotal === 0 && didWork,
    target: {
      host: options.address.host,
      port: options.address.port,
      tls: options.address.tls,
      auth: options.auth,
      label: options.label,
    },
    settings: {
      concurrency: options.concurrency,
      workers: collected.shards,
      users: options.users,
      userPattern: options.userPattern,
      warmupSec: options.once || singleShard(options) ? 0 : options.warmupMs / 1000,
      durationSec: options.durationMs / 1000,
      once: options.once,
      fetch: fetchCommand(options),
      requireChecksum: options.requireChecksum,
    },
    machine: machineInfo(),
    elapsedSec,
    totals,
    rates: {
      messagesPerSec: totals.messages / elapsedSec,
      payloadMBps: totals.payloadBytes / 1e6 / elapsedSec,
      wireMBps: totals.wireBytes / 1e6 / elapsedSec,
      sessionsPerSec: totals.sessions / elapsedSec,
    },
    latencyMs,
    errorTotal: aggregate.errorTotal,
    errors: aggregate.errors,
    errorSamples: aggregate.errorSamples,
    client: { cpuCores: clientCpu / usageSec, workers: collected.shards, kind: options.client ?? 'node' },
    seriesCommand: aggregate.mainCommand,
    series: aggregate.series,
  };
  if (options.serverPid !== undefined && begin.server !== undefined && end.server !== undefined) {
    result.server = {
      pid: options.serverPid,
      cpuCores: (end.server.cpuSeconds - begin.server.cpuSeconds) / usageSec,
      processes: end.server.processes,
      rssKiB: end.server.rssKiB,
      pssKiB: end.server.pssKiB,
      maxPssKiB: Math.max(collected.maxPssKiB, end.server.pssKiB),
    };
  }
  if (details.length > 0) result.detail = details.length === 1 ? details[0] : details;
  return result;
}
