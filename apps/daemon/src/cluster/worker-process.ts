import cluster, { type Worker } from 'node:cluster';
import { EXIT } from '../exit-codes.js';
import type { ReloadOutcome } from '../open-daemon.js';
import { relayLines } from './line-relay.js';
import {
  isPoplarMessage,
  type PrimaryMessage,
  type PrimaryRequest,
  type ReadyNotice,
  type WorkerMessage,
} from './messages.js';
import { RequestChannel } from './request-channel.js';

/** Reading a certificate and a users file: generous, but a stuck worker must not hold up the reload forever. */
const RELOAD_TIMEOUT_MS = 30_000;

export interface WorkerExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** What the primary does with a worker's messages. */
export interface WorkerEvents {
  /** A message other than an answer to the primary's own request. */
  message(from: WorkerProcess, message: WorkerMessage): void;
}

/**
 * One worker process as the primary sees it: its log lines relayed, its requests and answers, and `gone`, which
 * resolves only when the process has exited, its IPC channel has closed (no message of it is still to come) and its
 * output has been relayed to the end.
 */
export class WorkerProcess {
  /** The worker's number (1 to Workers), the `worker` field of its log lines; a replacement takes the same one. */
  readonly number: number;
  readonly worker: Worker;
  readonly startedAt = Date.now();
  readonly gone: Promise<WorkerExit>;
  /** Resolves with the sessions still open when it stopped accepting (0 if it ended without saying so). */
  readonly closed: Promise<number>;
  ready: ReadyNotice | undefined;
  /** Why it could not start, when it said so. */
  failure: { readonly message: string; readonly exitCode: number } | undefined;
  #stopAsked = false;
  #closing = false;
  /** It has sent a message, so its own message listener is in place: until then a message to it would be lost. */
  #heard = false;
  readonly #requests: RequestChannel<PrimaryRequest>;

  constructor(number: number, events: WorkerEvents) {
    this.number = number;
    this.worker = cluster.fork({ POPLAR_WORKER: String(number) });
    this.#requests = new RequestChannel((message) => this.send(message), { timeoutMs: RELOAD_TIMEOUT_MS });
    const child = this.worker.process;
    const relayed = [
      child.stdout ? relayLines(child.stdout, process.stdout) : undefined,
      child.stderr ? relayLines(child.stderr, process.stderr) : undefined,
    ];
    // Not events.once: it would reject on the worker's 'error' events.
    const exited = new Promise<WorkerExit>((resolve) => {
      this.worker.once('exit', (code: number | null, signal: string | null) => resolve({ code, signal }));
    });
    const disconnected = new Promise((resolve) => this.worker.once('disconnect', resolve));
    // A process that could not be started at all (no 'exit' is promised then) is gone at once.
    const unstarted = new Promise<WorkerExit>((resolve) => {
      this.worker.on('error', (err: Error) => {
        if (this.pid !== undefined) return;
        this.failure ??= { message: `cannot start a worker process: ${err.message}`, exitCode: EXIT.SOFTWARE };
        resolve({ code: null, signal: null });
      });
    });
    this.gone = Promise.race([Promise.all([exited, disconnected, ...relayed]).then(([exit]) => exit), unstarted]).then(
      (exit) => {
        this.#requests.close();
        return exit;
      },
    );
    let closing: (sessions: number) => void = () => {};
    this.closed = new Promise((resolve) => {
      closing = resolve;
    });
    void this.gone.then(() => closing(0));
    this.worker.on('message', (message: unknown) => {
      if (!isPoplarMessage(message)) return;
      const received = message as WorkerMessage;
      if (!this.#heard) {
        this.#heard = true;
        if (this.#stopAsked) this.send({ poplar: 'stop' });
      }
      if (received.poplar === 'response') this.#requests.answer(received.id, received.value);
      else if (received.poplar === 'closing') {
        this.#closing = true;
        closing(received.sessions);
      } else events.message(this, received);
    });
  }

  get pid(): number | undefined {
    return this.worker.process.pid;
  }

  /** Serving and not stopping. */
  get serving(): boolean {
    return this.ready !== undefined && !this.#closing && !this.#stopAsked;
  }

  send(message: PrimaryMessage): void {
    if (this.worker.isConnected()) this.worker.send(message, undefined, () => {});
  }

  async reload(): Promise<ReloadOutcome | undefined> {
    try {
      return (await this.#requests.request({ op: 'reload' })) as ReloadOutcome;
    } catch {
      return undefined;
    }
  }

  /** Asks for a graceful stop (now, or as soon as the worker can hear it). */
  stop(): void {
    this.#stopAsked = true;
    if (this.#heard) this.send({ poplar: 'stop' });
  }

  kill(): void {
    this.worker.process.kill('SIGKILL');
  }
}
