import cluster from 'node:cluster';
import type { DaemonConfig } from '../config/daemon-config.js';
import { CommandError, EXIT } from '../exit-codes.js';
import { LocalPolicy } from '../local-policy.js';
import type { Logger } from '../logger.js';
import type { ReloadOutcome } from '../open-daemon.js';
import type { ReadyNotice, WorkerMessage, WorkerRequest } from './messages.js';
import { PolicyHost } from './policy-host.js';
import { RestartBackoff, type RestartBackoffOptions } from './restart-backoff.js';
import { type WorkerEvents, WorkerProcess } from './worker-process.js';

/** Beyond ShutdownGracePeriod, what a worker gets to end its last sessions and lingering sockets before SIGKILL. */
const STOP_MARGIN_MS = 20_000;

export interface SupervisorOptions {
  readonly config: DaemonConfig;
  /** The config file's text, handed to every worker. */
  readonly configText: string;
  readonly logger: Logger;
  /** The workers' entry point. */
  readonly workerMain: string;
  readonly backoff?: RestartBackoffOptions;
}

/** One place among the workers: its process, and its restart schedule when that process died. */
interface Slot {
  readonly number: number;
  readonly backoff: RestartBackoff;
  process: WorkerProcess | undefined;
  restart: NodeJS.Timeout | undefined;
}

export interface Stopping {
  /** Every worker stopped accepting: resolves with the sessions they still had. */
  readonly closing: Promise<number>;
  /** Every worker has exited. */
  readonly stopped: Promise<void>;
}

/**
 * The primary process: starts `Workers` workers with node:cluster (round-robin: the primary accepts and hands each
 * connection to the next worker), keeps the shared limits and answers the workers' questions from them, restarts a
 * worker that dies (with a growing delay, each time logged), and passes reloads and the stop on to every worker.
 */
export class Supervisor implements WorkerEvents {
  readonly #options: SupervisorOptions;
  readonly #host: PolicyHost;
  readonly #slots: Slot[];
  #phase: 'starting' | 'running' | 'stopping' = 'starting';
  #startupFailed: (error: Error) => void = () => {};
  #allReady: () => void = () => {};
  #stopping: Stopping | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#host = new PolicyHost(new LocalPolicy(options.config));
    this.#slots = Array.from({ length: options.config.workers }, (_, index) => ({
      number: index + 1,
      backoff: new RestartBackoff(options.backoff),
      process: undefined,
      restart: undefined,
    }));
  }

  /**
   * Starts every worker and resolves once all of them listen, with what they listen on. When one cannot start, the
   * others are stopped and its error is thrown, with the exit code the daemon would have had in one process.
   */
  async start(): Promise<ReadyNotice> {
    // Round-robin is Node's default on Linux; set it so NODE_CLUSTER_SCHED_POLICY cannot hand the kernel an uneven
    // accept() race between workers instead.
    cluster.schedulingPolicy = cluster.SCHED_RR;
    cluster.setupPrimary({ exec: this.#options.workerMain, args: [], silent: true });
    const ready = new Promise<void>((resolve, reject) => {
      this.#allReady = resolve;
      this.#startupFailed = reject;
    });
    for (const slot of this.#slots) this.#spawn(slot);
    try {
      await ready;
    } catch (err) {
      await this.stop().stopped;
      throw err;
    }
    this.#phase = 'running';
    return this.#slots[0]?.process?.ready as ReadyNotice;
  }

  /** Every serving worker reads its certificate and users file again; 'kept' when any of them could not. */
  async reload(): Promise<ReloadOutcome & { readonly workers: number }> {
    const serving = this.#slots.flatMap((slot) => (slot.process?.serving ? [slot.process] : []));
    const outcomes = await Promise.all(serving.map((worker) => worker.reload()));
    // A worker that did not answer counts as one that kept its old files.
    const kept = (field: 'tls' | 'users'): boolean =>
      outcomes.some((outcome) => outcome === undefined || outcome[field] === 'kept');
    return {
      tls: this.#options.config.tls === undefined ? 'none' : kept('tls') ? 'kept' : 'reloaded',
      users: kept('users') ? 'kept' : 'reloaded',
      workers: serving.length,
    };
  }

  /**
   * Stops every worker gracefully (they stop accepting at once and give their sessions ShutdownGracePeriod) and
   * restarts none. A worker still there well after that is killed.
   */
  stop(): Stopping {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#phase = 'stopping';
    const workers: WorkerProcess[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.restart);
      slot.restart = undefined;
      if (slot.process === undefined) continue;
      slot.process.stop();
      workers.push(slot.process);
    }
    const closing = Promise.all(workers.map((worker) => worker.closed)).then((counts) =>
      counts.reduce((sum, count) => sum + count, 0),
    );
    const deadline = setTimeout(() => {
      for (const slot of this.#slots) {
        if (slot.process === undefined) continue;
        this.#options.logger.error('worker-killed', { worker: slot.number, pid: slot.process.pid });
        slot.process.kill();
      }
    }, this.#options.config.shutdownGracePeriodMs + STOP_MARGIN_MS);
    const stopped = Promise.all(workers.map((worker) => worker.gone)).then(() => clearTimeout(deadline));
    this.#stopping = { closing, stopped };
    return this.#stopping;
  }

  message(from: WorkerProcess, message: WorkerMessage): void {
    switch (message.poplar) {
      case 'request':
        from.send({ poplar: 'response', id: message.id, value: this.#answer(from, message.body) });
        break;
      case 'release':
        this.#host.release(from.worker.id, message.what, message.key);
        break;
      case 'ready':
        from.ready = message.notice;
        this.#options.logger.info('worker-started', { worker: from.number, pid: from.pid });
        if (this.#slots.every((slot) => slot.process?.ready !== undefined)) this.#allReady();
        break;
      case 'failed':
        from.failure = { message: message.message, exitCode: message.exitCode };
        if (this.#phase === 'starting') this.#startupFailed(new CommandError(message.exitCode, message.message));
        else this.#options.logger.error('worker-failed', { worker: from.number, message: message.message });
        break;
    }
  }

  #answer(from: WorkerProcess, body: WorkerRequest): unknown {
    if (body.op === 'config') return { file: this.#options.config.file, text: this.#options.configText };
    return this.#host.answer(from.worker.id, body);
  }

  #spawn(slot: Slot): void {
    slot.restart = undefined;
    const worker = new WorkerProcess(slot.number, this);
    slot.process = worker;
    void worker.gone.then(({ code, signal }) => {
      // No message of it is still to come: what it held can be given back.
      this.#host.forget(worker.worker.id);
      slot.process = undefined;
      const ranMs = Date.now() - worker.startedAt;
      if (this.#phase === 'starting') {
        const reason = `worker ${slot.number} exited before it was ready (${signal ?? `exit code ${code}`})`;
        this.#startupFailed(
          worker.failure
            ? new CommandError(worker.failure.exitCode, worker.failure.message)
            : new CommandError(EXIT.SOFTWARE, reason),
        );
      } else if (this.#phase === 'running') {
        const restartInMs = slot.backoff.next(ranMs);
        this.#options.logger.error('worker-exit', {
          worker: slot.number,
          pid: worker.pid,
          code,
          signal,
          ranMs,
          restartInMs,
          failures: slot.backoff.failures,
        });
        slot.restart = setTimeout(() => this.#spawn(slot), restartInMs);
      } else if (code !== 0) {
        this.#options.logger.warn('worker-exit', { worker: slot.number, pid: worker.pid, code, signal, ranMs });
      }
    });
  }
}
