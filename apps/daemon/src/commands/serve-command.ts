import { parseDaemonConfig, readConfigText } from '../config/daemon-config.js';
import { EXIT } from '../exit-codes.js';
import { Logger } from '../logger.js';
import { type RunningDaemon, startDaemon } from '../start-daemon.js';

/**
 * Runs until SIGTERM or SIGINT (graceful stop, then 0). SIGHUP reloads the certificate and the users file. The
 * handlers are in place before the daemon is up, since SIGHUP's default action would end the process: a signal
 * that arrives while `start` runs acts once it has started.
 */
export async function runUntilSignal(start: () => Promise<RunningDaemon>, logger: Logger): Promise<number> {
  // Started one microtask later, once the handlers below are in place.
  const daemon = Promise.resolve().then(start);
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('signal', { signal });
    daemon
      .then((running) => running.stop())
      .then(stopped, (err: unknown) => {
        logger.error('stop-failed', { error: err });
        stopped();
      });
  };
  const hangup = (): void => {
    logger.info('signal', { signal: 'SIGHUP' });
    daemon.then((running) => running.reload()).catch((err: unknown) => logger.error('reload-failed', { error: err }));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', hangup);
  try {
    await daemon;
  } catch (err) {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', hangup);
    throw err;
  }
  await done;
  return EXIT.OK;
}

/** `poplard serve`: in this process with Workers = 1, else as the primary of that many worker processes. */
export async function serveCommand(configFile: string): Promise<number> {
  const text = await readConfigText(configFile);
  const config = parseDaemonConfig(text, configFile);
  const logger = new Logger();
  if (config.workers === 1) {
    return runUntilSignal(() => {
      logger.info('starting', { pid: process.pid, config: configFile, workers: 1 });
      return startDaemon(config, logger);
    }, logger);
  }
  const { runPrimary } = await import('../cluster/run-primary.js');
  return runPrimary(config, text, logger, configFile);
}
