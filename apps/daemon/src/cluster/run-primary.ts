import { fileURLToPath } from 'node:url';
import type { DaemonConfig } from '../config/daemon-config.js';
import { EXIT } from '../exit-codes.js';
import type { Logger } from '../logger.js';
import { Supervisor } from './supervisor.js';

/**
 * `poplard serve` with Workers > 1: starts the workers, logs the daemon's life as one process would ("listening",
 * "started", "reloaded", "stopping", "stopped", each once for the whole daemon), and passes SIGHUP, SIGTERM and
 * SIGINT on. Resolves with the exit code once every worker has exited.
 */
export async function runPrimary(
  config: DaemonConfig,
  configText: string,
  logger: Logger,
  configFile: string,
): Promise<number> {
  // SIGHUP's default action ends the process: handle it from the first moment, and reload once the workers are up.
  let reloadPending = false;
  let onHangup = (): void => {
    reloadPending = true;
  };
  process.on('SIGHUP', () => onHangup());
  logger.info('starting', { pid: process.pid, config: configFile, workers: config.workers });
  const supervisor = new Supervisor({
    config,
    configText,
    logger,
    workerMain: fileURLToPath(new URL('./worker-main.js', import.meta.url)),
  });
  const ready = await supervisor.start();
  for (const listener of ready.listeners) logger.info('listening', { ...listener });
  logger.info('started', {
    pid: process.pid,
    workers: config.workers,
    mechanisms: ready.mechanisms,
    loginType: config.session.loginType,
    tls: ready.tls,
  });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      logger.info('signal', { signal });
      const { closing, stopped } = supervisor.stop();
      void closing
        .then((sessions) => {
          logger.info('stopping', { sessions, graceMs: config.shutdownGracePeriodMs, workers: config.workers });
          return stopped;
        })
        .then(() => {
          logger.info('stopped', {});
          resolve();
        });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    onHangup = () => {
      logger.info('signal', { signal: 'SIGHUP' });
      if (!stopping) void supervisor.reload().then((outcome) => logger.info('reloaded', { ...outcome }));
    };
    if (reloadPending) onHangup();
  });
  return EXIT.OK;
}
