import { createPasswordVerifier, openUserDatabase, type UserDatabase } from '@poplar/auth';
import { createSessionEngine } from '@poplar/session';
import { createCidrMatcher } from '@poplar/wire';
import { ConfigError } from './config/config-error.js';
import type { DaemonConfig } from './config/daemon-config.js';
import { formatListenAddress } from './config/listen-address.js';
import { createFileSender } from './file-sender.js';
import type { Logger } from './logger.js';
import { loadMechanisms } from './mechanisms.js';
import { loadNtKey } from './nt-key.js';
import { type BoundListener, PopServer } from './pop-server.js';
import { REFUSAL_LINE, unavailableLine } from './refusal.js';
import { SessionPolicy } from './session-policy.js';
import type { SharedPolicy } from './shared-policy.js';
import { createStore, ensureMailRoot } from './store.js';
import { TlsCredentials, upgradeToTls } from './tls-credentials.js';

/** What a SIGHUP did: 'kept' when the files could not be read (the old ones stay in force). */
export interface ReloadOutcome {
  readonly tls: 'none' | 'reloaded' | 'kept';
  readonly users: 'reloaded' | 'kept';
}

/** One serving process, listening; the caller logs its life ("listening", "started", "stopping"...). */
export interface DaemonInstance {
  readonly listeners: readonly BoundListener[];
  /** The SASL mechanisms that could be loaded, in CAPA order. */
  readonly mechanisms: readonly string[];
  readonly tls: boolean;
  /** Reads the TLS certificate and key and the users file again; failures are logged, the old ones stay. */
  reload(): Promise<ReloadOutcome>;
  /**
   * Stops accepting at once, lets sessions finish for ShutdownGracePeriod, then ends the rest (see PopServer.close).
   * `sessions` is the number still open when accepting stopped.
   */
  close(): { readonly sessions: number; readonly closed: Promise<void> };
}

/**
 * Composes the packages into a listening server as the config says. The connection and per-user limits and the
 * failed-login penalty come from `shared`, so several processes can serve under one set of limits.
 */
export async function openDaemon(config: DaemonConfig, logger: Logger, shared: SharedPolicy): Promise<DaemonInstance> {
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
  const policy = new SessionPolicy(shared, logger);
  const handshakeTimeoutMs = config.session.preAuthenticatedTimeoutMs;
  const files = config.sendFile ? createFileSender() : undefined;
  if (files !== undefined && 'reason' in files) {
    logger.warn('no-sendfile', { message: `SendFile: ${files.reason}; kept wire forms are read and written instead` });
  }
  const engine = createSessionEngine({
    store: createStore(config, users, logger),
    passwords,
    mechanisms,
    settings: config.session,
    hooks: policy,
    ...(files !== undefined && 'sender' in files ? { fileSender: files.sender } : {}),
    ...(tls === undefined ? {} : { startTls: (plain) => upgradeToTls(plain, tls.context, handshakeTimeoutMs) }),
  });
  const server = new PopServer({
    runner: engine,
    policy,
    limits: shared,
    logger,
    tls,
    handshakeTimeoutMs,
    refusal: REFUSAL_LINE,
    unavailable: unavailableLine(config.session.responseCodes),
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
          listeners.push(await server.listen(address, kind, address.proxyProtocol));
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

  return {
    listeners,
    mechanisms: mechanisms.map((mechanism) => mechanism.name),
    tls: tls !== undefined,
    async reload() {
      const [tlsResult, usersResult] = await Promise.allSettled([tls?.reload(), users.reload()]);
      if (tlsResult.status === 'rejected') logger.error('reload-failed', { what: 'tls', error: tlsResult.reason });
      if (usersResult.status === 'rejected')
        logger.error('reload-failed', { what: 'users', error: usersResult.reason });
      return {
        tls: tls === undefined ? 'none' : tlsResult.status === 'fulfilled' ? 'reloaded' : 'kept',
        users: usersResult.status === 'fulfilled' ? 'reloaded' : 'kept',
      };
    },
    close() {
      // close() stops the listeners at once, so the count is taken once no new connection can come in.
      const closed = server.close(config.shutdownGracePeriodMs);
      return { sessions: server.sessionCount, closed };
    },
  };
}
