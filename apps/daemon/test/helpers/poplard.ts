import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify, type TomlTable } from 'smol-toml';
import { makeSelfSignedCertificate } from '../../src/self-signed-certificate.js';
import { runTool, type ToolResult } from './run-tool.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Runs `poplard <args>` to completion. */
export function poplard(
  args: readonly string[],
  input?: string | Buffer,
  env?: NodeJS.ProcessEnv,
): Promise<ToolResult> {
  return runTool(process.execPath, [CLI, ...args], {
    timeoutMs: 20_000,
    ...(input === undefined ? {} : { input }),
    ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
  });
}

/** A throwaway server setup: a temp folder with a mail root, users file, certificate and NT key. */
export interface Fixture {
  readonly dir: string;
  readonly mailRoot: string;
  readonly usersFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly ntKeyFile: string;
  /** Writes poplar.toml (base settings + `settings`) and returns its path. */
  writeConfig(settings?: TomlTable, name?: string): Promise<string>;
  addUser(user: string, password: string, options?: { ntlm?: boolean }): Promise<void>;
  deliver(user: string, message: string | Buffer): Promise<ToolResult>;
  cleanup(): Promise<void>;
}

/** A self-signed certificate (CN=localhost unless told), made with the openssl CLI. */
export function makeCertificate(certFile: string, keyFile: string, subject?: string): Promise<void> {
  return makeSelfSignedCertificate(certFile, keyFile, { days: 2, ...(subject === undefined ? {} : { subject }) });
}

export async function createFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'poplard-test-'));
  const paths = {
    mailRoot: join(dir, 'mail'),
    usersFile: join(dir, 'users'),
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
    ntKeyFile: join(dir, 'nt.key'),
  };
  await makeCertificate(paths.certFile, paths.keyFile);
  await writeFile(paths.ntKeyFile, `${'a1'.repeat(32)}\n`, { mode: 0o600 });
  await chmod(paths.ntKeyFile, 0o600);
  let configFile = join(dir, 'poplar.toml');
  const fixture: Fixture = {
    dir,
    ...paths,
    async writeConfig(settings = {}, name = 'poplar.toml') {
      configFile = join(dir, name);
      const base: TomlTable = {
        MailRoot: paths.mailRoot,
        UsersFile: paths.usersFile,
        TlsCertificateFile: paths.certFile,
        TlsKeyFile: paths.keyFile,
        NtHashKeyFile: paths.ntKeyFile,
        UnencryptedOrTLSBindings: ['127.0.0.1:0'],
        SSLBindings: ['127.0.0.1:0'],
        LoginType: 'PlainTextLogin',
        // curl picks the first mechanism it knows; the NTLM and GSSAPI tests configure their own.
        Mechanisms: ['PLAIN'],
        FailedLoginDelay: 0,
        FailedLoginPenalty: 0,
        ShutdownGracePeriod: 2,
      };
      await writeFile(configFile, stringify({ ...base, ...settings }));
      return configFile;
    },
    async addUser(user, password, options = {}) {
      const result = await poplard(
        ['user', 'add', user, '--config', configFile, ...(options.ntlm ? ['--ntlm'] : [])],
        `${password}\n`,
      );
      if (result.code !== 0) throw new Error(`user add ${user} failed (${result.code}): ${result.stderr}`);
    },
    deliver(user, message) {
      return poplard(['deliver', user, '--config', configFile], message);
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  await fixture.writeConfig();
  // The daemon needs a users file; this account is never used to log in.
  await fixture.addUser('postmaster', randomBytes(12).toString('hex'));
  return fixture;
}

export interface LogLine {
  readonly event: string;
  readonly level: string;
  readonly [field: string]: unknown;
}

const running = new Set<ChildProcess>();

/** A `poplard serve` child process and its JSON log. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';
  #waiters: Array<() => void> = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    running.add(child);
    let partial = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() !== '') this.logs.push(JSON.parse(line) as LogLine);
      }
      this.#wake();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      this.stderr += text;
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        running.delete(child);
        this.#wake();
        resolve({ code, signal });
      });
    });
  }

  /** Starts `poplard serve --config file` and waits until it is listening. */
  static async start(configFile: string, env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
    const daemon = DaemonProcess.spawn(configFile, env);
    await daemon.waitFor((line) => line.event === 'started', 15_000);
    return daemon;
  }

  /** Starts `poplard serve --config file` without waiting for anything. */
  static spawn(configFile: string, env: NodeJS.ProcessEnv = {}): DaemonProcess {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', configFile], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new DaemonProcess(child);
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** The port of the first listener of a kind. */
  port(kind: 'plain' | 'tls'): number {
    const line = this.logs.find((entry) => entry.event === 'listening' && entry.kind === kind);
    if (!line) throw new Error(`no ${kind} listener`);
    return line.port as number;
  }

  /** Waits for a log line matching `predicate` (also one logged already). */
  async waitFor(predicate: (line: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(predicate);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`poplard exited (${this.child.exitCode ?? this.child.signalCode}): ${this.stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a log line; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** SIGHUP, then waits until the daemon logged that it reloaded. */
  async reload(): Promise<void> {
    const before = this.logs.filter((line) => line.event === 'reloaded').length;
    this.child.kill('SIGHUP');
    await this.waitFor(() => this.logs.filter((line) => line.event === 'reloaded').length > before);
  }

  /**
   * Sends a signal to the daemon (its primary when it has workers). SIGKILL stands for the whole daemon dying at
   * once, as in an OOM kill or a power cut: its worker processes get it too, so none outlives the primary a moment.
   */
  signal(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL' && this.child.pid !== undefined) {
      for (const pid of childrenOf(this.child.pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    this.child.kill(signal);
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** A process's children (Linux /proc): a daemon's workers are its primary's children, never reaped while listed. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
      for (const child of listed.split(' ')) if (child.trim() !== '') children.push(Number(child));
    }
  } catch {
    // The process is gone, or this is not Linux: nothing more to kill.
  }
  return children;
}

/** Kills every daemon still running (afterAll). */
export async function killAllDaemons(): Promise<void> {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
