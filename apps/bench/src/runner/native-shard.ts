import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Recorder } from '../metrics/recorder.js';
import type { Snapshot } from '../metrics/snapshot.js';
import type { ErrorKind } from '../protocol/bench-error.js';
import { NATIVE_BINARY } from './native-binary.js';
import type { ShardConfig, ShardOutcome } from './shard.js';

/** The most of the native client's stderr kept for an error message. */
const MAX_STDERR = 4096;

function nativeArguments(config: ShardConfig): string[] {
  const args = [
    '--host',
    config.address.host,
    '--port',
    String(config.address.port),
    '--auth',
    config.auth,
    '--fetch',
    config.fetch,
    '--scenario',
    config.scenario,
    '--concurrency',
    String(config.concurrency),
    '--measure-from',
    String(config.window.measureFrom),
    '--end-at',
    String(config.window.endAt),
    '--max-errors',
    String(config.maxErrors),
    '--repeat',
    String(config.bigRepeat),
    '--timeout-ms',
    String(config.address.timeoutMs),
  ];
  if (config.once) args.push('--once');
  if (config.requireChecksum) args.push('--require-checksum');
  return args;
}

/** Applies one event line of pop3-load (its format is described at the top of native/pop3-load.c). */
interface NativeOutcome {
  detail?: unknown;
  /** Its CPU time in microseconds when the window started and when it ended. */
  cpuMarks: number[];
}

function applyEvent(line: string, recorder: Recorder, outcome: NativeOutcome): void {
  const [type, ...fields] = line.split(' ');
  switch (type) {
    case 'F':
      recorder.latency(fields[0]!, Number(fields[1]), Number(fields[2]));
      recorder.message(Number(fields[3]), fields[4] === '1', Number(fields[2]));
      return;
    case 'L':
      recorder.latency(fields[0]!, Number(fields[1]), Number(fields[2]));
      return;
    case 'S':
      recorder.session(Number(fields[0]));
      return;
    case 'W':
      recorder.received(Number(fields[0]));
      return;
    case 'E':
      recorder.error(fields[0] as ErrorKind, fields.slice(1).join(' '));
      return;
    case 'C':
      outcome.cpuMarks.push(Number(fields[0]));
      return;
    case 'D':
      outcome.detail = JSON.parse(fields.join(' '));
      return;
    default:
      throw new Error(`pop3-load printed an unknown event: ${line.slice(0, 80)}`);
  }
}

/**
 * Runs one shard with the native load core, one process per shard: it runs the sessions and validates every
 * reply, and reports events on its stdout, which are recorded here exactly as the Node client's are.
 */
export async function runNativeShard(config: ShardConfig, emit: (snapshot: Snapshot) => void): Promise<ShardOutcome> {
  const awkward = config.accounts.find((account) => /[\t\r\n]/.test(account.name + account.password));
  if (awkward !== undefined) {
    throw new Error(`the native client takes no TAB or line break in a user name or password (${awkward.name})`);
  }
  const recorder = new Recorder(config.window);
  const outcome: NativeOutcome = { cpuMarks: [] };
  const child = spawn(NATIVE_BINARY, nativeArguments(config), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(0, MAX_STDERR);
  });
  child.stdin.on('error', () => {}); // it may exit before reading every account; the exit code says why
  child.stdin.end(config.accounts.map((account) => `${account.name}\t${account.password}\n`).join(''));
  let eventError: Error | undefined;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    try {
      applyEvent(line, recorder, outcome);
    } catch (error) {
      eventError ??= error as Error;
    }
  });
  const timer = setInterval(() => emit(recorder.takeSnapshot()), config.intervalMs);
  try {
    const [exited] = await Promise.all([
      new Promise<number | null>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve(signal === null ? code : -1));
      }),
      new Promise((resolve) => lines.once('close', resolve)),
    ]);
    if (exited !== 0) throw new Error(`pop3-load failed (exit ${exited}): ${stderr.trim()}`);
    if (eventError !== undefined) throw eventError;
  } finally {
    clearInterval(timer);
  }
  emit(recorder.takeSnapshot());
  const [start = 0, end = start] = outcome.cpuMarks;
  const result: ShardOutcome = { finishedAt: Date.now(), cpuSeconds: (end - start) / 1e6 };
  if (outcome.detail !== undefined) result.detail = outcome.detail;
  return result;
}
