import { parseDaemonConfig, readConfigText } from '../config/daemon-config.js';
import { EXIT } from '../exit-codes.js';
import { Logger } from '../logger.js';
import { type RunningDaemon, startDaemon } from '../start-daemon.js';

/** Runs until SIGTERM or SIGINT (graceful stop, then 0). SIGHUP reloads the certificate and the users file. */
export async function runUntilSignal(daemon: RunningDaemon, logger: Logger): Promise<number> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      logger.info('signal', { signal });
      daemon.stop().then(resolve, (err: unknown) => {
        logger.error('stop-failed', { error: err });
        resolve();
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', () => {
      logger.info('signal', { signal: 'SIGHUP' });
      void daemon.reload();
    });
  });
  return EXIT.OK;
}

/** `poplard serve`: in this process with Workers = 1, else as the primary of that many worker processes. */
export async function serveCommand(configFile: string): Promise<number> {
  const text = await readConfigText(configFile);
  const config = parseDaemonConfig(text, configFile);
  const logger = new Logger();
  if (config.workers === 1) return runUntilSignal(await startDaemon(config, logger), logger);
  const { runPrimary } = await import('../cluster/run-primary.js');
  return runPrimary(config, text, logger);
}
