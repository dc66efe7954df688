import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findHaproxy } from './find-haproxy.js';
import { freePort } from './free-port.js';
import { haproxyConfig, type SendProxy } from './haproxy-config.js';
import { isListening } from './tcp-listening.js';

export interface StartHaproxyOptions {
  /** Port of the server behind HAProxy. */
  readonly backendPort: number;
  /** Default '127.0.0.1'; '::1' works too. */
  readonly backendHost?: string;
  /** 'v1' (send-proxy), 'v2' (send-proxy-v2) or false for plain forwarding. */
  readonly sendProxy: SendProxy;
  /** Frontend port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly listen?: number;
  /**
   * Health-check the backend every this many milliseconds. With a header, HAProxy then opens connections of its own:
   * v2 sends a LOCAL header, v1 a PROXY line with the checker's own addresses.
   */
  readonly healthCheckIntervalMs?: number;
  /** connect, client and server timeouts (default 30 s). */
  readonly timeoutMs?: number;
  /** How long to wait for the frontend to listen (default 10 s). */
  readonly startTimeoutMs?: number;
}

export interface RunningHaproxy {
  /** Connect here: 127.0.0.1:`port`. */
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly pid: number;
  /** Private directory holding the configuration; removed by stop(). */
  readonly dir: string;
  readonly configFile: string;
  /** What HAProxy printed so far (warnings, alerts), for failure messages. */
  output(): string;
  /** Stops HAProxy by its pid (SIGTERM, SIGKILL after 5 s) and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const START_ATTEMPTS = 3;
const MAX_OUTPUT = 64 * 1024;

/**
 * Starts `haproxy -f <config> -db` in the foreground as a child of this process, with its configuration in a fresh
 * temporary directory, and resolves once the frontend listens. The child is killed if this process exits first.
 */
export async function startHaproxy(options: StartHaproxyOptions): Promise<RunningHaproxy> {
  const executable = findHaproxy();
  const requested = options.listen ?? 0;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (requested === 0 ? START_ATTEMPTS : 1); attempt++) {
    const port = requested === 0 ? await freePort() : requested;
    try {
      return await startOnce(executable, port, options);
    } catch (error) {
      lastError = error as Error;
      // Another process may have taken the free port between our check and HAProxy's bind: try another.
      if (!/cannot bind|address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError;
}

async function startOnce(executable: string, port: number, options: StartHaproxyOptions): Promise<RunningHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'poplar-haproxy-'));
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(
    configFile,
    haproxyConfig({
      listenPort: port,
      backendHost: options.backendHost ?? '127.0.0.1',
      backendPort: options.backendPort,
      sendProxy: options.sendProxy,
      healthCheckIntervalMs: options.healthCheckIntervalMs,
      pidFile: join(dir, 'haproxy.pid'),
      timeoutMs: options.timeoutMs ?? 30_000,
    }),
  );
  const child = spawn(executable, ['-f', configFile, '-db'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  child.on('error', (error) => collect(Buffer.from(`${error.message}\n`)));
  // 'close' comes once the process has ended and everything it printed has been read.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.removeListener('exit', killOnExit);
      await terminate(child, closed);
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    await waitUntilListening(child, port, options.startTimeoutMs ?? 10_000);
  } catch (error) {
    await stop();
    throw new Error(`haproxy did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${output}`.trim());
  }
  return { host: '127.0.0.1', port, pid: child.pid!, dir, configFile, output: () => output, stop };
}

async function waitUntilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`it exited (${child.exitCode ?? child.signalCode ?? 'not started'})`);
    }
    // Its own socket: another process that took the port meanwhile must not count.
    if (isListening(port, child.pid)) return;
    if (Date.now() > deadline) throw new Error(`it was not listening after ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function terminate(child: ChildProcess, closed: Promise<void>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    await Promise.race([closed, sleep(1_000)]); // already gone: just let its last output arrive
    return;
  }
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await closed;
  clearTimeout(timer);
}
