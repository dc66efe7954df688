import type { DaemonConfig } from './config/daemon-config.js';
import { LocalPolicy } from './local-policy.js';
import type { Logger } from './logger.js';
import { openDaemon } from './open-daemon.js';
import type { BoundListener } from './pop-server.js';

export interface RunningDaemon {
  readonly listeners: readonly BoundListener[];
  /** SIGHUP: reloads the TLS certificate and key and the users file. Failures are logged; the old ones stay. */
  reload(): Promise<void>;
  /** SIGTERM: graceful stop (see PopServer.close). */
  stop(): Promise<void>;
}

/**
 * Runs the whole daemon in this process (Workers = 1, `poplard demo`, embedding): the limits and the failed-login
 * penalty are kept in this process's memory.
 */
export async function startDaemon(config: DaemonConfig, logger: Logger): Promise<RunningDaemon> {
  const daemon = await openDaemon(config, logger, new LocalPolicy(config));
  for (const listener of daemon.listeners) logger.info('listening', { ...listener });
  logger.info('started', {
    pid: process.pid,
    mechanisms: daemon.mechanisms,
    loginType: config.session.loginType,
    tls: daemon.tls,
  });
  return {
    listeners: daemon.listeners,
    async reload() {
      logger.info('reloaded', { ...(await daemon.reload()) });
    },
    async stop() {
      const { sessions, closed } = daemon.close();
      logger.info('stopping', { sessions, graceMs: config.shutdownGracePeriodMs });
      await closed;
      logger.info('stopped', {});
    },
  };
}
