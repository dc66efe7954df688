import { parseDaemonConfig } from '../config/daemon-config.js';
import { EXIT, exitCodeOf } from '../exit-codes.js';
import { Logger } from '../logger.js';
import { type DaemonInstance, openDaemon } from '../open-daemon.js';
import {
  type ConfigAnswer,
  isPoplarMessage,
  type PrimaryMessage,
  type WorkerMessage,
  type WorkerRequest,
} from './messages.js';
import { RemotePolicy } from './remote-policy.js';
import { RequestChannel } from './request-channel.js';

/** How long a worker waits for the primary's answer before it fails safe (see RemotePolicy). */
const POLICY_TIMEOUT_MS = 5000;

const ignore = (): void => {};

/**
 * A worker process of `poplard serve`: takes the primary's configuration, serves connections with the shared limits
 * kept by the primary, reloads and stops when the primary says so (or on its own SIGTERM/SIGINT), and logs with its
 * number in every line. Resolves with the exit code once its sessions are over.
 */
export async function runWorker(): Promise<number> {
  const logger = new Logger(process.stdout, { worker: Number(process.env.POPLAR_WORKER) });
  if (process.send === undefined) throw new Error('a worker needs an IPC channel to its primary');
  const notify = (message: WorkerMessage): void => {
    // With a callback a closed channel is not an 'error' event; the worker ends when the primary is gone anyway.
    process.send?.(message, undefined, undefined, ignore);
  };
  const requests = new RequestChannel<WorkerRequest>(notify, { timeoutMs: POLICY_TIMEOUT_MS });
  let daemon: DaemonInstance | undefined;
  let stop: () => void = ignore;
  const stopRequested = new Promise<void>((resolve) => {
    stop = resolve;
  });

  process.on('message', (message: unknown) => {
    if (!isPoplarMessage(message)) return;
    const received = message as PrimaryMessage;
    if (received.poplar === 'response') requests.answer(received.id, received.value);
    else if (received.poplar === 'stop') stop();
    else if (received.poplar === 'request' && daemon !== undefined) {
      const { id } = received;
      void daemon.reload().then((value) => notify({ poplar: 'response', id, value }));
    }
  });
  process.on('disconnect', () => requests.close());
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      logger.info('signal', { signal });
      stop();
    });
  }
  // The primary passes SIGHUP on; one sent to the whole process group must not end a worker.
  process.on('SIGHUP', ignore);

  try {
    const { file, text } = (await requests.request({ op: 'config' })) as ConfigAnswer;
    const config = parseDaemonConfig(text, file);
    daemon = await openDaemon(config, logger, new RemotePolicy(requests, notify, config.penalty.maxMs));
  } catch (err) {
    notify({ poplar: 'failed', message: (err as Error).message, exitCode: exitCodeOf(err) });
    return exitCodeOf(err);
  }
  notify({ poplar: 'ready', notice: { listeners: daemon.listeners, mechanisms: daemon.mechanisms, tls: daemon.tls } });
  await stopRequested;
  const { sessions, closed } = daemon.close();
  notify({ poplar: 'closing', sessions });
  await closed;
  return EXIT.OK;
}
