import { createPasswordVerifier, openUserDatabase, type UserDatabase } from '@poplar/auth';
import { createSessionEngine } from '@poplar/session';
import { createCidrMatcher } from '@poplar/wire';
import { ConfigError } from './config/config-error.js';
import type { DaemonConfig } from './config/daemon-config.js';
import { formatListenAddress } from './config/listen-address.js';
import { ConnectionLimiter } from './connection-limiter.js';
import type { Logger } from './logger.js';
import { LoginPenalty } from './login-penalty.js';
import { loadMechanisms } from './mechanisms.js';
import { loadNtKey } from './nt-key.js';
import { type BoundListener, PopServer } from './pop-server.js';
import { REFUSAL_LINE } from './refusal.js';
import { SessionPolicy } from './session-policy.js';
import { createStore, ensureMailRoot } from './store.js';
import { TlsCredentials, upgradeToTls } from './tls-credentials.js';
import { UserLimiter } from './user-limiter.js';

export interface RunningDaemon {
  readonly listeners: readonly BoundListener[];
  /** SIGHUP: reloads the TLS certificate and key and the users file. Failures are logged; the old ones stay. */
  reload(): Promise<void>;
  /** SIGTERM: graceful stop (see PopServer.close). */
  stop(): Promise<void>;
}

/** Composes the packages into a running server as the config says. */
export async function startDaemon(config: DaemonConfig, logger: Logger): Promise<RunningDaemon> {
  const { key: ntKey, warning } = await loadNtKey(config);
  if (warning !== undefined) logger.warn('nt-key', { message: warning });
  const users: UserDatabase = await openUserDatabase(config.usersFile, ntKey === undefined ? {} : { ntKey }).catch(
    (err: unknown) => {
      const hint =
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (add a user with "poplard user add" to create it)' : '';
      throw new ConfigError(config.file, undefined, 'UsersFile', `${(err as Error).message}${hint}`);
    },
  );
  const passwords = createPasswordVerifier(users);
  await ensureMailRoot(config);
  const tls =
    config.tls === undefined
      ? undefined
      : await TlsCredentials.load(config.tls).catch((err: unknown) => {
          throw new ConfigError(config.file, undefined, 'TlsCertificateFile', (err as Error).message);
        });
  if (tls === undefined && config.session.loginType !== 'PlainTextLogin') {
    logger.warn('no-tls', {
      message: `no TLS certificate: with LoginType ${config.session.loginType} passwords are refused on every connection`,
    });
  }
  const mechanisms = await loadMechanisms({ config, users, passwords, ntKey, logger });
  const policy = new SessionPolicy(
    new LoginPenalty(config.penalty),
    new UserLimiter(config.maxConnectionsPerUser),
    logger,
  );
  const handshakeTimeoutMs = config.session.preAuthenticatedTimeoutMs;
  const engine = createSessionEngine({
    store: createStore(config, users),
    passwords,
    mechanisms,
    settings: config.session,
    hooks: policy,
    ...(tls === undefined ? {} : { startTls: (plain) => upgradeToTls(plain, tls.context, handshakeTimeoutMs) }),
  });
  const server = new PopServer({
    runner: engine,
    policy,
    limiter: new ConnectionLimiter(config.maxConnections, config.maxConnectionFromSingleIP),
    logger,
    tls,
    handshakeTimeoutMs,
    refusal: REFUSAL_LINE,
    ...(config.proxy === undefined
      ? {}
      : {
          proxy: {
            trusted: createCidrMatcher(config.proxy.trustedProxies),
            headerTimeoutMs: config.proxy.headerTimeoutMs,
          },
        }),
  });

  const listeners: BoundListener[] = [];
  try {
    for (const [kind, addresses] of [
      ['plain', config.plainListeners],
      ['tls', config.tlsListeners],
    ] as const) {
      for (const address of addresses) {
        try {
          const bound = await server.listen(address, kind, address.proxyProtocol);
          listeners.push(bound);
          logger.info('listening', { ...bound });
        } catch (err) {
          const setting = kind === 'plain' ? 'UnencryptedOrTLSBindings' : 'SSLBindings';
          throw new Error(`${setting}: cannot listen on ${formatListenAddress(address)}: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
    }
  } catch (err) {
    await server.close(0);
    throw err;
  }
  logger.info('started', {
    pid: process.pid,
    mechanisms: mechanisms.map((mechanism) => mechanism.name),
    loginType: config.session.loginType,
    tls: tls !== undefined,
  });

  return {
    listeners,
    async reload() {
      const results = await Promise.allSettled([tls?.reload(), users.reload()]);
      const [tlsResult, usersResult] = results;
      if (tlsResult?.status === 'rejected') logger.error('reload-failed', { what: 'tls', error: tlsResult.reason });
      if (usersResult?.status === 'rejected')
        logger.error('reload-failed', { what: 'users', error: usersResult.reason });
      logger.info('reloaded', {
        tls: tls === undefined ? 'none' : tlsResult?.status === 'fulfilled' ? 'reloaded' : 'kept',
        users: usersResult?.status === 'fulfilled' ? 'reloaded' : 'kept',
      });
    },
    async stop() {
      // close() stops the listeners at once, so "stopping" is only logged once no new connection can come in.
      const closed = server.close(config.shutdownGracePeriodMs);
      logger.info('stopping', { sessions: server.sessionCount, graceMs: config.shutdownGracePeriodMs });
      await closed;
      logger.info('stopped', {});
    },
  };
}
