import type { ConnectionInfo, Identity, SessionEvent, SessionHooks } from '@poplar/session';
import type { Logger } from './logger.js';
import type { LoginPenalty } from './login-penalty.js';
import type { UserLimiter } from './user-limiter.js';

/** What the daemon learns about one session from its events, for the session's log line. */
export interface SessionStats {
  failedLogins: number;
  startTls: boolean;
  mechanism: string | undefined;
}

/**
 * The cross-session policy the engine calls back into: the per-address failed-login penalty, MaxConnectionsPerUser,
 * and the per-session counters that go into the log. Events carry no secrets, and none are logged here.
 */
export class SessionPolicy implements SessionHooks {
  readonly #penalty: LoginPenalty;
  readonly #users: UserLimiter;
  readonly #logger: Logger;
  readonly #stats = new Map<string, SessionStats>();

  constructor(penalty: LoginPenalty, users: UserLimiter, logger: Logger) {
    this.#penalty = penalty;
    this.#users = users;
    this.#logger = logger;
  }

  begin(connectionId: string): void {
    this.#stats.set(connectionId, { failedLogins: 0, startTls: false, mechanism: undefined });
  }

  /** Forgets the session and returns what was gathered. */
  end(connectionId: string): SessionStats {
    const stats = this.#stats.get(connectionId) ?? { failedLogins: 0, startTls: false, mechanism: undefined };
    this.#stats.delete(connectionId);
    return stats;
  }

  loginFailed(connection: ConnectionInfo, _user: string | undefined): number {
    return this.#penalty.failed(connection.remoteAddress);
  }

  acquireUser(identity: Identity, connection: ConnectionInfo): boolean {
    const ok = this.#users.acquire(identity.user);
    if (!ok)
      this.#logger.warn('user-limit', { id: connection.id, user: identity.user, setting: 'MaxConnectionsPerUser' });
    return ok;
  }

  releaseUser(identity: Identity, _connection: ConnectionInfo): void {
    this.#users.release(identity.user);
  }

  event(connection: ConnectionInfo, event: SessionEvent): void {
    const stats = this.#stats.get(connection.id);
    switch (event.type) {
      case 'login-failed':
        if (stats) stats.failedLogins += 1;
        this.#logger.info('login-failed', {
          id: connection.id,
          address: connection.remoteAddress,
          user: event.user,
          mechanism: event.mechanism,
        });
        break;
      case 'login':
        if (stats) stats.mechanism = event.identity.mechanism;
        break;
      case 'tls':
        if (stats) stats.startTls = true;
        break;
      case 'error':
        this.#logger.warn('session-error', { id: connection.id, error: event.error });
        break;
      case 'command':
        break;
    }
  }
}
