// Options for short test runs of runBench, in this thread, shared by the runner's tests.
import type { TlsMode } from '../src/client/pop3-client.js';
import type { BenchOptions } from '../src/runner/run-bench.js';

/** retr-all with 4 users and 4 sessions for 1 s, every message checksummed; `overrides` replace any of it. */
export function benchOptions(port: number, overrides: Partial<BenchOptions> = {}, tls: TlsMode = 'none'): BenchOptions {
  return {
    scenario: 'retr-all',
    address: { host: '127.0.0.1', port, tls, timeoutMs: 5000 },
    auth: 'user',
    userPattern: 'user%d',
    passwordPattern: 'secret',
    users: 4,
    firstUser: 1,
    concurrency: 4,
    workers: 1,
    threads: false,
    warmupMs: 0,
    durationMs: 1000,
    once: false,
    requireChecksum: true,
    maxErrors: 100,
    intervalMs: 250,
    progress: false,
    bigRepeat: 3,
    idle: { sessions: 10, holdMs: 100 },
    delivery: { seed: 't', concurrency: 2 },
    ...overrides,
  };
}
